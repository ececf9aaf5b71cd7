"""The event log: who did what, when, to which objects. Append-only (the ledger enforces it)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, UTCDateTime

if TYPE_CHECKING:
    from .context import Actor, Context


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))  # the name the person had then
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    channel: Mapped[str] = mapped_column(String(10), default="cli")  # cli | web | api | worker | python
    action: Mapped[str] = mapped_column(String(60))
    brief_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    objects: Mapped[dict] = mapped_column(JSON)
    detail: Mapped[dict] = mapped_column(JSON)

    def as_dict(self) -> dict:
        return {"id": self.id, "at": self.at.isoformat(), "actor": self.actor, "actor_id": self.actor_id,
                "channel": self.channel, "action": self.action,
                "brief": self.brief_id, "objects": self.objects, "detail": self.detail}


def record(session: Session, actor: "Actor", action: str, *, brief_id: int | None = None,
           objects: dict | None = None, **detail) -> Event:
    event = Event(at=datetime.now(timezone.utc), actor=actor.name, actor_id=actor.id, channel=actor.channel,
                  action=action, brief_id=brief_id, objects=objects or {}, detail=detail)
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


def log(ctx: "Context", brief_id: int | None = None, actions: tuple[str, ...] = ()) -> list[dict]:
    """The event log (of one brief, or all; of some actions, or all), oldest first."""
    with ctx.unit() as session:
        return [event.as_dict() for event in listing(session, brief_id, actions)]
