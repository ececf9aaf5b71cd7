"""Marks pinned to a region of an image: a point or a rectangle with a comment.

What proofing tools taught reviewers to expect: instead of "the left hand is wrong" in a note,
a mark on the hand. Places are stored as fractions of the image's width and height (0 to 1), so a
mark lands on the same spot in a thumbnail, the full file or an upscaled derivative. Anyone who
may judge an image (a reviewer or a director) marks it; everyone sees the marks; the author
resolves their own, or the operator who made the image resolves them once fixed.
"""

from __future__ import annotations

import math

from sqlalchemy import select

from pressroom.context import Context
from pressroom.errors import Forbidden, InputError
from pressroom.ledger import events, rows
from pressroom.ledger.tables import Generation, Mark

MAX_COMMENT = 2000
MARKERS = ("reviewer", "director")


def _fraction(value: float, what: str) -> float:
    if (
        not isinstance(value, (int, float))
        or isinstance(value, bool)
        or not math.isfinite(value)
        or not 0 <= value <= 1
    ):
        raise InputError(f"{what} must be a fraction of the image from 0 to 1 (got {value!r})", field=what)
    return float(value)


def place(
    ctx: Context, generation_id: int, x: float, y: float, comment: str, *, width: float = 0.0, height: float = 0.0
) -> dict:
    """Pin a comment to a point (``width`` and ``height`` 0) or a rectangle of the image."""
    x, y, width, height = (_fraction(v, name) for v, name in ((x, "x"), (y, "y"), (width, "width"), (height, "height")))
    if x + width > 1 + 1e-9 or y + height > 1 + 1e-9:
        raise InputError("the rectangle runs off the image: x + width and y + height must stay within 1", field="width")
    comment = (comment or "").strip()
    if not comment:
        raise InputError("a mark needs a comment saying what is wrong there", field="comment")
    if len(comment) > MAX_COMMENT:
        raise InputError(f"the comment is {len(comment)} characters long; keep it to {MAX_COMMENT}", field="comment")
    actor = ctx.actor
    if not actor.known or not actor.roles & set(MARKERS):
        raise Forbidden(
            f"{actor.name or 'nobody'} may not mark images: it needs the reviewer or director role", field="actor"
        )
    with ctx.unit() as session:
        row = rows.get(session, Generation, generation_id)
        mark = Mark(
            generation_id=row.id,
            author=actor.name,
            author_id=actor.id,
            x=x,
            y=y,
            width=width,
            height=height,
            comment=comment,
            at=ctx.now(),
        )
        session.add(mark)
        session.flush()
        events.record(
            session, actor, "mark.place", brief_id=row.brief_id, objects={"generation": row.id, "mark": mark.id}
        )
        return mark.as_dict()


def resolve(ctx: Context, mark_id: int) -> dict:
    """Close a mark: its author, or the operator who made the image."""
    with ctx.unit() as session:
        mark = rows.get(session, Mark, mark_id)
        maker = session.get(Generation, mark.generation_id).maker_id
        if ctx.actor.id not in (mark.author_id, maker):
            raise Forbidden(
                f"{ctx.actor.name or 'nobody'} may not resolve mark {mark_id}: only its author or the "
                "image's maker may",
                field="actor",
            )
        if mark.resolved_at is None:
            mark.resolved_at, mark.resolved_by_id = ctx.now(), ctx.actor.id
            events.record(
                session, ctx.actor, "mark.resolve", objects={"generation": mark.generation_id, "mark": mark.id}
            )
        return mark.as_dict()


def on(ctx: Context, generation_id: int) -> list[dict]:
    """The image's marks, oldest first."""
    with ctx.unit() as session:
        rows.get(session, Generation, generation_id)
        return [
            m.as_dict()
            for m in session.scalars(select(Mark).where(Mark.generation_id == generation_id).order_by(Mark.id))
        ]
