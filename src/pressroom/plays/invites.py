"""Invites: a one-time, expiring link with which a person sets their own password.

An admin (or anyone with the studio folder, from the CLI: it holds the ledger anyway) invites a
person already in the studio; the link carries a secret that is stored only as SHA-256, works
once, and expires after ``[team] invite_hours`` (default 72). A new invite for the same person
ends their earlier unused ones. Following the link, the person chooses a password and can then
sign in like anyone else. With an e-mail address the link is also mailed to the person, through
the outbox in the invite's own transaction (``invite`` notice); the outbox forgets the link once
the mail is sent.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from pressroom.context import Context
from pressroom.errors import Forbidden, InputError, NotFound
from pressroom.ledger import actors, db, events
from pressroom.ledger.tables import Invite, User
from pressroom.plays import accounts, notices, people

INVITE_HOURS = 72
PATH = "/invite"  # the page a link opens (the web app's); the API takes the code at /api/invites/accept


def _hours(ctx: Context) -> float:
    hours = ctx.studio.config.get("team", {}).get("invite_hours", INVITE_HOURS)
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or hours <= 0:
        raise InputError(
            f"[team] invite_hours in pressroom.toml must be a number of hours above 0 (got {hours!r})",
            field="invite_hours",
        )
    return float(hours)


def _admin_only(ctx: Context, action: str) -> None:
    """Through the server only an admin may (the CLI holds the studio folder, and the ledger with it)."""
    if ctx.actor.channel in ("api", "web") and not accounts.is_admin(ctx):
        raise Forbidden(f"{ctx.actor.name} may not {action}: only an admin may", field="actor")


def add_person(ctx: Context, name: str, roles: list[str], **account) -> dict:
    """Add a person (or give them more roles); through the server only an admin may. ``account``:
    ``password``, ``admin``, ``email`` as ``accounts.add_account`` takes them. Without a password
    they sign in once they accept an invite."""
    _admin_only(ctx, "add people")
    return accounts.add_account(ctx, name, roles, **account)


def link_base(ctx: Context, this_server: str) -> str:
    """Where an invite link points: ``[server] url`` in pressroom.toml, else the server that was asked."""
    return ctx.studio.config.get("server", {}).get("url") or this_server


def roster(ctx: Context) -> list[dict]:
    """Everyone in the studio with whether they can sign in yet and their latest invite (admins only)."""
    _admin_only(ctx, "see who is invited")
    now = ctx.now()
    with ctx.unit() as session:
        latest: dict[int, Invite] = {}
        for row in session.scalars(select(Invite).order_by(Invite.id)):
            latest[row.user_id] = row
        out = []
        for user in people.listing(session):
            row = latest.get(user.id)
            state = (
                None
                if row is None
                else ("accepted" if row.used_at is not None else "expired" if row.expires_at <= now else "open")
            )
            out.append(
                {
                    **user.as_dict(),
                    "password": user.password_hash is not None,
                    "invite": None if row is None else {"state": state, "expires_at": row.expires_at.isoformat()},
                }
            )
        return out


def invite(ctx: Context, name: str, base_url: str, email: str | None = None) -> dict:
    """A one-time link for ``name`` to set their password (admins only, through the server), mailed
    to ``email`` when one is given."""
    address = people.checked_email(email or "")
    if address and not ctx.studio.config.get("mail", {}).get("host"):
        raise InputError(
            "email: [mail] host is not set in pressroom.toml, so nothing can be mailed; send the link yourself",
            field="email",
        )
    if not base_url.startswith(("http://", "https://")):
        raise InputError(
            f"url must start with http:// or https:// (got {base_url!r}): the server's address as people reach it",
            field="url",
        )
    hours = _hours(ctx)
    _admin_only(ctx, "invite people")
    secret = secrets.token_urlsafe(32)
    now = ctx.now()
    with ctx.unit() as session:
        db.begin_immediate(session)
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            raise NotFound(f"no user {name!r} in this studio; add them first", field="name")
        for earlier in session.scalars(
            select(Invite).where(Invite.user_id == user.id, Invite.used_at.is_(None), Invite.expires_at > now)
        ):
            earlier.expires_at = now
        row = Invite(
            user_id=user.id,
            secret_sha256=accounts.digest(secret),
            created_at=now,
            created_by_id=ctx.actor.id if ctx.actor.known else None,
            expires_at=now + timedelta(hours=hours),
        )
        session.add(row)
        session.flush()
        event = events.record(
            session,
            ctx.actor,
            "invite.create",
            objects={"user": user.id, "invite": row.id},
            expires_at=row.expires_at.isoformat(),
            **({"mailed": address} if address else {}),
        )
        link = f"{base_url.rstrip('/')}{PATH}?code={secret}"
        if address:
            by = f"{ctx.actor.name} invites you" if ctx.actor.known else "You are invited"
            until = row.expires_at.isoformat(timespec="minutes").replace("T", " ")[:16]
            studio = accounts.studio_name(ctx)
            text = (
                f"{by} to {f'the {studio} studio' if studio else 'a studio'} in pressroom as {user.name}: "
                "open the link to choose "
                f"your password. It works once, until {until} UTC."
            )
            notices.mail(session, event, notices.INVITE, address, text, link, secret=True)
        return {
            "person": user.name,
            "invite": row.id,
            "link": link,
            "code": secret,
            "expires_at": row.expires_at.isoformat(),
            "mailed": address or None,
        }


SPENT = "this invite is unknown, used or expired; ask an admin for a new one"


def about(ctx: Context, code: str) -> dict | None:
    """Whom a live invite is for, who made it and until when (None for an unknown, used or expired
    code): what its page says before the person chooses a password."""
    with ctx.unit() as session:
        row = session.scalar(select(Invite).where(Invite.secret_sha256 == accounts.digest(code.strip())))
        if row is None or row.used_at is not None or row.expires_at <= ctx.now():
            return None
        by = session.get(User, row.created_by_id) if row.created_by_id is not None else None
        return {
            "person": session.get(User, row.user_id).name,
            "by": by.name if by else None,
            "expires_at": row.expires_at.isoformat(timespec="minutes"),
        }


def accept(ctx: Context, code: str, password: str) -> dict:
    """Set the invited person's password with the invite's code; the invite is spent."""
    accounts.strength(password, "", accounts.studio_name(ctx))  # a weak one leaves the invite unspent
    now = ctx.now()
    with ctx.unit() as session:
        db.begin_immediate(session)
        row = session.scalar(
            select(Invite).where(Invite.secret_sha256 == accounts.digest(code.strip())).with_for_update()
        )
        if row is None or row.used_at is not None or row.expires_at <= now:
            raise NotFound(SPENT, field="code")
        row.used_at = now
        user = session.get(User, row.user_id)
        hashed = accounts.hash_password(password, user.name, accounts.studio_name(ctx))
        user.password_hash = hashed
        accounts.end_other_sessions(session, user, None, now)  # a reset shuts out the old password's sessions
        events.record(
            session,
            actors.by_id(session, user.id, ctx.actor.channel),
            "invite.accept",
            objects={"user": user.id, "invite": row.id},
        )
        return user.as_dict()
