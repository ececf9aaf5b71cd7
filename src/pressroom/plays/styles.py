"""The shared style library: named styles, each with the style slot text, its negative prompt and its
LoRAs (each by full SHA-256 and weight, applied to every concept made in the style).

A new studio starts with a few useful styles (seeded by migration 0002); teams add the ones
that kept well, and extend negatives with the failures reviewers caught.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pressroom.context import Actor, Context
from pressroom.domain import names
from pressroom.errors import Conflict, InputError, NotFound
from pressroom.ledger import events
from pressroom.ledger.db import taken
from pressroom.ledger.tables import Style


def add(
    session: Session, name: str, style: str, negative: str, actor: Actor, note: str = "", loras: list | None = None
) -> Style:
    actor.require("operator", "add a style")
    if not name.strip() or not style.strip():
        raise InputError("a style needs a name and its style text", field="text")
    names.check(name, "style name", field="name")
    if session.scalar(select(Style).where(Style.name == name)):
        raise Conflict(f"style {name!r} exists already; choose another name", field="name")
    row = Style(
        name=name,
        style=style,
        negative=negative,
        note=note,
        created_at=datetime.now(UTC),
        loras=[lora.model_dump(mode="json") for lora in loras or []],
    )
    session.add(row)
    with taken(f"style {name!r} exists already (added just now by someone else); choose another name", "name"):
        session.flush()
    events.record(session, actor, "style.add", objects={"style": row.id}, name=name)
    return row


def get(session: Session, name: str) -> Style:
    row = session.scalar(select(Style).where(Style.name == name))
    if row is None:
        known = ", ".join(s.name for s in listing(session))
        raise NotFound(f"no style {name!r} (library: {known}); add it to the library first", field="styles")
    return row


def listing(session: Session) -> list[Style]:
    return list(session.scalars(select(Style).order_by(Style.name)))


# -- use cases ------------------------------------------------------------------------------------
def add_style(
    ctx: Context, name: str, style: str, negative: str = "", note: str = "", loras: list[str] | None = None
) -> dict:
    """Add a style; ``loras`` are ``NAME[:WEIGHT]`` of registered LoRAs, kept by their hashes."""
    from pressroom.store import loras as registry

    refs = registry.refs(ctx.studio, list(loras or []))
    with ctx.unit() as session:
        return add(session, name, style, negative, ctx.actor, note, refs).as_dict()


def styles(ctx: Context) -> list[dict]:
    with ctx.unit() as session:
        return [row.as_dict() for row in listing(session)]
