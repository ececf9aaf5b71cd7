"""Marks pinned to a region of an image: a point or a rectangle with a comment.

What proofing tools taught reviewers to expect: instead of "the left hand is wrong" in a note,
a mark on the hand. Places are stored as fractions of the image's width and height (0 to 1), so a
mark lands on the same spot in a thumbnail, the full file or an upscaled derivative. Anyone who
may judge an image (a reviewer or a director) marks it; everyone sees the marks. A mark is a
conversation: reviewers, directors and operators reply; the author resolves their own, or the
operator who made the image (or its fix) resolves it once fixed; a reviewer or director reopens
one whose fix did not hold. A mark raised on an image holds for every version made from it, and
an approval waits until each open mark is resolved or answered. A client marks and replies
through a review link (``plays.guests``, by ``pin`` and ``answer``) as "Name (client)".
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pressroom.context import Actor, Context
from pressroom.errors import Forbidden, InputError
from pressroom.ledger import events, lineage, rows
from pressroom.ledger.tables import Generation, Mark, MarkReply

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
    actor = ctx.actor
    if not actor.known or not actor.roles & set(MARKERS):
        _placed(x, y, width, height, comment)  # a malformed mark is named before who may not place it
        raise Forbidden(
            f"{actor.name or 'nobody'} may not mark images: it needs the reviewer or director role", field="actor"
        )
    with ctx.unit() as session:
        row = rows.get(session, Generation, generation_id)
        return pin(session, actor, row, x, y, comment, width=width, height=height, at=ctx.now()).as_dict()


def _placed(x: float, y: float, width: float, height: float, comment: str) -> tuple[float, float, float, float, str]:
    """A mark's place and comment, checked."""
    x, y, width, height = (_fraction(v, name) for v, name in ((x, "x"), (y, "y"), (width, "width"), (height, "height")))
    if x + width > 1 + 1e-9 or y + height > 1 + 1e-9:
        raise InputError("the rectangle runs off the image: x + width and y + height must stay within 1", field="width")
    comment = (comment or "").strip()
    if not comment:
        raise InputError("a mark needs a comment saying what is wrong there", field="comment")
    if len(comment) > MAX_COMMENT:
        raise InputError(f"the comment is {len(comment)} characters long; keep it to {MAX_COMMENT}", field="comment")
    return x, y, width, height, comment


def pin(
    session: Session,
    actor: Actor,
    row: Generation,
    x: float,
    y: float,
    comment: str,
    *,
    width: float = 0.0,
    height: float = 0.0,
    author_id: int | None = None,
    guest_share_id: int | None = None,
    at: datetime | None = None,
) -> Mark:
    """Write a mark by ``actor`` on ``row`` (the caller decided they may). A client's mark through a
    guest link (``guest_share_id``) names the client as its author and the link's maker as
    ``author_id``."""
    x, y, width, height, comment = _placed(x, y, width, height, comment)
    mark = Mark(
        generation_id=row.id,
        author=actor.name,
        author_id=author_id if author_id is not None else actor.id,
        guest_share_id=guest_share_id,
        x=x,
        y=y,
        width=width,
        height=height,
        comment=comment,
        at=at or datetime.now(UTC),
    )
    session.add(mark)
    session.flush()
    events.record(session, actor, "mark.place", brief_id=row.brief_id, objects={"generation": row.id, "mark": mark.id})
    return mark


def _conversed(ctx: Context, action: str) -> None:
    """Anyone who works on images (a reviewer, a director, an operator) takes part in a mark's conversation."""
    if not ctx.actor.known or not ctx.actor.roles & {*MARKERS, "operator"}:
        raise Forbidden(
            f"{ctx.actor.name or 'nobody'} may not {action}: it needs the reviewer, director or operator role",
            field="actor",
        )


def reply(ctx: Context, mark_id: int, text: str) -> dict:
    """Answer a mark ("fixed in the next version", "not yet: the thumb"); the mark stays open until resolved."""
    _replied(text)
    _conversed(ctx, "reply to marks")
    with ctx.unit() as session:
        mark = rows.get(session, Mark, mark_id)
        answer(session, ctx.actor, mark, text, at=ctx.now())
        return _shown(session, mark, mark.generation_id)


def _replied(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InputError("a reply needs some text", field="text")
    if len(text) > MAX_COMMENT:
        raise InputError(f"the reply is {len(text)} characters long; keep it to {MAX_COMMENT}", field="text")
    return text


def answer(
    session: Session,
    actor: Actor,
    mark: Mark,
    text: str,
    *,
    author_id: int | None = None,
    guest_share_id: int | None = None,
    at: datetime | None = None,
) -> MarkReply:
    """Write a reply by ``actor`` to ``mark`` (the caller decided they may; a client's as in ``pin``)."""
    row = MarkReply(
        mark_id=mark.id,
        author=actor.name,
        author_id=author_id if author_id is not None else actor.id,
        guest_share_id=guest_share_id,
        text=_replied(text),
        at=at or datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    brief = session.get(Generation, mark.generation_id).brief_id
    events.record(
        session, actor, "mark.reply", brief_id=brief, objects={"generation": mark.generation_id, "mark": mark.id}
    )
    return row


def resolve(ctx: Context, mark_id: int) -> dict:
    """Close a mark: its author, or whoever made the image or a version made from it (the fix)."""
    with ctx.unit() as session:
        mark = rows.get(session, Mark, mark_id)
        if ctx.actor.id is None or ctx.actor.id not in _resolvers(session, mark):
            raise Forbidden(
                f"{ctx.actor.name or 'nobody'} may not resolve mark {mark_id}: only its author or the "
                "maker of the image (or of its fix) may",
                field="actor",
            )
        if mark.resolved_at is None:
            mark.resolved_at, mark.resolved_by_id = ctx.now(), ctx.actor.id
            events.record(
                session, ctx.actor, "mark.resolve", objects={"generation": mark.generation_id, "mark": mark.id}
            )
        return _shown(session, mark, mark.generation_id)


def reopen(ctx: Context, mark_id: int) -> dict:
    """Open a resolved mark again (the fix did not hold): its author, a reviewer or a director."""
    if not ctx.actor.known or not ctx.actor.roles & set(MARKERS):
        raise Forbidden(
            f"{ctx.actor.name or 'nobody'} may not reopen marks: it needs the reviewer or director role", field="actor"
        )
    with ctx.unit() as session:
        mark = rows.get(session, Mark, mark_id)
        if mark.resolved_at is not None:
            mark.resolved_at, mark.resolved_by_id = None, None
            events.record(
                session, ctx.actor, "mark.reopen", objects={"generation": mark.generation_id, "mark": mark.id}
            )
        return _shown(session, mark, mark.generation_id)


def _makers(session: Session, generation_id: int) -> set[int]:
    """Whoever made the image or a version made from it."""
    made = [generation_id, *lineage.descendants(session, generation_id)]
    return {m for m in session.scalars(select(Generation.maker_id).where(Generation.id.in_(made))) if m is not None}


def _resolvers(session: Session, mark: Mark) -> set[int]:
    """Who may resolve ``mark``: its author, and whoever made its image or a version made from it."""
    return {mark.author_id, *_makers(session, mark.generation_id)}


def _shown(
    session: Session,
    mark: Mark,
    viewed: int,
    replies: list[MarkReply] | None = None,
    makers: set[int] | None = None,
) -> dict:
    if replies is None:
        replies = list(session.scalars(select(MarkReply).where(MarkReply.mark_id == mark.id).order_by(MarkReply.id)))
    resolvers = {mark.author_id, *makers} if makers is not None else _resolvers(session, mark)
    return {
        **mark.as_dict(),
        "raised_on": mark.generation_id if mark.generation_id != viewed else None,
        "replies": [r.as_dict() for r in replies],
        "answered": any((r.author_id, r.guest_share_id) != (mark.author_id, mark.guest_share_id) for r in replies),
        "resolvers": sorted(resolvers),
    }


def of(session: Session, row: Generation) -> list[dict]:
    """The marks on ``row`` and on the images it was made from (a mark raised on a parent holds for
    its fix), oldest first, each with its replies and where it was raised."""
    ids = [row.id, *(a.id for a in lineage.ancestors(session, row))]
    found = list(session.scalars(select(Mark).where(Mark.generation_id.in_(ids)).order_by(Mark.id)))
    replies: dict[int, list[MarkReply]] = {m.id: [] for m in found}
    if found:
        for r in session.scalars(select(MarkReply).where(MarkReply.mark_id.in_(replies)).order_by(MarkReply.id)):
            replies[r.mark_id].append(r)
    makers = {g: _makers(session, g) for g in {m.generation_id for m in found}}  # once per image, not per mark
    return [_shown(session, m, row.id, replies[m.id], makers[m.generation_id]) for m in found]


def unsettled(session: Session, row: Generation) -> list[dict]:
    """The marks an approval of ``row`` waits on: open, and answered by nobody but their author."""
    return [m for m in of(session, row) if not m["resolved"] and not m["answered"]]


def on(ctx: Context, generation_id: int) -> list[dict]:
    """The image's marks and those raised on the images it was made from, oldest first."""
    with ctx.unit() as session:
        return of(session, rows.get(session, Generation, generation_id))
