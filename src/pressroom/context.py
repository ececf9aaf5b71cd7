"""What every play is handed: who is acting, and the studio it acts in.

The acting person is an :class:`Actor`, resolved once at the edge (the CLI from ``--as`` or the
environment, the server from a session, a worker from its job's requester) and passed in; no
play reads the environment or the config to find out who is acting. A :class:`Context` carries
the actor with the studio (settings and store), the ledger's units of work and a clock, so a
play is ``play(ctx, ...) -> result`` and owns its transaction(s).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pressroom.errors import Forbidden

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from pressroom.store.studio import Studio

CHANNELS = ("cli", "web", "api", "worker", "python")


@dataclass(frozen=True)
class Actor:
    """A person known to the ledger (``id``), or nobody known (``id`` None)."""

    id: int | None
    name: str
    roles: frozenset[str] = frozenset()
    channel: str = "python"

    @classmethod
    def unknown(cls, channel: str = "python") -> Actor:
        return cls(None, "", frozenset(), channel)

    @property
    def known(self) -> bool:
        return self.id is not None

    def require(self, role: str, action: str) -> Actor:
        """This actor, if they hold ``role``; otherwise a refusal naming the role needed."""
        if not self.known:
            raise Forbidden(f"who is acting? to {action} a person with the {role} role must be named", field="actor")
        if role not in self.roles:
            raise Forbidden(
                f"{self.name} may not {action}: it needs the {role} role "
                f"({self.name} has: {', '.join(sorted(self.roles)) or 'none'})",
                field="actor",
            )
        return self


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    """A play's world: the studio (settings and store), the acting person and the clock.

    Engines are not carried: a recipe names its engine and the process-wide registry
    (``pressroom.engines``) runs it, so a worker on another machine runs the same one.
    """

    studio: Studio
    actor: Actor = field(default_factory=Actor.unknown)
    clock: Callable[[], datetime] = utc_now

    @contextmanager
    def unit(self) -> Iterator[Session]:
        """One unit of work: a transaction that commits on success and rolls back on any error."""
        with self.studio.session() as session:
            yield session

    @contextmanager
    def glance(self) -> Iterator[Session]:
        """A look that needs no transaction: each statement commits as it runs. For what every
        request asks first (who its token or cookie signs in), where BEGIN and COMMIT would double
        the round trips."""
        with self.studio.session(autocommit=True) as session:
            yield session

    def acting_as(self, actor: Actor) -> Context:
        return replace(self, actor=actor)

    def now(self) -> datetime:
        return self.clock()
