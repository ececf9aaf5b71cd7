"""The event log as people read it: who did what, when, to which objects."""

from __future__ import annotations

from pressroom.context import Context
from pressroom.ledger import events


def log(ctx: Context, brief_id: int | None = None, actions: tuple[str, ...] = ()) -> list[dict]:
    """The event log (of one brief, or all; of some actions, or all), oldest first."""
    with ctx.unit() as session:
        return [event.as_dict() for event in events.listing(session, brief_id, actions)]
