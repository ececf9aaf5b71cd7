"""What waits on the signed-in person: one list across the plays, by role, newest need first.

- ``review`` (a reviewer): an image of a brief awaiting their decision (a brief with assignments
  reaches only the reviewers assigned to it, with their own due date; where its gate takes them in
  order, ``[gate.LEVEL] order = "sequential"``, only the one whose turn it is). What is reviewed is the
  newest version of an image (a fix supersedes its parent; a rejected fix does not); an image
  leaves the list once the reviewer's decision on it is current, or once the gate has its result
  (approved, or sent back: then it waits on its maker); a decision made stale by a fix is no
  decision, so the fix comes in its parent's place. Never an image the reviewer may not judge
  (theirs, one made from theirs, or one whose recipe they locked).
- ``changes_requested`` (an operator): the newest version of an image they made that the gate sent
  back, with the failed items, their reasons, the notes and the open marks to act on.
- ``cull`` (an operator): a volume run of theirs with images not yet kept or rejected.
- ``lock_failed`` (an operator): a lock-in of theirs whose hero did not reproduce.
- ``direction`` (a director): a brief of theirs with concepts and no direction yet.
- ``paused`` (a director): a brief of theirs that is paused, with why.
- ``due`` (a director): a brief of theirs not yet released whose due date is within three days
  or past.
- ``release`` (a keeper): an approved image with no released file yet.

Each item: ``kind``, ``brief``, ``image``, ``status`` (in words), ``since`` (when it started to wait)
and ``due`` (the brief's due date), with what the kind needs besides (``detail``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, load_only

from pressroom.context import Context
from pressroom.domain import gate, paging
from pressroom.errors import Forbidden
from pressroom.ledger.tables import Brief, Event, Generation, LockedRecipe, Release, Review
from pressroom.plays import assignments, marks, reviews

LIGHT = (  # the columns of an image the worklist's rules read
    Generation.id,
    Generation.parent_id,
    Generation.maker_id,
    Generation.recipe_id,
    Generation.brief_id,
    Generation.status,
    Generation.play,
    Generation.created_at,
)
KINDS = ("review", "changes_requested", "cull", "lock_failed", "direction", "paused", "due", "release")
DUE_SOON_DAYS = 3
PAGE = 20


@dataclass(frozen=True)
class Item:
    kind: str
    brief: int | None
    image: int | None
    status: str
    since: datetime | None
    due: date | None
    detail: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "brief": self.brief,
            "image": self.image,
            "status": self.status,
            "since": self.since.isoformat() if self.since else None,
            "due": self.due.isoformat() if self.due else None,
            **({"detail": self.detail} if self.detail else {}),
        }


def urgency(due: date | str | None, today: date) -> str:
    """How a due date reads beside it: "overdue" once past, "due soon" within ``DUE_SOON_DAYS``, else ""."""
    if isinstance(due, str):
        try:
            due = date.fromisoformat(due)
        except ValueError:
            return ""
    if due is None:
        return ""
    return "overdue" if due < today else "due soon" if due <= today + timedelta(days=DUE_SOON_DAYS) else ""


def _due(brief: Brief | None) -> date | None:
    if brief is None:
        return None
    due = (brief.spec or {}).get("due")  # read as stored: parsing the whole brief per item is slow
    return date.fromisoformat(due) if isinstance(due, str) and due else None


def _newest(session: Session, candidates: list[Generation]) -> list[Generation]:
    """The candidates no other image supersedes: none has a child that is not rejected."""
    if not candidates:
        return []
    ids = [row.id for row in candidates]
    superseded = set(
        session.scalars(
            select(Generation.parent_id).where(Generation.parent_id.in_(ids), Generation.status != "rejected")
        )
    )
    return [row for row in candidates if row.id not in superseded]


# an image is up for review once kept after culling, or as it lands when it is a fix (not rejected)
UP_FOR_REVIEW = (Generation.status == "kept") | ((Generation.play == "fix") & (Generation.status != "rejected"))


def _in_review(session: Session) -> list[Generation]:
    """The newest version of every image of a brief that is up for review (``UP_FOR_REVIEW``)."""
    query = (
        select(Generation)
        .options(load_only(*LIGHT))  # no recipe JSON: thousands of rows are read here
        .where(Generation.brief_id.is_not(None), UP_FOR_REVIEW)
        .order_by(Generation.id)
    )
    return _newest(session, list(session.scalars(query)))


def _to_review(ctx: Context, session: Session, briefs: dict[int, Brief]) -> list[Item]:
    found = []
    given: dict[int, dict[int, date | None]] = {}  # brief -> its assigned reviewers and their due dates
    for row in assignments.live(session):
        given.setdefault(row.brief_id, {})[row.reviewer_id] = row.due
    candidates = [  # a brief with assignments is reviewed by its assigned reviewers only
        row for row in _in_review(session) if row.brief_id not in given or ctx.actor.id in given[row.brief_id]
    ]
    judged = reviews.judged_by(session, candidates, ctx.actor)
    standing = reviews.statuses(ctx.studio, session, judged, answers=False)  # who decided is enough here
    for row in judged:
        status = standing[row.id]
        if status.result != gate.PENDING:  # approved, or sent back to its maker
            continue
        if any(r["reviewer_id"] == ctx.actor.id for r in status.current):
            continue
        if status.order == "sequential" and row.brief_id in given:  # the assigned reviewers in turn
            due = reviews.in_turn(session, row, status, list(given[row.brief_id]))
            if due is not None and due.id != ctx.actor.id:
                continue
        stale = (
            f", {len(status.stale)} earlier decision{'s' if len(status.stale) > 1 else ''} went stale"
            if status.stale
            else ""
        )
        words = f"{len(status.approvals)} of {status.needed} approvals{stale}"
        due = given.get(row.brief_id, {}).get(ctx.actor.id) or _due(briefs.get(row.brief_id))
        found.append(Item("review", row.brief_id, row.id, words, row.created_at, due))
    return found


def _changes_requested(ctx: Context, session: Session, briefs: dict[int, Brief]) -> list[Item]:
    query = select(Generation).options(load_only(*LIGHT)).where(Generation.maker_id == ctx.actor.id)
    mine = list(session.scalars(query.order_by(Generation.id)))
    found = []
    newest = [row for row in _newest(session, mine) if row.status != "rejected"]
    standing = reviews.statuses(ctx.studio, session, newest)
    for row in newest:
        status = standing[row.id]
        if not gate.sends_back(status.result):
            continue
        back = [r for r in status.current if gate.sends_back(r["decision"])]
        failed = [
            {"item": item, "reason": answer["reason"], "by": r["reviewer"]}
            for r in back
            for item, answer in r["checks"].items()
            if isinstance(answer, dict) and answer.get("result") == "fail"
        ]
        notes = [{"by": r["reviewer"], "note": r["note"]} for r in back if r["note"]]
        since = max(datetime.fromisoformat(r["at"]) for r in back)
        detail = {"failed": failed, "notes": notes, "decision": status.result}  # the marks: for the page shown
        words = status.result.replace("-", " ")
        found.append(
            Item("changes_requested", row.brief_id, row.id, words, since, _due(briefs.get(row.brief_id)), detail)
        )
    return found


def _to_cull(ctx: Context, session: Session, briefs: dict[int, Brief]) -> list[Item]:
    """One item per volume run (a recipe's run, told by its recipe) with images still to cull."""
    query = (
        select(
            Generation.recipe_id,
            Generation.brief_id,
            func.count(),
            func.min(Generation.created_at),
            func.min(Generation.id),
        )
        .where(Generation.maker_id == ctx.actor.id, Generation.play == "volume", Generation.status == "new")
        .group_by(Generation.recipe_id, Generation.brief_id)
        .order_by(func.min(Generation.id))
    )
    return [
        Item(
            "cull",
            brief_id,
            first,
            f"{count} image{'s' if count != 1 else ''} to keep or reject",
            since,
            _due(briefs.get(brief_id)),
            {"recipe": recipe_id, "images": count},
        )
        for recipe_id, brief_id, count, since, first in session.execute(query)
    ]


def _lock_failed(ctx: Context, session: Session, briefs: dict[int, Brief]) -> list[Item]:
    query = select(LockedRecipe).where(LockedRecipe.locked_by_id == ctx.actor.id, LockedRecipe.status == "failed")
    found = []
    for row in session.scalars(query.order_by(LockedRecipe.id)):
        brief = briefs.get(row.brief_id)
        if brief is None or brief.status != "paused":  # resumed and run again since: nothing waits
            continue
        found.append(
            Item(
                "lock_failed",
                row.brief_id,
                row.hero_generation_id,
                f"recipe {row.version} did not reproduce: {brief.pause_reason}",
                row.created_at,
                _due(brief),
                {"recipe": row.id},
            )
        )
    return found


def _directors(ctx: Context, session: Session, briefs: dict[int, Brief], today: date) -> list[Item]:
    mine = [b for b in briefs.values() if b.director_id == ctx.actor.id]
    concepts = dict(
        session.execute(
            select(Generation.brief_id, func.min(Generation.created_at))
            .where(Generation.play == "concept", Generation.brief_id.in_([b.id for b in mine]))
            .group_by(Generation.brief_id)
        ).all()
    )
    released = set(session.scalars(select(Generation.brief_id).join(Release, Release.generation_id == Generation.id)))
    found = []
    for brief in mine:
        if brief.status == "active" and brief.direction_generation_id is None and brief.id in concepts:
            found.append(
                Item("direction", brief.id, None, "concepts wait for a direction", concepts[brief.id], _due(brief))
            )
        if brief.status == "paused":
            paused = session.scalar(
                select(func.max(Event.at)).where(
                    Event.brief_id == brief.id, Event.action.in_(("brief.pause", "recipe.lock_failed"))
                )
            )
            found.append(
                Item("paused", brief.id, None, f"paused: {brief.pause_reason}", paused or brief.created_at, _due(brief))
            )
        due = _due(brief)
        if due is not None and brief.id not in released and due <= today + timedelta(days=DUE_SOON_DAYS):
            words = f"overdue since {due.isoformat()}" if due < today else f"due {due.isoformat()}"
            found.append(Item("due", brief.id, None, words, None, due))
    return found


def _to_release(ctx: Context, session: Session, briefs: dict[int, Brief]) -> list[Item]:
    approving = select(Review.generation_id).where(Review.decision.in_(gate.APPROVING))
    query = (  # by id, not DISTINCT rows: PostgreSQL compares no JSON columns
        select(Generation)
        .where(
            Generation.id.in_(approving),
            Generation.brief_id.is_not(None),
            ~select(Release.id).where(Release.generation_id == Generation.id).exists(),
        )
        .order_by(Generation.id)
    )
    found = []
    approved = list(session.scalars(query))
    standing = reviews.statuses(ctx.studio, session, approved)
    for row in approved:
        status = standing[row.id]
        if gate.approves(status.result):
            since = max(datetime.fromisoformat(r["at"]) for r in status.current)
            found.append(
                Item(
                    "release",
                    row.brief_id,
                    row.id,
                    status.result.replace("-", " "),
                    since,
                    _due(briefs.get(row.brief_id)),
                )
            )
    return found


def items(ctx: Context) -> list[Item]:
    """Everything that waits on the acting person, by kind in ``KINDS`` order, oldest first within a kind."""
    actor = ctx.actor
    if not actor.known:
        raise Forbidden("who is asking? a worklist belongs to a signed-in person", field="actor")
    roles, today = actor.roles, ctx.now().date()
    with ctx.unit() as session:
        briefs = {b.id: b for b in session.scalars(select(Brief))}
        found: list[Item] = []
        if "reviewer" in roles:
            found += _to_review(ctx, session, briefs)
        if "operator" in roles:
            found += _changes_requested(ctx, session, briefs)
            found += _to_cull(ctx, session, briefs)
            found += _lock_failed(ctx, session, briefs)
        if "director" in roles:
            found += _directors(ctx, session, briefs, today)
        if "keeper" in roles:
            found += _to_release(ctx, session, briefs)
    return sorted(found, key=lambda i: KINDS.index(i.kind))


def _with_marks(ctx: Context, shown: list[Item]) -> list[Item]:
    """The open marks of each image sent back, for the items on the page (read for those alone)."""
    if not any(i.kind == "changes_requested" for i in shown):
        return shown
    with ctx.unit() as session:
        out = []
        for item in shown:
            if item.kind == "changes_requested":
                row = session.get(Generation, item.image)
                found = [
                    {"mark": m["mark"], "by": m["author"], "comment": m["comment"], "raised_on": m["raised_on"]}
                    for m in marks.of(session, row)
                    if not m["resolved"]
                ]
                item = Item(**{**item.__dict__, "detail": {**item.detail, "marks": found}})
            out.append(item)
        return out


def worklist(ctx: Context, page: int = 1, limit: int = PAGE) -> dict:
    """One page of what waits on the acting person, with the total and a count per kind."""
    limit = paging.checked(limit, page)
    every = items(ctx)
    counts = {kind: sum(i.kind == kind for i in every) for kind in KINDS}
    shown = _with_marks(ctx, every[(page - 1) * limit : page * limit])
    return {
        "items": [i.as_dict() for i in shown],
        "total": len(every),
        "page": page,
        "pages": max(1, -(-len(every) // limit)),
        "counts": {k: n for k, n in counts.items() if n},
    }
