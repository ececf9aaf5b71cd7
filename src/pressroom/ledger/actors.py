"""The acting person as the ledger knows them: the :class:`~pressroom.context.Actor` of a user id.

Whoever acts for a job (its requester), a sign-in session or a token is found here by id; the
ledger refers to people by id, so a renamed person keeps what they did.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from pressroom.context import Actor
from pressroom.ledger.tables import User


def by_id(session: Session, user_id: int | None, channel: str = "python") -> Actor:
    """The Actor of a person the ledger refers to (a job's requester, a session's owner)."""
    user = session.get(User, user_id) if user_id is not None else None
    if user is None:
        return Actor.unknown(channel)
    return Actor(user.id, user.name, frozenset(user.roles), channel)
