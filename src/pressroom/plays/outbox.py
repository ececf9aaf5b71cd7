"""The outbox: mail and webhook posts the notices wrote, sent by a worker between jobs.

A row is claimed (``sending``) in a short transaction of its own, sent, and marked ``sent`` in
another; a failure waits 30 s, 1, 2, 4 ... minutes (at most an hour) before the next try and gives
up after ``MAX_ATTEMPTS`` (``failed``, its error kept). A claim older than ``CLAIM_S`` belongs to a
worker that stopped: the row is tried again. Each mail carries the row's ``Message-ID`` and each post
its ``X-Pressroom-Delivery`` id, so a receiver can tell a repeat.

Mail: ``[mail]`` in pressroom.toml (``host``, ``port`` 587, ``from``, ``starttls`` true,
``username``) with the password in ``PRESSROOM_SMTP_PASSWORD``; plain text and HTML, with a link to
the page under ``[server] url``. Webhooks: ``[webhooks.NAME]`` with ``url``, ``events`` (all kinds
when absent), ``secret_env`` (the environment variable holding the secret) and ``format`` ("json" or
"slack"); each post is signed ``X-Pressroom-Signature: sha256=<hex HMAC-SHA256 of
"<timestamp>.<body>">`` with ``X-Pressroom-Timestamp``.

A person who chose the daily digest has their mails written ``held``; once a day, at the first
chore after ``[mail] digest_hour`` (UTC, default 8), their held mails become ``digested`` and one
mail listing them all is written to be sent (``digests``). A mail whose body carries a secret (an
invite's link) loses it once sent or given up on: the outbox keeps no working link.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import os
import smtplib
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import func, or_, select, update

from pressroom.context import Context
from pressroom.errors import Forbidden, InputError
from pressroom.jobs import kinds
from pressroom.ledger import db
from pressroom.ledger.tables import Outgoing
from pressroom.plays import accounts
from pressroom.store.studio import Studio

PASSWORD_VAR = "PRESSROOM_SMTP_PASSWORD"
MAX_ATTEMPTS = 8
CLAIM_S = 300
BATCH = 50
STATES = ("pending", "sending", "sent", "failed", "held", "digested")
WAITING = ("pending", "sending", "failed", "held")  # what `pressroom outbox` lists unless asked
DIGEST_HOUR = 8
SAID = {  # each state in the words the delivery log shows
    "pending": "waiting to be sent",
    "sending": "being sent",
    "sent": "sent",
    "failed": "gave up",
    "held": "held for the daily digest",
    "digested": "sent in a daily digest",
}
UNKEPT = "(sent: the link is not kept)"


def _now() -> datetime:
    return datetime.now(UTC)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The value of ``X-Pressroom-Signature`` for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _link(config: dict, path: str) -> str:
    base = str(config.get("server", {}).get("url", "")).rstrip("/")
    if path.startswith(("http://", "https://")):  # whole already (an invite's link)
        return path
    return f"{base}{path}" if base and path else path


def _mail(config: dict, row: Outgoing) -> None:
    mail = config.get("mail", {})
    host = mail.get("host")
    if not host:
        raise InputError("[mail] host is not set in pressroom.toml: nothing can be mailed", field="mail")
    link = _link(config, row.body.get("link", ""))
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = mail.get("from", "pressroom@localhost")
    message["To"] = row.target
    message["Message-ID"] = f"<outbox-{row.id}.{row.event_id}@pressroom>"
    text = row.body.get("text", "")
    listed = [(item.get("text", ""), _link(config, item.get("link", ""))) for item in row.body.get("items", [])]
    plain = "".join(f"- {said}\n  {where}\n" for said, where in listed)
    message.set_content(f"{text}\n\n{plain}{chr(10) if plain else ''}{link}\n")
    lines = "".join(f'<li><a href="{html.escape(where)}">{html.escape(said)}</a></li>' for said, where in listed)
    message.add_alternative(
        f"<p>{html.escape(text)}</p>{f'<ul>{lines}</ul>' if lines else ''}"
        f'<p><a href="{html.escape(link)}">Open it in pressroom</a></p>',
        subtype="html",
    )
    with smtplib.SMTP(host, int(mail.get("port", 587)), timeout=30) as smtp:
        if mail.get("starttls", True):
            smtp.starttls()
        if mail.get("username"):
            smtp.login(mail["username"], os.environ.get(PASSWORD_VAR, ""))
        smtp.send_message(message)


def _post(config: dict, row: Outgoing) -> None:
    import httpx

    hook = config.get("webhooks", {}).get(row.target)
    if not isinstance(hook, dict) or not hook.get("url"):
        raise InputError(f"[webhooks.{row.target}] has no url in pressroom.toml", field="webhooks")
    payload = dict(row.body)
    if hook.get("format", "json") == "slack":
        payload = {"text": f"{payload.get('text', '')} {_link(config, payload.get('link', ''))}".strip()}
    else:
        payload["link"] = _link(config, payload.get("link", ""))
    body = json.dumps(payload, sort_keys=True).encode()
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Pressroom-Timestamp": stamp, "X-Pressroom-Delivery": str(row.id)}
    secret = os.environ.get(str(hook.get("secret_env", "")), "") if hook.get("secret_env") else ""
    if secret:
        headers["X-Pressroom-Signature"] = signature(secret, stamp, body)
    answer = httpx.post(hook["url"], content=body, headers=headers, timeout=15)
    if answer.status_code >= 300:
        raise RuntimeError(f"the receiver answered {answer.status_code}")


SENDERS: dict[str, Callable[[dict, Outgoing], None]] = {"email": _mail, "webhook": _post}


def _claim(studio: Studio, now: datetime) -> list[int]:
    """Rows due to be sent, each taken by this worker (a row another worker holds is left alone)."""
    stale = now - timedelta(seconds=CLAIM_S)
    with studio.session() as session:
        due = session.scalars(
            select(Outgoing.id)
            .where(
                or_(
                    (Outgoing.state == "pending") & (Outgoing.next_at <= now),
                    (Outgoing.state == "sending") & (Outgoing.claimed_at < stale),
                )
            )
            .order_by(Outgoing.id)
            .limit(BATCH)
        ).all()
    taken = []
    for row_id in due:
        with studio.session() as session:
            done = session.execute(
                update(Outgoing)
                .where(
                    Outgoing.id == row_id,
                    or_(Outgoing.state == "pending", (Outgoing.state == "sending") & (Outgoing.claimed_at < stale)),
                )
                .values(state="sending", claimed_at=now)
            )
            if done.rowcount:
                taken.append(row_id)
    return taken


def deliver(studio: Studio, log: Callable[[str], None] = lambda line: None) -> dict[str, int]:
    """Send what is due; how many were sent, will be tried again and failed for good."""
    now, counts = _now(), {"sent": 0, "retry": 0, "failed": 0}
    for row_id in _claim(studio, now):
        with studio.session() as session:
            row = session.get(Outgoing, row_id)
            session.expunge(row)
        try:
            SENDERS[row.channel](studio.config, row)
        except Exception as exc:  # noqa: BLE001 - a receiver's or a mail server's fault is the row's, not the worker's
            why = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:500]
            with studio.session() as session:
                held = session.get(Outgoing, row_id)
                held.attempts += 1
                held.error = why
                if held.attempts >= MAX_ATTEMPTS:
                    held.state = "failed"
                    _forget_secret(held)
                    counts["failed"] += 1
                    log(
                        f"outbox {row_id} ({row.channel} to {row.target}): failed for good after {held.attempts} tries: {why}"
                    )
                else:
                    held.state, held.next_at = "pending", _now() + backoff(held.attempts)
                    counts["retry"] += 1
            continue
        with studio.session() as session:
            held = session.get(Outgoing, row_id)
            held.state, held.sent_at, held.attempts, held.error = "sent", _now(), held.attempts + 1, ""
            _forget_secret(held)
        counts["sent"] += 1
    return counts


def _forget_secret(row: Outgoing) -> None:
    if row.body.get("secret"):
        row.body = {"text": row.body.get("text", ""), "link": UNKEPT}


kinds.chore(deliver)


def _digest_hour(config: dict) -> int:
    hour = config.get("mail", {}).get("digest_hour", DIGEST_HOUR)
    if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
        raise InputError(
            f"[mail] digest_hour in pressroom.toml must be an hour from 0 to 23 (UTC; got {hour!r})",
            field="digest_hour",
        )
    return hour


def digests(studio: Studio, log: Callable[[str], None] = lambda line: None, now: datetime | None = None) -> int:
    """Each address's held mails as one digest mail, once a day from ``[mail] digest_hour`` on; how
    many digests were written (the outbox sends them as it sends any mail)."""
    now = now or _now()
    try:
        hour = _digest_hour(studio.config)
    except InputError as exc:  # a setting's mistake is told, and stops no worker
        log(f"outbox: no digests: {exc}")
        return 0
    start = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if now < start:
        return 0
    with studio.session() as session:  # the addresses with mail held and no digest yet today
        digested = select(Outgoing.target).where(Outgoing.kind == "digest", Outgoing.created_at >= start)
        waiting = session.scalars(
            select(Outgoing.target).where(Outgoing.state == "held", Outgoing.target.not_in(digested)).distinct()
        ).all()
    written = 0
    for address in waiting:
        with studio.session() as session:
            db.begin_immediate(session)  # SQLite: one writer at a time, so two workers write one digest
            sent_today = session.scalar(
                select(func.count())
                .select_from(Outgoing)
                .where(Outgoing.target == address, Outgoing.kind == "digest", Outgoing.created_at >= start)
            )
            if sent_today:
                continue
            held = list(
                session.scalars(
                    select(Outgoing)
                    .where(Outgoing.target == address, Outgoing.state == "held")
                    .order_by(Outgoing.id)
                    .with_for_update()  # PostgreSQL: a second worker waits, then finds them digested
                )
            )
            if not held:
                continue
            items = [{"text": row.body.get("text", ""), "link": row.body.get("link", "")} for row in held]
            count = f"{len(held)} notice{'s' if len(held) != 1 else ''}"
            session.add(
                Outgoing(
                    channel="email",
                    target=address,
                    kind="digest",
                    subject=f"pressroom: your daily digest, {count}",
                    body={"text": f"Since your last digest: {count}.", "link": "/inbox", "items": items},
                    event_id=held[-1].event_id,  # the newest event it tells of
                    state="pending",
                    attempts=0,
                    next_at=min(now, _now()),  # at once
                    created_at=now,
                )
            )
            for row in held:
                row.state = "digested"
            written += 1
        log(f"outbox: a daily digest of {len(held)} to {address}")
    return written


kinds.chore(digests)


def listing(ctx: Context, state: str | None = None, *, channel: str | None = None) -> list[dict]:
    """The outbox's rows, newest first (at most 500): without ``state``, those pending, being sent,
    failed and held for a digest, or with ``channel`` ("email" or "webhook") every row of it, sent ones too: a delivery log."""
    if state is not None and state not in STATES:
        raise InputError(f"state must be one of {', '.join(STATES)} (got {state!r})", field="state")
    if channel is not None and channel not in SENDERS:
        raise InputError(f"channel must be one of {', '.join(SENDERS)} (got {channel!r})", field="channel")
    with ctx.unit() as session:
        query = select(Outgoing)
        if state:
            query = query.where(Outgoing.state == state)
        elif channel is None:
            query = query.where(Outgoing.state.in_(WAITING))
        if channel is not None:
            query = query.where(Outgoing.channel == channel)
        return [row.as_dict() for row in session.scalars(query.order_by(Outgoing.id.desc()).limit(500))]


def delivery_log(ctx: Context, limit: int = 50) -> list[dict]:
    """The newest mails and webhook posts, whatever their state, in words (through the server: admins only)."""
    if ctx.actor.channel in ("api", "web") and not accounts.is_admin(ctx):
        raise Forbidden(f"{ctx.actor.name} may not see the delivery log: only an admin may", field="actor")
    with ctx.unit() as session:
        found = session.scalars(select(Outgoing).order_by(Outgoing.id.desc()).limit(limit))
        return [
            {
                **row.as_dict(),
                "created_at": row.created_at.isoformat(),
                "said": SAID.get(row.state, row.state),
                "what": row.kind.replace(".", " ").replace("_", " "),
            }
            for row in found
        ]
