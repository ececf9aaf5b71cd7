"""The event log: who did what, when, to which objects. Append-only (the ledger enforces it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from pressroom.ledger.tables import Event

if TYPE_CHECKING:
    from pressroom.context import Actor


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
    return event


def listing(session: Session, brief_id: int | None = None, actions: tuple[str, ...] = ()) -> list[Event]:
    query = select(Event).order_by(Event.id)
    if brief_id is not None:
        query = query.where(Event.brief_id == brief_id)
    if actions:
        query = query.where(Event.action.in_(actions))
    return list(session.scalars(query))
