"""The kinds of job a worker runs, each with the handler of the play that owns it, and the chores it
does between jobs.

A play registers its handler when it is imported (``@kinds.handles("volume")`` in
``pressroom.plays.volume``); importing ``pressroom.plays`` loads them all, which the front ends do
before they start a worker. The kind is stored on every job row, so its name never changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pressroom.errors import InputError

if TYPE_CHECKING:
    from pressroom.jobs.queue import Lease
    from pressroom.ledger.tables import Job
    from pressroom.store.studio import Studio

Handler = Callable[["Studio", "Job", "Lease"], dict]

_HANDLERS: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register ``handler`` as the one that runs jobs of ``kind``."""

    def register(handler: Handler) -> Handler:
        if _HANDLERS.get(kind, handler) is not handler:
            raise ValueError(f"jobs of kind {kind!r} already have a handler: {_HANDLERS[kind].__module__}")
        _HANDLERS[kind] = handler
        return handler

    return register


def handler(kind: str) -> Handler:
    """The handler of ``kind``, or a one-line refusal naming the kinds known."""
    if kind not in _HANDLERS:
        raise InputError(
            f"no worker handler for jobs of kind {kind!r} (known: {', '.join(sorted(_HANDLERS)) or 'none'})",
            field="kind",
        )
    return _HANDLERS[kind]


def known() -> list[str]:
    return sorted(_HANDLERS)


# -- chores: what a worker does between jobs (the outbox's deliveries) ------------------------------
Chore = Callable[["Studio", Callable[[str], None]], None]
_CHORES: list[Chore] = []


def chore(work: Chore) -> Chore:
    """Register ``work(studio, log)``, which a worker runs each time it looks for a job."""
    if work not in _CHORES:
        _CHORES.append(work)
    return work


def chores() -> list[Chore]:
    return list(_CHORES)
