"""Assignments: the brief's director gives its reviews to named reviewers, each with a due date.

A brief with assignments is reviewed by the reviewers assigned to it (their worklists hold its
images, with the due date); a brief with none, by anyone with the reviewer role. Assigning the same
reviewer again changes the due date; ending an assignment takes the brief off their list. Only the
brief's own director or an admin assigns (``briefs.owned``); the gate's rules are unchanged: an
assigned reviewer who made an image still may not judge it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pressroom.context import Context
from pressroom.errors import InputError, NotFound
from pressroom.ledger import events, rows
from pressroom.ledger.tables import Assignment, Brief, User
from pressroom.plays import briefs, people


def _due(text: str | date | None) -> date | None:
    if text is None or isinstance(text, date):
        return text
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"due {text!r} must be a date like 2026-12-15", field="due") from None


def live(session: Session, brief_ids: list[int] | None = None) -> list[Assignment]:
    """The assignments in force (of ``brief_ids``, or all)."""
    query = select(Assignment).where(Assignment.ended_at.is_(None))
    if brief_ids is not None:
        query = query.where(Assignment.brief_id.in_(brief_ids))
    return list(session.scalars(query.order_by(Assignment.id)))


def _shown(session: Session, row: Assignment) -> dict:
    reviewer = session.get(User, row.reviewer_id)
    return {
        "assignment": row.id,
        "brief": row.brief_id,
        "reviewer": reviewer.name if reviewer else None,
        "due": row.due.isoformat() if row.due else None,
        "ended": row.ended_at is not None,
    }


def assign(ctx: Context, brief_id: int, reviewer: str, due: str | date | None = None) -> dict:
    """Give the brief's reviews to ``reviewer`` (by name), due by ``due`` (a date); again: a new due date."""
    when = _due(due)
    with ctx.unit() as session:
        brief = rows.get(session, Brief, brief_id)
        briefs.owned(session, brief, ctx.actor, "assign this brief's reviews")
        person = people.holding(session, reviewer.strip(), "reviewer", field="reviewer")
        row = session.scalar(
            select(Assignment).where(
                Assignment.brief_id == brief.id, Assignment.reviewer_id == person.id, Assignment.ended_at.is_(None)
            )
        )
        if row is None:
            row = Assignment(brief_id=brief.id, reviewer_id=person.id, assigned_by_id=ctx.actor.id, at=ctx.now())
            session.add(row)
        row.due = when
        session.flush()
        events.record(
            session,
            ctx.actor,
            "review.assign",
            brief_id=brief.id,
            objects={"assignment": row.id, "user": person.id},
            reviewer=person.name,
            due=when.isoformat() if when else None,
        )
        return _shown(session, row)


def end(ctx: Context, assignment_id: int) -> dict:
    """Take the brief off the reviewer's list (the brief's director or an admin)."""
    with ctx.unit() as session:
        row = rows.get(session, Assignment, assignment_id)
        briefs.owned(session, rows.get(session, Brief, row.brief_id), ctx.actor, "change this brief's reviewers")
        if row.ended_at is None:
            row.ended_at = ctx.now()
            events.record(session, ctx.actor, "review.unassign", brief_id=row.brief_id, objects={"assignment": row.id})
        return _shown(session, row)


def of_brief(ctx: Context, brief_id: int) -> list[dict]:
    """The brief's assignments in force, oldest first."""
    with ctx.unit() as session:
        if session.get(Brief, brief_id) is None:
            raise NotFound(f"no brief {brief_id}", field="brief")
        return [_shown(session, row) for row in live(session, [brief_id])]
