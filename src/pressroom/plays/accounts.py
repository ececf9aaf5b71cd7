"""Accounts: who is signed in. Passwords, sign-in sessions and personal API tokens.

A person (``User``) may have a password (an argon2 hash) and be an admin; the first person
given a password in a studio with no admin becomes its first admin. Signing in with name and
password opens a session; a person can also hold named API tokens. Session and token secrets are
shown once and stored only as SHA-256, so a copy of the ledger signs nobody in; both carry the
owner's roles as they are now (an Actor is resolved from the ledger on every request), expire or
are revoked. Sign-in attempts are counted per name and per address, each as a failure until its
password proves right, under a lock: too many in a short time and sign-in is refused (429)
whatever the password, so guessing stays slow however many attempts are sent at once. A
password must be hard to guess (zxcvbn, offline), and a new one ends the person's sessions.

``[team] sign_in = "required"`` in pressroom.toml makes a studio a team studio: the CLI takes the
acting person from a token (``PRESSROOM_TOKEN``) instead of ``--as``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from pressroom.context import Actor, Context
from pressroom.errors import Forbidden, InputError, NotFound, SignInRequired, TooManyAttempts
from pressroom.ledger import actors, db, events, rows
from pressroom.ledger.tables import ApiToken, AuthSession, SignInFailure, User, UserRole
from pressroom.plays import people

TOKEN_VAR = "PRESSROOM_TOKEN"
TOKEN_PREFIX = "prt_"
SESSION_HOURS = 12
SIGN_IN_LOCK = 0x7369676E  # the PostgreSQL advisory lock sign-in attempts are counted under ("sign")
MAX_FAILURES = 5  # failed sign-ins for one name ...
FAILURE_WINDOW_MIN = 15  # ... within this many minutes, then 429 until the oldest ages out
MAX_ADDRESS_FAILURES = 20  # failed sign-ins from one address (any names) within the window
MIN_PASSWORD = 10
MAX_PASSWORD = 200  # what the strength estimate reads (argon2 takes the whole)
MIN_STRENGTH = 3  # zxcvbn's score, 0 to 4: 3 holds against an offline guesser of a slow hash
# how slow the hash is: argon2-cffi's name for RFC 9106's second recommended setting (argon2id, 64
# MiB, 3 passes, 4 lanes; about 0.3 s of CPU here). A hash carries its settings, so changing this
# leaves every stored password valid.
PASSWORD_PROFILE = "RFC_9106_LOW_MEMORY"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def csrf_token(session_secret: str) -> str:
    """The CSRF token bound to a session: derived from its secret, so only its holder knows it."""
    return digest("csrf:" + session_secret)


def team_mode(config: dict) -> bool:
    return config.get("team", {}).get("sign_in", "optional") == "required"


# -- passwords ------------------------------------------------------------------------------------
def _hasher():
    from argon2 import PasswordHasher, profiles

    return PasswordHasher.from_parameters(getattr(profiles, PASSWORD_PROFILE))


def strength(password: str, name: str, studio_name: str = "") -> None:
    """Refuse a password that is short or easy to guess: zxcvbn's estimate, offline, with the
    person's and the studio's names counted as words a guesser tries first."""
    from zxcvbn import zxcvbn

    if len(password) < MIN_PASSWORD:
        raise InputError(f"a password must be at least {MIN_PASSWORD} characters", field="password")
    found = zxcvbn(password[:MAX_PASSWORD], user_inputs=[w for w in (name, studio_name, "pressroom") if w])
    if found["score"] < MIN_STRENGTH:
        why = (found["feedback"].get("warning") or "it is a common pattern").rstrip(".")
        raise InputError(
            f"the password is too easy to guess ({why[0].lower()}{why[1:]}); use a few uncommon words together",
            field="password",
        )


def hash_password(password: str, name: str, studio_name: str = "") -> str:
    strength(password, name, studio_name)
    return _hasher().hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    if not stored:
        return False
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def studio_name(ctx: Context) -> str:
    return str(ctx.studio.config.get("studio", {}).get("name", ""))


def end_other_sessions(session: Session, user: User, keep: int | None, now: datetime) -> int:
    """Revoke every live session of ``user`` but ``keep``: a new password shuts out whoever held the old."""
    ended = 0
    live = select(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
    for row in session.scalars(live):
        if row.id != keep and row.expires_at > now:
            row.revoked_at = now
            ended += 1
    return ended


# spent on unknown names too, so timing does not tell which names exist
_DECOY = None


def _decoy() -> str:
    global _DECOY
    if _DECOY is None:
        _DECOY = _hasher().hash(secrets.token_hex(16))
    return _DECOY


# -- use cases ------------------------------------------------------------------------------------
def add_account(
    ctx: Context,
    name: str,
    roles: list[str],
    *,
    password: str | None = None,
    admin: bool = False,
    email: str | None = None,
) -> dict:
    """Add a person (or give them more roles), with a password and admin flag when given.

    The studio's first person with a password becomes its admin when it has none. A new password
    ends every session the person had. ``email`` sets (or, empty, clears) where notices are mailed."""
    hashed = hash_password(password, name, studio_name(ctx)) if password is not None else None
    with ctx.unit() as session:
        no_admin = session.scalar(select(func.count()).select_from(User).where(User.admin.is_(True))) == 0
        admin = admin or (hashed is not None and no_admin)
        address = people.checked_email(email) if email is not None else None
        user = people.enrol(
            session, ctx.actor, name, roles, password=hashed is not None, admin=admin, email=address is not None
        )
        if address is not None:
            user.email = address or None
        if hashed is not None:
            user.password_hash = hashed
            end_other_sessions(session, user, None, ctx.now())
        if admin:
            user.admin = True
        session.flush()
        return user.as_dict()


def _attempt(ctx: Context, name: str, address: str, now: datetime) -> int:
    """Count a sign-in attempt as failed before its password is checked, atomically: the count and
    the new row under one lock, so attempts sent at once cannot all slip under the limit. Returns
    the row, which a right password takes back."""
    since = now - timedelta(minutes=FAILURE_WINDOW_MIN)
    with ctx.unit() as session:
        db.serialize(session, SIGN_IN_LOCK)
        recent = select(func.count()).select_from(SignInFailure).where(SignInFailure.at > since)
        if (session.scalar(recent.where(SignInFailure.name == name)) or 0) >= MAX_FAILURES:
            raise TooManyAttempts(
                f"too many failed sign-ins for {name!r}; wait {FAILURE_WINDOW_MIN} minutes and try again",
                field="password",
            )
        if address and (session.scalar(recent.where(SignInFailure.address == address)) or 0) >= MAX_ADDRESS_FAILURES:
            raise TooManyAttempts(
                f"too many failed sign-ins from this address; wait {FAILURE_WINDOW_MIN} minutes and try again",
                field="password",
            )
        row = SignInFailure(name=name, address=address, at=now)
        session.add(row)
        session.flush()
        return row.id


@dataclass(frozen=True)
class SignedIn:
    secret: str  # the session cookie's value, shown once
    csrf: str  # the token a state-changing request echoes in X-CSRF-Token
    expires_at: datetime
    person: dict


def sign_in(ctx: Context, name: str, password: str, address: str = "") -> SignedIn:
    """A new session for the person, if the password is theirs. Each attempt counts as a failure
    until the password proves right, per name and per ``address`` (the client's)."""
    name, address, now = name[:100], address[:64], ctx.now()
    attempt = _attempt(ctx, name, address, now)
    with ctx.glance() as session:
        stored = session.scalar(select(User.password_hash).where(User.name == name))
    if not password_matches(stored or _decoy(), password) or stored is None:
        raise SignInRequired("wrong name or password", field="password")  # the attempt stays counted
    with ctx.unit() as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None or user.password_hash != stored:  # changed while it was checked
            raise SignInRequired("wrong name or password", field="password")
        session.execute(delete(SignInFailure).where(or_(SignInFailure.name == name, SignInFailure.id == attempt)))
        secret = secrets.token_urlsafe(32)
        hours = ctx.studio.config.get("team", {}).get("session_hours", SESSION_HOURS)
        expires = now + timedelta(hours=hours)
        row = AuthSession(user_id=user.id, secret_sha256=digest(secret), created_at=now, expires_at=expires)
        session.add(row)
        session.flush()
        actor = actors.by_id(session, user.id, ctx.actor.channel)
        events.record(session, actor, "session.start", objects={"user": user.id, "session": row.id})
        return SignedIn(secret, csrf_token(secret), expires, user.as_dict())


def sign_out(ctx: Context, secret: str) -> None:
    with ctx.unit() as session:
        row = session.scalar(select(AuthSession).where(AuthSession.secret_sha256 == digest(secret)))
        if row is not None and row.revoked_at is None:
            row.revoked_at = ctx.now()
            events.record(session, ctx.actor, "session.end", objects={"user": row.user_id, "session": row.id})


def session_actor(ctx: Context, secret: str, channel: str = "web") -> Actor:
    """The person a session cookie signs in, if it is live."""
    with ctx.glance() as session:
        row = session.scalar(select(AuthSession).where(AuthSession.secret_sha256 == digest(secret)))
        if row is None or row.revoked_at is not None or row.expires_at <= ctx.now():
            raise SignInRequired("the session has expired or was ended; sign in again")
        return actors.by_id(session, row.user_id, channel)


def _owner(session: Session, ctx: Context, name: str, action: str) -> User:
    """The person whose tokens are touched; only they or an admin may, through the server and in a
    team studio's CLI alike. Elsewhere anyone with the studio folder may (it holds the ledger
    anyway), and so may the CLI of a team studio that has no token yet: its first one is made so."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"no user {name!r} in this studio", field="name")
    acting = session.get(User, ctx.actor.id) if ctx.actor.known else None
    if ctx.actor.channel in ("api", "web"):
        guarded = True
    elif team_mode(ctx.studio.config):
        guarded = acting is not None or session.scalar(select(ApiToken.id).limit(1)) is not None
    else:
        guarded = False
    if guarded and (acting is None or (acting.id != user.id and not acting.admin)):
        who = f"in a team studio, set {TOKEN_VAR} to your own token: " if acting is None else ""
        raise Forbidden(f"{who}only {name} or an admin may {action}", field="actor")
    return user


def create_token(ctx: Context, name: str, label: str = "default") -> dict:
    """A new personal API token for ``name``; the secret is in the answer and nowhere else."""
    label = label.strip()
    if not label:
        raise InputError("label must not be empty", field="label")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with ctx.unit() as session:
        user = _owner(session, ctx, name, "create their tokens")
        row = ApiToken(user_id=user.id, label=label[:100], secret_sha256=digest(secret), created_at=ctx.now())
        session.add(row)
        session.flush()
        events.record(session, ctx.actor, "token.create", objects={"user": user.id, "token": row.id}, label=label)
        return {"token": secret, **row.as_dict(user.name)}


def revoke_token(ctx: Context, token_id: int) -> dict:
    with ctx.unit() as session:
        row = rows.get(session, ApiToken, token_id)
        owner = session.get(User, row.user_id)
        _owner(session, ctx, owner.name, "revoke their tokens")
        if row.revoked_at is None:
            row.revoked_at = ctx.now()
            events.record(session, ctx.actor, "token.revoke", objects={"user": owner.id, "token": row.id})
        return row.as_dict(owner.name)


def tokens(ctx: Context, name: str | None = None) -> list[dict]:
    """Tokens (never their secrets): one person's, or everyone's."""
    with ctx.unit() as session:
        query = select(ApiToken, User.name).join(User, User.id == ApiToken.user_id)
        if name is not None:
            query = query.where(User.name == name)
        return [row.as_dict(owner) for row, owner in session.execute(query.order_by(ApiToken.id))]


def token_actor(ctx: Context, secret: str, channel: str = "api", *, later: Callable | None = None) -> Actor:
    """The person an API token signs in, if it is live (one query: it runs on every request).

    The token's last use is written at most once a minute (a read stays a read, mostly); ``later``
    (the server's after-the-answer tasks) takes that write off the request, which would otherwise
    wait its turn behind a worker's writes before answering."""
    with ctx.glance() as session:
        rows = session.execute(
            select(ApiToken.id, ApiToken.user_id, ApiToken.revoked_at, ApiToken.last_used_at, User.name, UserRole.role)
            .join(User, User.id == ApiToken.user_id)
            .outerjoin(UserRole, UserRole.user_id == ApiToken.user_id)
            .where(ApiToken.secret_sha256 == digest(secret))
        ).all()
    if not rows or rows[0].revoked_at is not None:
        raise SignInRequired("the token is unknown or revoked; use a live one", field="token")
    token, now = rows[0], ctx.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        if later is None:
            mark_used(ctx, token.id, now)
        else:
            later(mark_used, ctx, token.id, now)
    return Actor(token.user_id, token.name, frozenset(row.role for row in rows if row.role), channel)


def mark_used(ctx: Context, token_id: int, at: datetime) -> None:
    """Record when a token was last used (`pressroom token list` shows it)."""
    with ctx.glance() as session:
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=at))


def is_admin(ctx: Context) -> bool:
    with ctx.unit() as session:
        user = session.get(User, ctx.actor.id) if ctx.actor.known else None
        return bool(user and user.admin)


# -- the CLI's logins: the personal token `pressroom login` keeps for a server, in a file only its owner reads --
def server_address(url: str) -> str:
    """A server URL as a login is kept under: scheme and host as given, no trailing slash."""
    from pressroom.store import logins

    return logins.normal(url)


def kept_login(server: str | None) -> dict | None:
    """The login (``token``, ``id``, ``owner``) kept for ``server``, if any."""
    from pressroom.store import logins

    return logins.stored(server)


def keep_login(server: str, token: dict) -> Path:
    """Keep ``token`` (``token``, ``id``, ``owner``) as the login for ``server``; the file it is in."""
    from pressroom.store import logins

    return logins.store(server, token)


def forget_login(server: str) -> None:
    """Forget the login kept for ``server``."""
    from pressroom.store import logins

    logins.forget(server)
