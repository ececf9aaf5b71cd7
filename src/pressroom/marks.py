"""Marks pinned to a region of an image: a point or a rectangle with a comment.

What proofing tools taught reviewers to expect: instead of "the left hand is wrong" in a note,
a mark on the hand. Places are stored as fractions of the image's width and height (0 to 1), so a
mark lands on the same spot in a thumbnail, the full file or an upscaled derivative. Anyone who
may judge an image (a reviewer or a director) marks it; everyone sees the marks; the author
resolves their own, or the operator who made the image resolves them once fixed.
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from . import events, generations
from .context import Context
from .db import Base, UTCDateTime
from .errors import Forbidden, InputError, NotFound

MAX_COMMENT = 2000
MARKERS = ("reviewer", "director")


class Mark(Base):
    __tablename__ = "marks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation_id: Mapped[int] = mapped_column(ForeignKey("generations.id"), index=True)
    author: Mapped[str] = mapped_column(String(100))  # the name at the time
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    x: Mapped[float] = mapped_column(Float)  # left edge (or the point), a fraction of the width
    y: Mapped[float] = mapped_column(Float)  # top edge (or the point), a fraction of the height
    width: Mapped[float] = mapped_column(Float, default=0.0)  # 0 for a point
    height: Mapped[float] = mapped_column(Float, default=0.0)
    comment: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    def as_dict(self) -> dict:
        return {"mark": self.id, "generation": self.generation_id, "author": self.author, "author_id": self.author_id,
                "kind": "rectangle" if self.width or self.height else "point", "x": self.x, "y": self.y,
                "width": self.width, "height": self.height, "comment": self.comment, "at": self.at.isoformat(),
                "resolved": self.resolved_at is not None}


def _fraction(value: float, what: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or not 0 <= value <= 1:
        raise InputError(f"{what} must be a fraction of the image from 0 to 1 (got {value!r})", field=what)
    return float(value)


def place(ctx: Context, generation_id: int, x: float, y: float, comment: str, *,
          width: float = 0.0, height: float = 0.0) -> dict:
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
        raise Forbidden(f"{actor.name or 'nobody'} may not mark images: it needs the reviewer or director role",
                        field="actor")
    with ctx.unit() as session:
        row = session.get(generations.Generation, generation_id)
        if row is None:
            raise NotFound(f"no generation {generation_id}")
        mark = Mark(generation_id=row.id, author=actor.name, author_id=actor.id, x=x, y=y, width=width, height=height,
                    comment=comment, at=ctx.now())
        session.add(mark)
        session.flush()
        events.record(session, actor, "mark.place", brief_id=row.brief_id,
                      objects={"generation": row.id, "mark": mark.id})
        return mark.as_dict()


def resolve(ctx: Context, mark_id: int) -> dict:
    """Close a mark: its author, or the operator who made the image."""
    with ctx.unit() as session:
        mark = session.get(Mark, mark_id)
        if mark is None:
            raise NotFound(f"no mark {mark_id}")
        maker = session.get(generations.Generation, mark.generation_id).maker_id
        if ctx.actor.id not in (mark.author_id, maker):
            raise Forbidden(f"{ctx.actor.name or 'nobody'} may not resolve mark {mark_id}: only its author or the "
                            "image's maker may", field="actor")
        if mark.resolved_at is None:
            mark.resolved_at, mark.resolved_by_id = ctx.now(), ctx.actor.id
            events.record(session, ctx.actor, "mark.resolve", objects={"generation": mark.generation_id,
                                                                         "mark": mark.id})
        return mark.as_dict()


def on(ctx: Context, generation_id: int) -> list[dict]:
    """The image's marks, oldest first."""
    with ctx.unit() as session:
        if session.get(generations.Generation, generation_id) is None:
            raise NotFound(f"no generation {generation_id}")
        return [m.as_dict() for m in session.scalars(select(Mark).where(Mark.generation_id == generation_id)
                                                        .order_by(Mark.id))]
