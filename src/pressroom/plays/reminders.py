"""Due-date reminders: ``due.soon`` when work waiting on a person is due within ``[notices]
due_soon_hours`` (default 24), ``due.overdue`` once its date has passed.

Who the work waits on is the worklist's answer (``plays.worklist``): the reviewers of a brief's
pending images (its assigned reviewers, with their assignment's due date, else every reviewer with
the brief's), the operators with a cull or a sent-back image of the brief, and the brief's director
for the brief's own due date. A date is due by the end of its day (UTC), as the worklist reads it.

A worker checks between jobs (at most every ``EVERY_S`` seconds); each reminder is written once per
person, brief, kind and due date: a row of ``reminders`` under a unique index, with the event whose
notice tells the person, in one transaction. A second worker, or the same one after a restart,
finds the row and writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pressroom.context import Actor, Context
from pressroom.errors import InputError
from pressroom.jobs import kinds
from pressroom.ledger import events
from pressroom.ledger.tables import Reminder, User
from pressroom.plays import people, worklist
from pressroom.store.studio import Studio

SOON_HOURS = 24
EVERY_S = 300
CHECKER = Actor(None, "pressroom", frozenset(), "worker")  # who records a reminder: the studio itself


def soon_hours(config: dict) -> float:
    hours = config.get("notices", {}).get("due_soon_hours", SOON_HOURS)
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or hours <= 0:
        raise InputError(
            f"[notices] due_soon_hours in pressroom.toml must be a number of hours above 0 (got {hours!r})",
            field="due_soon_hours",
        )
    return float(hours)


def standing(due: date, now: datetime, hours: float) -> str | None:
    """``due.overdue`` once ``due``'s day has ended, ``due.soon`` within ``hours`` of its end, else None."""
    ends = datetime.combine(due + timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo)
    if now >= ends:
        return "due.overdue"
    if now >= ends - timedelta(hours=hours):
        return "due.soon"
    return None


def waiting(ctx: Context) -> list[tuple[int, int, str, date, str]]:
    """(person, brief, kind, due date, the worklist's kind of work) for each reminder due now, written or not."""
    hours, now = soon_hours(ctx.studio.config), ctx.now()
    with ctx.unit() as session:
        everyone = [(user.id, user.name) for user in session.scalars(select(User).order_by(User.id)) if user.roles]
    found: dict[tuple[int, int, str, date], str] = {}
    for user_id, name in everyone:
        for item in worklist.items(ctx.acting_as(people.actor(ctx, name, "worker"))):
            kind = standing(item.due, now, hours) if item.due is not None and item.brief is not None else None
            if kind is not None:
                found.setdefault((user_id, item.brief, kind, item.due), item.kind)
    return [(*key, what) for key, what in found.items()]


def check(ctx: Context) -> int:
    """Write each reminder due now that is not written yet; how many were written."""
    written = 0
    for user_id, brief_id, kind, due, work in waiting(ctx):
        try:
            with ctx.unit() as session:
                key = (Reminder.user_id == user_id, Reminder.brief_id == brief_id, Reminder.kind == kind)
                if session.scalar(select(Reminder.id).where(*key, Reminder.due == due)) is not None:
                    continue
                event = events.record(
                    session,
                    CHECKER,
                    kind,
                    brief_id=brief_id,
                    objects={"person": user_id, "brief": brief_id},
                    due=due.isoformat(),
                    work=work,
                )
                session.add(
                    Reminder(user_id=user_id, brief_id=brief_id, kind=kind, due=due, event_id=event.id, at=ctx.now())
                )
                session.flush()
            written += 1
        except IntegrityError:  # another worker wrote it first
            continue
    return written


_LAST: dict[str, float] = {}


def chore(studio: Studio, log: Callable[[str], None] = lambda line: None) -> None:
    """The worker's turn: a check at most every ``EVERY_S`` seconds per studio."""
    where = str(studio.root)
    if time.monotonic() - _LAST.get(where, float("-inf")) < EVERY_S:
        return
    _LAST[where] = time.monotonic()
    try:
        made = check(Context(studio, CHECKER))
    except InputError as exc:  # a setting's mistake is told, and stops no worker
        log(f"reminders: none written: {exc}")
        return
    if made:
        log(f"reminders: {made} written")


kinds.chore(chore)
