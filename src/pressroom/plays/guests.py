"""Client review by link: a brief's director shares images with a guest (a client without a seat).

``share`` makes a link ``<[server] url>/guest/<token>``; only the token's SHA-256 is kept, the link
expires after ``days`` (default 7, at most 90) and ``revoke`` ends it sooner. With ``[mail]`` set
up, the link is mailed to the guest through the outbox, written in the same transaction (the link
stays in the outbox row only until it is sent). Only the brief's own director or an admin shares,
lists and revokes (``briefs.owned``).

Through the link, signed out, the guest sees the shared images as review copies
(``store.reviewcopy``: at most 1024 px, marked "review copy"; never the file), pins marks and
replies under "Name (client)" (``plays.marks``; the link's maker stands as the author's id), and
gives a client decision per image: approved, or changes with a note. A decision is chained in the
ledger, tells the brief's director (``client.decided``), and goes into the released files' review
assertion as the client's sign-off; it never replaces the review gate. A brief with
``client_signoff = true`` is released only with an approving client decision for each image.

The token grants exactly its link's images: any other image, an expired or revoked link, or an
unknown token are the same plain refusal, so nothing is told about what exists.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pressroom.context import Actor, Context
from pressroom.errors import InputError, NotFound
from pressroom.ledger import events, rows
from pressroom.ledger.tables import Brief, ClientDecision, Generation, GuestShare, Mark
from pressroom.plays import accounts, briefs, marks, notices, people
from pressroom.store import reviewcopy

PATH = "/guest"
DAYS = 7
MAX_DAYS = 90
MAX_NAME = 100
DECISIONS = ("approved", "changes")
CLIENT = " (client)"
GONE = "this review link is unknown, expired or revoked; ask the person who sent it for a new one"


@dataclass(frozen=True)
class Opened:
    """A live link: its row, the guest acting through it, and its brief."""

    share: GuestShare
    guest: Actor
    brief: Brief


def _days(days) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InputError(f"days must be a whole number from 1 to {MAX_DAYS} (got {days!r})", field="days")
    return days


def _guest_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InputError('name the guest the link is for, as they will be shown ("Ann Lee")', field="guest")
    if len(name) > MAX_NAME or any(ord(c) < 32 for c in name):
        raise InputError(f"the guest's name must be one line of at most {MAX_NAME} characters", field="guest")
    return name


def _state(row: GuestShare, now) -> str:
    return "revoked" if row.revoked_at is not None else "expired" if row.expires_at <= now else "open"


def share(
    ctx: Context, brief_id: int, images: list[int], guest: str, email: str, *, days: int = DAYS, base_url: str = ""
) -> dict:
    """Share ``images`` of the brief with ``guest`` at ``email`` for ``days``: the link, shown once."""
    guest, days = _guest_name(guest), _days(days)
    address = people.checked_email(email or "")
    if not address:
        raise InputError("give the guest's e-mail address, like name@example.com", field="email")
    base = str(ctx.studio.config.get("server", {}).get("url") or base_url)
    if not base.startswith(("http://", "https://")):
        raise InputError(
            "which address do guests reach the server at? set [server] url in pressroom.toml "
            "(like https://press.example.com)",
            field="url",
        )
    chosen = list(dict.fromkeys(images))
    if not chosen:
        raise InputError("name at least one image of the brief to share", field="image")
    secret = secrets.token_urlsafe(32)
    now = ctx.now()
    with ctx.unit() as session:
        brief = briefs.get(session, brief_id)
        briefs.owned(session, brief, ctx.actor, "share images with a client")
        for image in chosen:
            row = session.get(Generation, image)
            if row is None:
                raise NotFound(f"no image #{image} in this studio; share images of brief {brief.id}", field="image")
            if row.brief_id != brief.id:
                raise InputError(
                    f"image #{row.id} is not an image of brief {brief.id}; share only the brief's own images",
                    field="image",
                )
        row = GuestShare(
            brief_id=brief.id,
            guest=guest,
            email=address,
            images=chosen,
            secret_sha256=accounts.digest(secret),
            created_by_id=ctx.actor.id,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        session.add(row)
        session.flush()
        link = f"{base.rstrip('/')}{PATH}/{secret}"
        event = events.record(
            session,
            ctx.actor,
            "guest.share",
            brief_id=brief.id,
            objects={"share": row.id, "generations": chosen},
            guest=guest,
            expires_at=row.expires_at.isoformat(),
        )
        mailed = bool(ctx.studio.config.get("mail", {}).get("host"))
        if mailed:
            text = (
                f"{ctx.actor.name} shares {len(chosen)} image{'s' if len(chosen) != 1 else ''} of "
                f'"{brief.title}" with you for review, until {row.expires_at:%Y-%m-%d}'
            )
            notices.mail(session, event, "guest.share", address, text, f"{PATH}/{secret}", secret=True)
        return {**row.as_dict(), "link": link, "mailed": mailed}


def _owned_share(session: Session, ctx: Context, share_id: int, doing: str) -> GuestShare:
    row = rows.get(session, GuestShare, share_id)
    briefs.owned(session, briefs.get(session, row.brief_id), ctx.actor, doing)
    return row


def revoke(ctx: Context, share_id: int) -> dict:
    """End a link now (its decisions and marks stay)."""
    with ctx.unit() as session:
        row = _owned_share(session, ctx, share_id, "revoke a client's link")
        if row.revoked_at is None:
            row.revoked_at = ctx.now()
            events.record(session, ctx.actor, "guest.revoke", brief_id=row.brief_id, objects={"share": row.id})
        return {**row.as_dict(), "state": "revoked"}


def listing(ctx: Context, brief_id: int) -> list[dict]:
    """The brief's links, newest first, each with its state and the client's latest decisions."""
    now = ctx.now()
    with ctx.unit() as session:
        brief = briefs.get(session, brief_id)
        briefs.owned(session, brief, ctx.actor, "see the brief's client links")
        found = list(
            session.scalars(select(GuestShare).where(GuestShare.brief_id == brief.id).order_by(GuestShare.id.desc()))
        )
        out = []
        for row in found:
            decided = _latest(session, row.images, share_id=row.id)
            out.append({**row.as_dict(), "state": _state(row, now), "decisions": decided})
        return out


# -- through the link -------------------------------------------------------------------------------
def _opened(session: Session, ctx: Context, token: str) -> Opened:
    token = (token or "").strip()
    row = (
        session.scalar(select(GuestShare).where(GuestShare.secret_sha256 == accounts.digest(token))) if token else None
    )
    if row is None or _state(row, ctx.now()) != "open":
        raise NotFound(GONE, field="link")
    guest = Actor(None, f"{row.guest}{CLIENT}", frozenset(), ctx.actor.channel)
    return Opened(row, guest, session.get(Brief, row.brief_id))


def _granted(session: Session, ctx: Context, token: str, generation_id: int) -> tuple[Opened, Generation]:
    """The link and one of its images; any other image is refused as a gone link is."""
    opened = _opened(session, ctx, token)
    if generation_id not in opened.share.images:
        raise NotFound(GONE, field="link")
    return opened, session.get(Generation, generation_id)


def _latest(session: Session, images: list[int], share_id: int | None = None) -> dict[int, dict]:
    """The latest client decision on each of ``images`` (through one link, or any), by image id."""
    if not images:
        return {}
    query = select(ClientDecision).where(ClientDecision.generation_id.in_(images))
    if share_id is not None:
        query = query.where(ClientDecision.share_id == share_id)
    return {row.generation_id: row.as_dict() for row in session.scalars(query.order_by(ClientDecision.id))}


def opened(ctx: Context, token: str) -> dict:
    """What the guest's page shows: the brief's title and intent, and each shared image with its
    size, the client's latest decision through this link, and its marks."""
    with ctx.unit() as session:
        link = _opened(session, ctx, token)
        decided = _latest(session, link.share.images, share_id=link.share.id)
        shown = []
        for image in link.share.images:
            row = session.get(Generation, image)
            width, height = row.width, row.height
            scale = min(1.0, reviewcopy.LONG_SIDE / max(width, height))
            shown.append(
                {
                    "image": row.id,
                    "width": round(width * scale),
                    "height": round(height * scale),
                    "decision": decided.get(row.id),
                    "marks": marks.of(session, row),
                }
            )
        return {
            "share": link.share.id,
            "guest": link.share.guest,
            "email": link.share.email,
            "author": link.guest.name,
            "expires_at": link.share.expires_at.isoformat(),
            "brief": {
                "id": link.brief.id,
                "title": link.brief.title,
                "intent": (link.brief.spec or {}).get("intent", ""),
            },
            "images": shown,
        }


def image(ctx: Context, token: str, generation_id: int) -> dict:
    """One shared image as the guest's image page shows it (``opened``'s entry, with the brief)."""
    whole = opened(ctx, token)
    found = [i for i in whole["images"] if i["image"] == generation_id]
    if not found:
        raise NotFound(GONE, field="link")
    return {**whole, "shown": found[0]}


def review_copy(ctx: Context, token: str, generation_id: int) -> bytes:
    """The image's review copy (JPEG, at most 1024 px, marked): all a guest ever gets of it."""
    with ctx.unit() as session:
        _, row = _granted(session, ctx, token, generation_id)
        path = row.path(ctx.studio)
    return reviewcopy.review_copy(path)


def mark(
    ctx: Context, token: str, generation_id: int, x: float, y: float, comment: str, *, width=0.0, height=0.0
) -> list[dict]:
    """The guest pins a mark on a shared image; the image's marks come back."""
    with ctx.unit() as session:
        link, row = _granted(session, ctx, token, generation_id)
        marks.pin(
            session,
            link.guest,
            row,
            x,
            y,
            comment,
            width=width,
            height=height,
            author_id=link.share.created_by_id,
            guest_share_id=link.share.id,
            at=ctx.now(),
        )
        return marks.of(session, row)


def reply(ctx: Context, token: str, generation_id: int, mark_id: int, text: str) -> list[dict]:
    """The guest replies to a mark shown on a shared image; the image's marks come back."""
    with ctx.unit() as session:
        link, row = _granted(session, ctx, token, generation_id)
        shown = {m["mark"] for m in marks.of(session, row)}
        if mark_id not in shown:
            raise NotFound(GONE, field="link")
        marks.answer(
            session,
            link.guest,
            session.get(Mark, mark_id),
            text,
            author_id=link.share.created_by_id,
            guest_share_id=link.share.id,
            at=ctx.now(),
        )
        return marks.of(session, row)


def decide(ctx: Context, token: str, generation_id: int, decision: str, note: str = "") -> dict:
    """The client's decision on a shared image: ``approved``, or ``changes`` with a note saying which."""
    if decision not in DECISIONS:
        raise InputError(f"a client decision is approved or changes (got {decision!r})", field="decision")
    note = (note or "").strip()
    if decision == "changes" and not note:
        raise InputError("say which changes you need in the note", field="note")
    if len(note) > marks.MAX_COMMENT:
        raise InputError(f"the note is {len(note)} characters long; keep it to {marks.MAX_COMMENT}", field="note")
    with ctx.unit() as session:
        link, row = _granted(session, ctx, token, generation_id)
        decided = ClientDecision(
            share_id=link.share.id,
            generation_id=row.id,
            decision=decision,
            note=note,
            guest=link.share.guest,
            email=link.share.email,
            at=ctx.now(),
        )
        session.add(decided)
        session.flush()
        events.record(
            session,
            link.guest,
            "client.decide",
            brief_id=row.brief_id,
            objects={"generation": row.id, "share": link.share.id, "client_decision": decided.id},
            decision=decision,
            note=note,
        )
        return decided.as_dict()


# -- for the gate and the release -------------------------------------------------------------------
def client_decision(ctx: Context, generation_id: int) -> dict | None:
    """The client's latest decision on the image, for the studio's own image page (None: none yet)."""
    with ctx.unit() as session:
        return signoff(session, generation_id)


def signoff(session: Session, generation_id: int) -> dict | None:
    """The client's latest decision on the image (through any link), as released files carry it."""
    return signoffs(session, [generation_id]).get(generation_id)


def signoffs(session: Session, images: list[int]) -> dict[int, dict]:
    """The client's latest decision on each of ``images`` that has one (through any link), by id."""
    return _latest(session, images)


def unsigned(session: Session, brief_id: int, decided: dict[int, dict], images: list[int]) -> list[int]:
    """Those of ``images`` a brief asking for client sign-off (``client_signoff = true``) may not
    release yet: without an approving client decision in ``decided`` (``signoffs``). None when the
    brief does not ask."""
    brief = session.get(Brief, brief_id)
    if brief is None or not (brief.spec or {}).get("client_signoff"):
        return []
    return [i for i in images if (decided.get(i) or {}).get("decision") != "approved"]
