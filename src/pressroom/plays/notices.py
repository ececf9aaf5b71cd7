"""Notices: who is told what, when something happens. Each event the plays record may notify people
in their inbox, by e-mail where they have an address, and every webhook that asks for its kind.

Written in the event's own transaction (``events.listens``): the inbox rows and the outbox rows (a
mail, a webhook post) commit with the event or not at all, and a worker sends the outbox
(``plays.outbox``). The kinds and whom they reach:

- ``review.requested``: images were kept in a cull, or a fix landed; the reviewers assigned to the
  brief, else every reviewer (never the image's maker). At a gate taking the assigned reviewers in
  order, only the one whose turn it is; each next one when the one before approves.
- ``concepts.ready``: a concept sprint landed; the brief's director.
- ``direction.approved``: the direction is chosen; everyone who made an image for the brief.
- ``lock.failed``: a lock-in did not reproduce; the operator who ran it and the brief's director.
- ``volume.done``: a volume run finished; its operator.
- ``review.changes_requested``: a decision sent an image back; its maker.
- ``review.approved``: an approving decision; the image's maker and every keeper.
- ``release.done``: a brief was released; its director and every keeper.
- ``mark.mention``: a mark or a reply names ``@someone``; that person.
- ``client.decided``: a client approved a shared image or asked for changes through a guest link
  (``plays.guests``); the brief's director.
- ``due.soon`` and ``due.overdue``: work waiting on a person is due soon (``[notices]
  due_soon_hours``), or its date has passed; that person (``plays.reminders`` writes them, once each).
- ``invite``: an invite link mailed to the person invited (``plays.invites``; never to a webhook).

A guest's link is mailed to the guest's address alone (``mail``): a guest is not a person of the
studio and has no inbox.

Nobody is told of their own action. Each person chooses, per kind, how they are told (``CHANNELS``:
the inbox, e-mail, both or off; both when they never chose), and may have their mails held for one
daily digest (``plays.outbox``). A mail goes only where the person has an address: without one,
"e-mail" reaches their inbox instead, so nothing they asked for is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pressroom.context import Context
from pressroom.domain import gate
from pressroom.errors import InputError, NotFound
from pressroom.ledger import events, rows
from pressroom.ledger.tables import (
    Brief,
    Event,
    Generation,
    Mark,
    MarkReply,
    Notice,
    NoticePref,
    Outgoing,
    User,
    UserRole,
)
from pressroom.plays import assignments, reviews
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
    "client.decided",
    "due.soon",
    "due.overdue",
)
INVITE = "invite"  # mailed to the person invited, who has no inbox yet: no preference, no webhook
ABOUT = {  # each kind in the words its settings show
    "review.requested": "Images wait for your review",
    "concepts.ready": "Concepts are ready for your direction",
    "direction.approved": "A direction was approved for a brief you made images for",
    "lock.failed": "A lock-in did not reproduce",
    "volume.done": "Your volume run finished",
    "review.changes_requested": "One of your images was sent back",
    "review.approved": "An image was approved",
    "release.done": "A brief was released",
    "mark.mention": "Someone mentioned you in a mark or a reply",
    "due.soon": "Work waiting on you is due soon",
    "due.overdue": "Work waiting on you is overdue",
    "client.decided": "A client decided on an image shared with them",
}
CHANNELS = ("both", "inbox", "email", "off")
DUE_WORK = {  # what a due date is for, by the worklist's kind of item, in a reminder's words
    "review": "your review of {where}",
    "changes_requested": "an image of {where} sent back to you",
    "cull": "your cull of {where}",
    "lock_failed": "the lock-in of {where}",
    "direction": "the direction of {where}",
    "paused": "{where}, paused,",
    "due": "{where}",
    "release": "the release of {where}",
}
DEFAULT = "both"
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


def _first_in_turn(session: Session, ids: list[int], queue: list[int]) -> set[int]:
    """At a gate taking the assigned reviewers (``queue``) in order, the ones whose turn it is on the
    new images ``ids`` (the others are told when it comes: ``waits_on`` on an approval). Empty when
    the gate takes them in parallel or nobody is assigned."""
    if not queue:
        return set()
    config = session.info.get(CONFIG_KEY, {})
    first: set[int] = set()
    for row in session.scalars(select(Generation).where(Generation.id.in_(ids))):
        applied = reviews.gate_of(config, session, row)
        if applied.order != "sequential":
            return set()
        person = reviews.next_in_turn(session, row, applied.order, queue, [])
        first |= {person.id} if person is not None else set()
    return first


def _title(session: Session, brief_id: int | None) -> str:
    brief = session.get(Brief, brief_id) if brief_id is not None else None
    return f"brief {brief.id} ({brief.title})" if brief is not None else "a brief"


TELLING = {  # the events (besides every ``fix.*``) that may tell someone, each handled in ``said``
    "cull.keep",
    "post.in",
    "concept.sprint",
    "direction.approve",
    "recipe.lock_failed",
    "volume.run",
    "review.decide",
    "release",
    "client.decide",
    "mark.place",
    "mark.reply",
    "due.soon",
    "due.overdue",
}


def said(session: Session, event: Event) -> list[Said]:
    """What ``event`` tells whom (none for most events)."""
    action, objects, detail, brief = event.action, event.objects or {}, event.detail or {}, event.brief_id
    if action not in TELLING and not action.startswith("fix."):
        return []  # most events tell nobody: no query for them
    where = _title(session, brief)
    if action in ("cull.keep", "post.in") or action.startswith("fix."):
        ids = objects.get("generations") or [objects.get("generation")]
        makers = set(session.scalars(select(Generation.maker_id).where(Generation.id.in_([i for i in ids if i]))))
        queue = [a.reviewer_id for a in assignments.live(session, [brief])] if brief is not None else []
        what = f"{len(ids)} image{'s' if len(ids) != 1 else ''} of {where}" if len(ids) != 1 else f"image #{ids[0]}"
        link = f"/images/{ids[0]}" if len(ids) == 1 else "/"
        return [
            Said(
                "review.requested",
                f"{what} {'waits' if len(ids) == 1 else 'wait'} for your review",
                link,
                (_first_in_turn(session, [i for i in ids if i], queue) or set(queue) or _holding(session, "reviewer"))
                - makers,
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
            approved = Said(
                "review.approved",
                f"{event.actor} approved image #{image.id} ({decision.replace('-', ' ')})",
                f"/images/{image.id}",
                maker | _holding(session, "keeper"),
            )
            if detail.get("waits_on") is None:
                return [approved]
            turn = f"image #{image.id} waits for your review: {event.actor} approved it, and it is your turn"
            return [approved, Said("review.requested", turn, f"/images/{image.id}", {detail["waits_on"]})]
    if action == "release":
        return [
            Said(
                "release.done",
                f"{event.actor} released {where}: {len(objects.get('assets', []))} files",
                f"/briefs/{brief}/release",
                _director(session, brief) | _holding(session, "keeper"),
            )
        ]
    if action == "client.decide":
        image = objects.get("generation")
        said_ = "approved" if detail.get("decision") == "approved" else "asked for changes to"
        note = f": {str(detail.get('note', ''))[:200]}" if detail.get("note") else ""
        return [
            Said(
                "client.decided",
                f"{event.actor} {said_} image #{image} of {where}{note}",
                f"/images/{image}",
                _director(session, brief),
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
    if action in ("due.soon", "due.overdue"):
        due, what = detail.get("due", ""), DUE_WORK.get(str(detail.get("work")), "work on {where}").format(where=where)
        words = f"is due {due}" if action == "due.soon" else f"was due {due} and is overdue"
        return [Said(action, f"{what} {words}", f"/briefs/{brief}", {objects.get("person")} - {None})]
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
        told = sorted(notice.to - {event.actor_id, None})
        chosen = _chosen(session, told, notice.kind)
        people_told = {u.id: u for u in session.scalars(select(User).where(User.id.in_(told)))} if told else {}
        for user_id in told:
            person = people_told.get(user_id)
            if person is None:
                continue
            channel = chosen.get(user_id, DEFAULT)
            mailed = channel in ("email", "both") and bool(person.email)
            if channel in ("inbox", "both") or (channel == "email" and not mailed):
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
            if mailed:
                row = _outgoing(event, "email", person.email, notice, {"text": notice.text, "link": notice.link})
                row.state = "held" if person.digest else "pending"  # held: for their daily digest
                session.add(row)
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


def _chosen(session: Session, user_ids: list[int], kind: str) -> dict[int, str]:
    """How each of ``user_ids`` chose to be told of ``kind`` (those who never chose are absent)."""
    if not user_ids:
        return {}
    query = select(NoticePref.user_id, NoticePref.channel).where(
        NoticePref.user_id.in_(user_ids), NoticePref.kind == kind
    )
    return dict(session.execute(query).all())


def mail(session: Session, event: Event, kind: str, address: str, text: str, link: str, **body) -> Outgoing:
    """A mail to ``address`` through the outbox, in ``event``'s transaction, outside anyone's
    preferences (an invite to a person who has none yet); ``body`` joins what the mail carries."""
    row = _outgoing(event, "email", address, Said(kind, text, link, set()), {"text": text, "link": link, **body})
    session.add(row)
    return row


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
def _person(session: Session, ctx: Context) -> User:
    if not ctx.actor.known:
        raise NotFound("nobody is signed in: notice settings belong to a person", field="actor")
    return rows.get(session, User, ctx.actor.id)


def _settings(session: Session, person: User) -> dict:
    chosen = dict(
        session.execute(select(NoticePref.kind, NoticePref.channel).where(NoticePref.user_id == person.id)).all()
    )
    return {
        "person": person.name,
        "email": person.email,
        "digest": bool(person.digest),
        "kinds": [{"kind": kind, "about": ABOUT[kind], "channel": chosen.get(kind, DEFAULT)} for kind in KINDS],
    }


def preferences(ctx: Context) -> dict:
    """How the acting person is told of each kind of notice, their address and their digest switch."""
    with ctx.unit() as session:
        return _settings(session, _person(session, ctx))


def checked_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InputError(f"unknown kind of notice {kind!r}; choose from {', '.join(KINDS)}", field="kind")
    return kind


def choose(ctx: Context, choices: dict[str, str], digest: bool | None = None) -> dict:
    """Set how the acting person is told of each kind named (``{kind: channel}``) and, unless None,
    their daily digest (on: mails held for one a day; off: what was held goes out at once); all or nothing."""
    for kind, channel in choices.items():
        checked_kind(kind)
        if channel not in CHANNELS:
            raise InputError(f"unknown channel {channel!r}; choose from {', '.join(CHANNELS)}", field="channel")
    with ctx.unit() as session:
        person = _person(session, ctx)
        if not person.email and any(channel == "email" for channel in choices.values()):
            raise InputError(
                f"{person.name} has no e-mail address to mail notices to (an admin adds one on the People page); "
                "choose inbox or both",
                field="channel",
            )
        if digest and not person.email:
            raise InputError(
                f"{person.name} has no e-mail address to send a digest to (an admin adds one on the People page)",
                field="digest",
            )
        changed = {}
        for kind, channel in choices.items():
            row = session.scalar(select(NoticePref).where(NoticePref.user_id == person.id, NoticePref.kind == kind))
            if row is None:
                session.add(NoticePref(user_id=person.id, kind=kind, channel=channel))
            elif row.channel != channel:
                row.channel = channel
            else:
                continue
            changed[kind] = channel
        session.flush()
        if changed:
            events.record(session, ctx.actor, "notices.choose", objects={"user": person.id}, choices=changed)
        if digest is not None and bool(person.digest) != digest:
            person.digest = digest
            if not digest and person.email:  # what was held goes out now
                session.execute(
                    update(Outgoing)
                    .where(Outgoing.target == person.email, Outgoing.state == "held")
                    .values(state="pending", next_at=ctx.now())
                )
            events.record(session, ctx.actor, "notices.digest", objects={"user": person.id}, on=digest)
        return _settings(session, person)


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
