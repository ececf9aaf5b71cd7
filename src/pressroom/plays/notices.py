"""Notices: who is told what, when something happens. Each event the plays record may notify people
in their inbox, by e-mail where they have an address, and every webhook that asks for its kind.

Written in the event's own transaction (``events.listens``): the inbox rows and the outbox rows (a
mail, a webhook post) commit with the event or not at all, and a worker sends the outbox
(``plays.outbox``). The kinds and whom they reach:

- ``review.requested``: images were kept in a cull, or a fix landed; the reviewers assigned to the
  brief, else every reviewer (never the image's maker).
- ``concepts.ready``: a concept sprint landed; the brief's director.
- ``direction.approved``: the direction is chosen; everyone who made an image for the brief.
- ``lock.failed``: a lock-in did not reproduce; the operator who ran it and the brief's director.
- ``volume.done``: a volume run finished; its operator.
- ``review.changes_requested``: a decision sent an image back; its maker.
- ``review.approved``: an approving decision; the image's maker and every keeper.
- ``release.done``: a brief was released; its director and every keeper.
- ``mark.mention``: a mark or a reply names ``@someone``; that person.

Nobody is told of their own action.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pressroom.context import Context
from pressroom.domain import gate
from pressroom.errors import NotFound
from pressroom.ledger import events, rows
from pressroom.ledger.tables import Brief, Event, Generation, Mark, MarkReply, Notice, Outgoing, User, UserRole
from pressroom.plays import assignments
from pressroom.store.studio import CONFIG_KEY

KINDS = (
    "review.requested",
    "concepts.ready",
    "direction.approved",
    "lock.failed",
    "volume.done",
    "review.changes_requested",
    "review.approved",
    "release.done",
    "mark.mention",
)
MENTION = re.compile(r"@([A-Za-z0-9._-]+)")


@dataclass(frozen=True)
class Said:
    kind: str
    text: str
    link: str
    to: set[int]


def _director(session: Session, brief_id: int | None) -> set[int]:
    brief = session.get(Brief, brief_id) if brief_id is not None else None
    return {brief.director_id} if brief is not None and brief.director_id is not None else set()


def _holding(session: Session, role: str) -> set[int]:
    return set(session.scalars(select(UserRole.user_id).where(UserRole.role == role)))


def _title(session: Session, brief_id: int | None) -> str:
    brief = session.get(Brief, brief_id) if brief_id is not None else None
    return f"brief {brief.id} ({brief.title})" if brief is not None else "a brief"


def said(session: Session, event: Event) -> list[Said]:
    """What ``event`` tells whom (none for most events)."""
    action, objects, detail, brief = event.action, event.objects or {}, event.detail or {}, event.brief_id
    where = _title(session, brief)
    if action in ("cull.keep", "post.in") or action.startswith("fix."):
        ids = objects.get("generations") or [objects.get("generation")]
        makers = set(session.scalars(select(Generation.maker_id).where(Generation.id.in_([i for i in ids if i]))))
        assigned = {a.reviewer_id for a in assignments.live(session, [brief])} if brief is not None else set()
        what = f"{len(ids)} image{'s' if len(ids) != 1 else ''} of {where}" if len(ids) != 1 else f"image #{ids[0]}"
        link = f"/images/{ids[0]}" if len(ids) == 1 else "/"
        return [
            Said(
                "review.requested",
                f"{what} wait for your review",
                link,
                (assigned or _holding(session, "reviewer")) - makers,
            )
        ]
    if action == "concept.sprint":
        return [
            Said(
                "concepts.ready",
                f"{event.actor}'s concept sprint for {where} is ready for a direction",
                f"/briefs/{brief}",
                _director(session, brief),
            )
        ]
    if action == "direction.approve":
        makers = set(session.scalars(select(Generation.maker_id).where(Generation.brief_id == brief)))
        return [
            Said(
                "direction.approved",
                f"{event.actor} approved the direction of {where}: lock a recipe from it",
                f"/briefs/{brief}",
                {m for m in makers if m is not None},
            )
        ]
    if action == "recipe.lock_failed":
        return [
            Said(
                "lock.failed",
                f"the lock-in of {where} did not reproduce; the brief is paused",
                f"/briefs/{brief}",
                {event.actor_id, *_director(session, brief)} - {None},
            )
        ]
    if action == "volume.run":
        made = len(objects.get("generations", []))
        return [
            Said(
                "volume.done",
                f"the volume run of recipe {objects.get('recipe')} made {made} images: cull them",
                f"/recipes/{objects.get('recipe')}/cull",
                {event.actor_id} - {None},
            )
        ]
    if action == "review.decide":
        image = session.get(Generation, objects.get("generation"))
        maker = {image.maker_id} - {None} if image is not None else set()
        decision = str(detail.get("decision", ""))
        if gate.sends_back(decision):
            failed = ", ".join(detail.get("failed") or []) or "see the note"
            return [
                Said(
                    "review.changes_requested",
                    f"{event.actor} sent image #{image.id} back ({decision.replace('-', ' ')}): {failed}",
                    f"/images/{image.id}",
                    maker,
                )
            ]
        if gate.approves(decision):
            return [
                Said(
                    "review.approved",
                    f"{event.actor} approved image #{image.id} ({decision.replace('-', ' ')})",
                    f"/images/{image.id}",
                    maker | _holding(session, "keeper"),
                )
            ]
    if action == "release":
        return [
            Said(
                "release.done",
                f"{event.actor} released {where}: {len(objects.get('assets', []))} files",
                f"/briefs/{brief}/release",
                _director(session, brief) | _holding(session, "keeper"),
            )
        ]
    if action in ("mark.place", "mark.reply"):
        mark = session.get(Mark, objects.get("mark"))
        if mark is None:
            return []
        text = mark.comment
        if action == "mark.reply":
            reply = session.scalar(
                select(MarkReply).where(MarkReply.mark_id == mark.id).order_by(MarkReply.id.desc()).limit(1)
            )
            text = reply.text if reply is not None else ""
        names = set(MENTION.findall(text))
        named = set(session.scalars(select(User.id).where(User.name.in_(names)))) if names else set()
        return [
            Said(
                "mark.mention",
                f"{event.actor} mentioned you on image #{mark.generation_id}: {text[:200]}",
                f"/images/{mark.generation_id}",
                named,
            )
        ]
    return []


def _hooks(config: dict) -> dict[str, dict]:
    return {name: hook for name, hook in config.get("webhooks", {}).items() if isinstance(hook, dict)}


def notify(session: Session, event: Event) -> None:
    """The listener: each notice of ``event`` into the inbox and the outbox, in its transaction."""
    found = said(session, event)
    if not found:
        return
    config = session.info.get(CONFIG_KEY, {})
    for notice in found:
        for user_id in sorted(notice.to - {event.actor_id, None}):
            session.add(
                Notice(
                    user_id=user_id,
                    event_id=event.id,
                    kind=notice.kind,
                    text=notice.text,
                    link=notice.link,
                    at=event.at,
                )
            )
            person = session.get(User, user_id)
            if person is not None and person.email:
                session.add(_outgoing(event, "email", person.email, notice, {"text": notice.text, "link": notice.link}))
        for name, hook in _hooks(config).items():
            if notice.kind in (hook.get("events") or KINDS):
                payload = {
                    "event": notice.kind,
                    "text": notice.text,
                    "link": notice.link,
                    "brief": event.brief_id,
                    "actor": event.actor,
                    "at": event.at.isoformat(),
                }
                session.add(_outgoing(event, "webhook", name, notice, payload))


def _outgoing(event: Event, channel: str, target: str, notice: Said, body: dict) -> Outgoing:
    return Outgoing(
        channel=channel,
        target=target,
        kind=notice.kind,
        subject=f"pressroom: {notice.text[:150]}",
        body=body,
        event_id=event.id,
        state="pending",
        attempts=0,
        next_at=event.at,
        created_at=event.at,
    )


events.listens(notify)


# -- use cases ------------------------------------------------------------------------------------
def inbox(ctx: Context, *, unread: bool = False, limit: int = 50) -> dict:
    """The acting person's notices, newest first, and how many are unread."""
    actor = ctx.actor
    if not actor.known:
        raise NotFound("nobody is signed in: notices belong to a person", field="actor")
    with ctx.unit() as session:
        query = select(Notice).where(Notice.user_id == actor.id)
        if unread:
            query = query.where(Notice.read_at.is_(None))
        found = [n.as_dict() for n in session.scalars(query.order_by(Notice.id.desc()).limit(limit))]
        return {"notices": found, "unread": _unread(session, actor.id)}


def _unread(session: Session, user_id: int) -> int:
    query = select(func.count()).select_from(Notice).where(Notice.user_id == user_id, Notice.read_at.is_(None))
    return session.scalar(query) or 0


def unread(ctx: Context) -> int:
    """How many of the acting person's notices are unread (0 for nobody): the header's count."""
    if not ctx.actor.known:
        return 0
    with ctx.unit() as session:
        return _unread(session, ctx.actor.id)


def mark_read(ctx: Context, notice_id: int | None = None, *, now: datetime | None = None) -> int:
    """Mark one of the acting person's notices read (all of them, without ``notice_id``); how many changed."""
    if not ctx.actor.known:
        raise NotFound("nobody is signed in: notices belong to a person", field="actor")
    when = now or ctx.now()
    with ctx.unit() as session:
        if notice_id is not None:
            row = rows.get(session, Notice, notice_id)
            if row.user_id != ctx.actor.id:
                raise NotFound(f"no notice {notice_id} of yours", field="notice")
            chosen = [row]
        else:
            chosen = list(
                session.scalars(select(Notice).where(Notice.user_id == ctx.actor.id, Notice.read_at.is_(None)))
            )
        changed = 0
        for row in chosen:
            if row.read_at is None:
                row.read_at, changed = when, changed + 1
        return changed
