"""The event log: who did what, when, to which objects. Append-only (the ledger enforces it)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, UTCDateTime


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    brief_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    objects: Mapped[dict] = mapped_column(JSON)
    detail: Mapped[dict] = mapped_column(JSON)

    def as_dict(self) -> dict:
        return {"id": self.id, "at": self.at.isoformat(), "actor": self.actor, "action": self.action,
                "brief": self.brief_id, "objects": self.objects, "detail": self.detail}


def record(session: Session, actor: str, action: str, *, brief_id: int | None = None,
           objects: dict | None = None, **detail) -> Event:
    event = Event(at=datetime.now(timezone.utc), actor=actor, action=action, brief_id=brief_id,
                  objects=objects or {}, detail=detail)
    session.add(event)
    session.flush()
    return event


def listing(session: Session, brief_id: int | None = None) -> list[Event]:
    query = select(Event).order_by(Event.id)
    if brief_id is not None:
        query = query.where(Event.brief_id == brief_id)
    return list(session.scalars(query))
