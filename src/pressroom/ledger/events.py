"""The event log: who did what, when, to which objects. Append-only (the ledger enforces it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from pressroom.ledger.tables import Event

if TYPE_CHECKING:
    from pressroom.context import Actor


Listener = Callable[[Session, Event], None]
_LISTENERS: list[Listener] = []


def listens(listener: Listener) -> Listener:
    """Have ``listener(session, event)`` called for every event recorded, in the event's own
    transaction (the notices register themselves so: what an event causes is written with it)."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)
    return listener


def record(
    session: Session, actor: Actor, action: str, *, brief_id: int | None = None, objects: dict | None = None, **detail
) -> Event:
    event = Event(
        at=datetime.now(UTC),
        actor=actor.name,
        actor_id=actor.id,
        channel=actor.channel,
        action=action,
        brief_id=brief_id,
        objects=objects or {},
        detail=detail,
    )
    session.add(event)
    session.flush()
    for listener in _LISTENERS:
        listener(session, event)
    return event


def listing(session: Session, brief_id: int | None = None, actions: tuple[str, ...] = ()) -> list[Event]:
    query = select(Event).order_by(Event.id)
    if brief_id is not None:
        query = query.where(Event.brief_id == brief_id)
    if actions:
        query = query.where(Event.action.in_(actions))
    return list(session.scalars(query))
