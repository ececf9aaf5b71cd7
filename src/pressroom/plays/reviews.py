"""The review gate: a reviewer's decision with a result per checklist item.

Rules, all enforced here so every front end inherits them:
- a reviewer may not review an image they made, nor one whose recipe they locked;
- the stakes set the gate (which items must be checked, how many distinct reviewers approve, in
  which order); studios may change it in ``[gate.low|standard|high]`` of their config;
- where the gate takes reviewers in order (``order = "sequential"``), a brief's assigned reviewers
  decide one after another, in the order they were assigned: each waits until those before have
  approved (with no one assigned, it changes nothing: distinct reviewers, in any order);
- a failed item needs a reason; ``approved`` cannot carry a failed item;
- the result is the strictest current decision; a new version of an image (a fix made from it)
  makes the decisions on it stale;
- when reviewers fail the same item three times on one recipe, the recipe is flagged "fix in the
  recipe": volume runs stop until a new version is locked or the director clears the flag.
Decisions are an audit trail: the ledger refuses to change or delete them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pressroom import checks
from pressroom.context import Actor, Context
from pressroom.domain import gate
from pressroom.domain.gate import Gate
from pressroom.errors import Forbidden, InputError, NotFound, Refused
from pressroom.ledger import actors, events, lineage, rows
from pressroom.ledger.tables import Event, Generation, LockedRecipe, Precheck, Review, ReviewCheck
from pressroom.plays import assignments, audit, briefs, imports, lockin, marks
from pressroom.store import imagefiles, models, tools
from pressroom.store.studio import Studio


def gate_for(config: Mapping, stakes: str) -> Gate:
    """The gate of a level as the studio's settings set it (``[gate.LEVEL]`` in pressroom.toml)."""
    level = stakes if stakes in gate.DEFAULT_GATES else "standard"
    custom = config.get("gate", {}).get(level, {})
    return gate.configured(
        level, items=custom.get("items"), reviewers=custom.get("reviewers"), order=custom.get("order")
    )


def gate_of(config: Mapping, session: Session, row: Generation) -> Gate:
    """The gate an image passes: its brief's stakes, tightened or lightened by the content type.

    High stakes always get the full gate. A social brief (light gate) at standard stakes is
    reviewed against the short list; an ecommerce brief (strict gate) at low stakes against
    every item.
    """
    brief = briefs.get(session, row.brief_id) if row.brief_id else None
    stakes = (brief.stakes if brief else "") or "standard"
    tightness = brief.defaults.gate if brief and brief.content_type else "full"
    level = gate.level(stakes, tightness)
    applied = gate_for(config, level)
    if level == stakes:
        return applied
    return Gate(
        applied.stakes,
        applied.items,
        applied.reviewers,
        f"{stakes}-stakes {brief.content_type} ({tightness} gate)",
        applied.order,
    )


# -- context and pre-checks --------------------------------------------------------------------------
def alt_text_of(session: Session, generation_id: int) -> str:
    """The image's alt text, from its latest review that gave one (whitespace alone is none)."""
    return (
        session.scalar(
            select(Review.alt_text)
            .where(Review.generation_id == generation_id, func.trim(Review.alt_text) != "")
            .order_by(Review.id.desc())
        )
        or ""
    )


def _judged_with(studio: Studio, session: Session, row: Generation):
    """What an image is judged against: its recipe, its brief (if any), its model's manifest (if
    registered) and, for an image from elsewhere, its tool's licence terms."""
    recipe = row.parsed_recipe()
    brief = briefs.get(session, row.brief_id).parsed if row.brief_id else None
    try:
        manifest = models.load(studio, recipe.model.name)
    except NotFound:
        manifest = None
    made_with = imports.tool_of(session, row)
    terms = tools.terms(studio.config, made_with) if made_with is not None else None
    return recipe, brief, manifest, terms


def context_for(
    studio: Studio, session: Session, row: Generation, print_size_in: tuple[float, float] | None = None
) -> checks.Context:
    image = imagefiles.load(row.path(studio), f"generation {row.id}'s file")
    recipe, brief, manifest, terms = _judged_with(studio, session, row)
    siblings = {}
    if row.brief_id:
        query = select(Generation.id, Generation.phash).where(Generation.brief_id == row.brief_id)
        siblings = dict(session.execute(query).all())
    return checks.Context(
        image=image,
        recipe=recipe,
        generation_id=row.id,
        brief=brief,
        manifest=manifest,
        alt_text=alt_text_of(session, row.id),
        siblings=siblings,
        config=studio.config.get("checks", {}),
        print_size_in=print_size_in,
        tool=terms,
    )


def _looked_at(studio: Studio, session: Session, generation_id: int) -> checks.Context:
    """What the pre-checks look at for one image (its file, recipe, brief, model and set)."""
    return context_for(studio, session, rows.get(session, Generation, generation_id))


def precheck(studio: Studio, generation_ids: list[int]) -> dict[int, list[checks.Finding]]:
    """Run every pre-check on each image and keep the findings in the ledger (a look at an image,
    such as the review sheet, runs them without keeping them: ``sheet``)."""
    out = {}
    for generation_id in generation_ids:
        with studio.session() as session:
            context = _looked_at(studio, session, generation_id)
        findings = checks.run_all(context)  # (no ledger connection held while OCR and the others run)
        with studio.session() as session:
            now = datetime.now(UTC)
            for f in findings:
                session.add(
                    Precheck(
                        generation_id=generation_id,
                        name=f.name,
                        result=f.result,
                        score=f.score,
                        detail=f.detail,
                        looked_at=f.looked_at,
                        at=now,
                    )
                )
        out[generation_id] = findings
    return out


# -- decisions ------------------------------------------------------------------------------------------
@dataclass
class GateStatus:
    generation: int
    gate: str  # which gate applies, in words
    items: list[str]  # the checklist items it requires
    result: str  # approved | approved-with-changes | changes-required | rejected | pending
    approvals: list[str]
    needed: int
    current: list[dict]
    stale: list[dict]
    order: str = "parallel"  # how the assigned reviewers take turns (gate.ORDERS)

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _as_dicts(session: Session, reviews: list[Review], *, answers: bool = True) -> list[dict]:
    """Reviews as a sheet shows them, each with its checklist answers (one query for them all;
    none read, and ``checks`` empty, without ``answers``)."""
    found: dict[int, dict] = {review.id: {} for review in reviews}
    keys = list(found) if answers else []
    for part in (keys[n : n + CHUNK] for n in range(0, len(keys), CHUNK)):
        for c in session.scalars(select(ReviewCheck).where(ReviewCheck.review_id.in_(part)).order_by(ReviewCheck.id)):
            found[c.review_id][c.item] = {"result": c.result, "reason": c.reason} if c.reason else c.result
    return [
        {
            "review": review.id,
            "reviewer": review.reviewer,
            "reviewer_id": review.reviewer_id,
            "decision": review.decision,
            "note": review.note,
            "alt_text": review.alt_text,
            "at": review.at.isoformat(),
            "checks": found[review.id],
        }
        for review in reviews
    ]


def status(studio: Studio, session: Session, generation_id: int) -> GateStatus:
    return statuses(studio, session, [rows.get(session, Generation, generation_id)])[generation_id]


CHUNK = 500  # ids per IN (...) list


def statuses(
    studio: Studio, session: Session, images: Sequence[Generation], *, answers: bool = True
) -> dict[int, GateStatus]:
    """Where each image stands at the gate, by id: its gate, its current decisions (a reviewer's
    newest replaces their earlier one; a decision older than the image's newest fix is stale) and
    the result. A few queries whatever the number of images (a worklist asks for thousands)."""
    ids = [row.id for row in images]
    found: dict[int, list[Review]] = {i: [] for i in ids}
    fixed: dict[int, datetime] = {}
    for part in (ids[n : n + CHUNK] for n in range(0, len(ids), CHUNK)):
        for review in session.scalars(select(Review).where(Review.generation_id.in_(part)).order_by(Review.id)):
            found[review.generation_id].append(review)
        newest = select(Generation.parent_id, func.max(Generation.created_at)).where(Generation.parent_id.in_(part))
        fixed.update(dict(session.execute(newest.group_by(Generation.parent_id)).all()))
    gates: dict[int | None, Gate] = {}
    judged: dict[int, tuple[Gate, list[Review], list[Review]]] = {}
    for row in images:
        if row.brief_id not in gates:
            gates[row.brief_id] = gate_of(studio.config, session, row)
        fixed_at = fixed.get(row.id)
        current = [r for r in found[row.id] if fixed_at is None or fixed_at <= r.at]
        latest: dict[object, Review] = {}
        for review in current:  # a reviewer's newest decision replaces their earlier one
            latest[review.reviewer_id or review.reviewer] = review
        judged[row.id] = (gates[row.brief_id], list(latest.values()), [r for r in found[row.id] if r not in current])
    every = [r for _, latest, stale in judged.values() for r in (*latest, *stale)]
    shown = _as_dicts(session, every, answers=answers)
    by_review = {doc["review"]: doc for doc in shown}
    out = {}
    for generation_id, (applied, latest, stale) in judged.items():
        approvals = sorted(r.reviewer for r in latest if gate.approves(r.decision))
        out[generation_id] = GateStatus(
            generation_id,
            applied.describe(),
            list(applied.items),
            gate.result([r.decision for r in latest], len(approvals), applied.reviewers),
            approvals,
            applied.reviewers,
            [by_review[r.id] for r in latest],
            [by_review[r.id] for r in stale],
            applied.order,
        )
    return out


def record_of(studio: Studio, session: Session, generation_id: int) -> dict:
    """The review that lets an image out, as its released files carry it (provenance.REVIEW_LABEL):
    the stakes and the gate applied, each current reviewer with their decision and every checklist
    item's result, the decision, and the licence verdict for the model and for each LoRA and adapter."""
    from pressroom.checks import licence

    row = session.get(Generation, generation_id)
    applied = gate_of(studio.config, session, row)
    found = status(studio, session, generation_id)
    recipe, brief, manifest, terms = _judged_with(studio, session, row)
    context = checks.Context(
        image=None, recipe=recipe, generation_id=row.id, brief=brief, manifest=manifest, tool=terms
    )
    use = licence.intended_use(context)
    return {
        "generation": row.id,
        "stakes": applied.stakes,
        "gate": found.gate,
        "items": found.items,
        "reviewers_needed": found.needed,
        "maker": row.operator,
        "maker_id": row.maker_id,
        "reviewers": [
            {
                "reviewer": r["reviewer"],
                "reviewer_id": r["reviewer_id"],
                "decision": r["decision"],
                "at": r["at"],
                "note": r["note"],
                "checks": {item: (c if isinstance(c, dict) else {"result": c}) for item, c in r["checks"].items()},
            }
            for r in found.current
        ],
        "decision": found.result,
        "intended_use": use,
        "licence": [
            {
                "weights": w.kind,
                "name": w.name,
                "sha256": w.sha256,
                "license": w.license,
                "commercial": w.commercial,
                "verdict": verdict,
                "detail": detail,
            }
            for w in licence.weights_of(context)
            for verdict, detail in [licence.judge(w, use)]
        ],
    }


def _separate(session: Session, row: Generation, reviewer: Actor, decision: str) -> LockedRecipe | None:
    """Refuse a reviewer who made the image (or any image it was made from) or locked its recipe.

    People are compared by id, so a renamed person is still the same person. An image whose maker
    is unknown may have been made by anyone, so no one can be shown not to have made it: it can
    be sent back, never approved.
    """
    for made in [row, *lineage.ancestors(session, row)]:
        if made.maker_id == reviewer.id:
            what = (
                f"generation {row.id}"
                if made is row
                else f"generation {made.id}, which generation {row.id} was made from,"
            )
            raise Forbidden(
                f"{reviewer.name} made {what} and may not review it; a reviewer never approves their own work"
            )
        if made.maker_id is None and gate.approves(decision):
            raise Forbidden(
                f"generation {made.id} has no recorded maker, so no reviewer can be shown not to have "
                f"made it; it can be sent back but not approved. Regenerate it with the acting person "
                f"named",
                field="generation",
            )
    locked = session.get(LockedRecipe, row.recipe_id) if row.recipe_id else None
    if locked is not None and locked.locked_by_id == reviewer.id:
        raise Forbidden(
            f"{reviewer.name} locked recipe {locked.id}, which made generation {row.id}, and may not review it"
        )
    return locked


def may_decide(ctx: Context, generation_id: int) -> bool:
    """Whether the acting person may record a decision on the image at all (a reviewer who made
    neither it nor anything it was made from, nor locked its recipe): what a page offers them."""
    with ctx.unit() as session:
        return may_judge(session, rows.get(session, Generation, generation_id), ctx.actor)


def judged_by(session: Session, images: Sequence[Generation], actor: Actor) -> list[Generation]:
    """The images ``actor`` may decide on (``may_judge`` for many at once: the recipes they come
    from are read in one query, so the identity map keeps them while the rule reads them)."""
    if not actor.known or "reviewer" not in actor.roles:
        return []
    recipe_ids = sorted({row.recipe_id for row in images if row.recipe_id is not None})
    # held in this frame while the rule runs: the identity map keeps only what something refers to
    _held = list(session.scalars(select(LockedRecipe).where(LockedRecipe.id.in_(recipe_ids)))) if recipe_ids else []
    return [row for row in images if may_judge(session, row, actor)]


def may_judge(session: Session, row: Generation, actor: Actor) -> bool:
    """Whether ``actor`` is a reviewer the separation of duties lets decide on ``row``."""
    if not actor.known or "reviewer" not in actor.roles:
        return False
    try:
        _separate(session, row, actor, gate.SENDS_BACK[0])
    except Forbidden:
        return False
    return True


def in_turn(session: Session, row: Generation, standing: GateStatus, queue: Sequence[int]) -> Actor | None:
    """The reviewer whose turn it is on ``row`` at a gate that takes the brief's assigned reviewers
    (``queue``, oldest assignment first) in order, or None when anyone may decide (``gate.turn``)."""
    approved = [r["reviewer_id"] for r in standing.current if gate.approves(r["decision"])]
    return next_in_turn(session, row, standing.order, queue, approved)


def next_in_turn(
    session: Session, row: Generation, order: str, queue: Sequence[int], approved: Sequence[int]
) -> Actor | None:
    """The first of ``queue`` who has not approved ``row`` (``approved``) and may judge it, at a gate
    taking its reviewers in ``order`` (``gate.turn``); None when anyone may decide."""
    found: dict[int, Actor] = {}

    def able(person: int) -> bool:
        found[person] = actors.by_id(session, person)
        return may_judge(session, row, found[person])

    person = gate.turn(order, queue, approved, able)
    return found[person] if person is not None else None


def _wait_turn(studio: Studio, session: Session, row: Generation, applied: Gate, reviewer: Actor) -> None:
    """Refuse a decision out of turn where the gate takes the brief's assigned reviewers in order."""
    if applied.order != "sequential" or row.brief_id is None:
        return
    queue = [a.reviewer_id for a in assignments.live(session, [row.brief_id])]
    due = in_turn(session, row, status(studio, session, row.id), queue) if queue else None
    if due is None or due.id == reviewer.id:
        return
    names = ", then ".join(actors.by_id(session, person).name for person in queue)
    raise Refused(
        f"generation {row.id} waits on {due.name} first: its {applied.describe()} gate takes the assigned "
        f"reviewers in order ({names}); {reviewer.name} decides once {due.name} has approved",
        field="reviewer",
    )


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def decide(
    ctx: Context,
    generation_id: int,
    decision: str,
    answers: Mapping[str, gate.Answer | tuple[str, str] | str],
    note: str = "",
    alt_text: str = "",
) -> GateStatus:
    """Record a reviewer's decision with an answer for every checklist item of the image's gate
    (``{"hands": "pass", "text": ("fail", "a stray word"), ...}``, see :func:`gate.answers`)."""
    gate.check_decision(decision)
    results = gate.answers(answers)
    alt_text = alt_text.strip()  # alt text of whitespace alone is no alt text
    studio, reviewer = ctx.studio, ctx.actor.require("reviewer", "review images")
    with ctx.unit() as session:
        if gate.approves(decision):  # who made what is read from the ledger: it must be whole
            audit.require_intact(session, f"approve generation {generation_id}")
        row = rows.get(session, Generation, generation_id)
        locked = _separate(session, row, reviewer, decision)
        applied = gate_of(studio.config, session, row)
        _wait_turn(studio, session, row, applied, reviewer)
        if gate.approves(decision):
            waiting = marks.unsettled(session, row)
            if waiting:
                listed = "; ".join(
                    f"mark {m['mark']} by {m['author']}"
                    + (f" on image {m['raised_on']}" if m["raised_on"] else "")
                    + f": {_short(m['comment'])}"
                    for m in waiting
                )
                raise Refused(
                    f"generation {row.id} cannot be approved while marks are open and unanswered ({listed}); "
                    "resolve them or answer them first",
                    field="marks",
                )
        missing = [item for item in applied.items if item not in results]
        if missing:
            raise InputError(
                f"a {applied.describe()} review answers every checklist item; missing: {', '.join(missing)}",
                field="check",
            )
        failed = [item for item, (result, _) in results.items() if result == "fail"]
        if decision == "approved" and failed:
            raise InputError(
                f"'approved' cannot carry failed items ({', '.join(failed)}); "
                "use approved-with-changes or changes-required"
            )
        if (
            decision == "approved"
            and results.get("alt-text", ("n/a",))[0] == "pass"
            and not (alt_text or alt_text_of(session, row.id))
        ):
            raise InputError("alt-text is checked as pass but the image has none; write its alt text", field="alt_text")
        if gate.approves(decision):
            from pressroom.checks import licence

            verdict = licence.run(context_for(studio, session, row))
            if verdict.result == "fail":
                raise Refused(f"generation {row.id} cannot be approved: {verdict.detail}")
        review = Review(
            generation_id=row.id,
            reviewer=reviewer.name,
            reviewer_id=reviewer.id,
            decision=decision,
            note=note,
            alt_text=alt_text,
            stakes=applied.stakes,
            at=datetime.now(UTC),
        )  # the gate level applied
        session.add(review)
        session.flush()
        for item, (result, reason) in results.items():
            session.add(ReviewCheck(review_id=review.id, item=item, result=result, reason=reason))
        session.flush()
        turn = {}  # at a gate taking its reviewers in order, an approval hands the image to the next
        if applied.order == "sequential" and gate.approves(decision) and row.brief_id is not None:
            queue = [a.reviewer_id for a in assignments.live(session, [row.brief_id])]
            after = in_turn(session, row, status(studio, session, row.id), queue) if queue else None
            turn = {"waits_on": after.id} if after is not None and after.id != reviewer.id else {}
        events.record(
            session,
            reviewer,
            "review.decide",
            brief_id=row.brief_id,
            objects={"generation": row.id, "review": review.id},
            decision=decision,
            failed=failed,
            **turn,
        )
        if locked is not None and failed:
            _flag_if_repeated(session, locked, failed, reviewer)
        return status(studio, session, row.id)


def _flag_if_repeated(session: Session, locked: LockedRecipe, failed: list[str], reviewer: Actor) -> None:
    if locked.flag:
        return
    cleared_at = session.scalar(
        select(Event.at)
        .where(Event.action == "recipe.clear_flag")
        .where(Event.objects["recipe"].as_integer() == locked.id)
        .order_by(Event.id.desc())
    )
    for item in failed:
        query = (
            select(ReviewCheck.id)
            .join(Review, Review.id == ReviewCheck.review_id)
            .join(Generation, Generation.id == Review.generation_id)
            .where(Generation.recipe_id == locked.id, ReviewCheck.item == item, ReviewCheck.result == "fail")
        )
        if cleared_at is not None:
            query = query.where(Review.at > cleared_at)
        count = len(session.scalars(query).all())
        if count >= gate.FLAG_AFTER:
            locked.flag = (
                f"fix in the recipe: reviewers failed '{item}' {count} times; lock a new version "
                "(e.g. with an extended negative prompt) or have the director clear the flag"
            )
            locked.flag_cleared_by = locked.flag_cleared_by_id = None
            locked.flag_cleared_reason = None
            events.record(
                session,
                reviewer,
                "recipe.flag",
                brief_id=locked.brief_id,
                objects={"recipe": locked.id},
                item=item,
                count=count,
            )
            return


def clear_flag(ctx: Context, recipe_id: int, reason: str) -> dict:
    if not reason.strip():
        raise InputError("say why the flag can be cleared (a reason)", field="reason")
    actor = ctx.actor.require("director", "clear a recipe's flag")
    with ctx.unit() as session:
        locked = lockin.get(session, recipe_id)
        if not locked.flag:
            raise Refused(f"recipe {recipe_id} is not flagged")
        locked.flag, locked.flag_cleared_by, locked.flag_cleared_reason = "", actor.name, reason
        locked.flag_cleared_by_id = actor.id
        events.record(
            session, actor, "recipe.clear_flag", brief_id=locked.brief_id, objects={"recipe": locked.id}, reason=reason
        )
        return locked.as_dict(ctx.studio)


def rework(session: Session, brief_id: int | None = None) -> dict:
    """Share of review decisions that send work back, per brief, recipe, operator, tool and model
    (an image made here: tool ``pressroom``; one from elsewhere: the tool it came from); of one
    brief's images when ``brief_id`` is given."""
    from pressroom.ledger.tables import Imported

    scope = () if brief_id is None else (Generation.brief_id == brief_id,)
    rows = session.execute(
        select(
            Review.decision,
            Generation.recipe_id,
            Generation.maker_id,
            Generation.operator,
            Generation.brief_id,
            Generation.model,
            Imported.tool,
        )
        .join(Generation, Generation.id == Review.generation_id)
        .outerjoin(Imported, Imported.generation_id == Generation.id)
        .where(*scope)
    ).all()

    def share(key) -> list[dict]:
        groups: dict = {}
        for decision, recipe, maker_id, name, brief, model, tool in rows:
            # an operator is a person (by id); work by an unknown maker, by the name it was recorded under
            k = key(recipe, maker_id if maker_id is not None else (name or None), brief, model, tool)
            if k is None:
                continue
            total, back = groups.get(k, (0, 0))
            groups[k] = (total + 1, back + gate.sends_back(decision))
        return [
            {"key": k, "decisions": t, "sent_back": b, "rework_after_review": round(b / t, 4)}
            for k, (t, b) in sorted(groups.items(), key=lambda kv: str(kv[0]))
        ]

    return {
        "brief": share(lambda r, o, b, m, t: b),
        "recipe": share(lambda r, o, b, m, t: r),
        "operator": share(lambda r, o, b, m, t: o or None),
        "tool": share(lambda r, o, b, m, t: made_with(t)),
        "model": share(lambda r, o, b, m, t: m),
    }


def made_with(tool: str | None) -> str:
    """The tool an image counts under in the metrics: ``pressroom`` for its own, else the tool's name."""
    return tools.MADE_HERE if tool is None else tools.shown(tool) or "an unnamed tool"


# -- use cases ------------------------------------------------------------------------------------
def history(ctx: Context, generation_id: int) -> list[dict]:
    """Every decision on the image and on the images it was made from, newest first: who, when,
    the decision, each failed item with its reason, the note, and whether a fix made it stale."""
    with ctx.unit() as session:
        row = rows.get(session, Generation, generation_id)
        found = []
        for made in [row, *lineage.ancestors(session, row)]:
            status_ = status(ctx.studio, session, made.id)
            for review, stale in [*((r, False) for r in status_.current), *((r, True) for r in status_.stale)]:
                failed = [
                    {"item": item, "reason": answer["reason"]}
                    for item, answer in review["checks"].items()
                    if isinstance(answer, dict) and answer.get("result") == "fail"
                ]
                found.append(
                    {
                        "image": made.id,
                        "reviewer": review["reviewer"],
                        "at": review["at"],
                        "decision": review["decision"],
                        "failed": failed,
                        "note": review["note"],
                        "stale": stale,
                    }
                )
        return sorted(found, key=lambda d: d["at"], reverse=True)


def sheet(ctx: Context, generation_id: int, *, prechecks: bool = True) -> dict:
    """What a reviewer looks at: the gate, its checklist, the decisions so far and the pre-check
    findings (run, not kept: a look writes nothing; no ledger connection is held while they run).
    Without ``prechecks`` the findings are left out (None), for a page that asks for them apart."""
    with ctx.unit() as session:
        context = _looked_at(ctx.studio, session, generation_id) if prechecks else None
        standing = status(ctx.studio, session, generation_id).as_dict()
        origin = imports.card_of(session, rows.get(session, Generation, generation_id))
    return {
        "status": standing,
        "findings": [f.as_dict() for f in checks.run_all(context)] if prechecks else None,
        "origin": origin,
    }


def findings(ctx: Context, generation_id: int) -> list[dict]:
    """The pre-check findings on an image, run now (as ``sheet`` runs them)."""
    with ctx.unit() as session:
        context = _looked_at(ctx.studio, session, generation_id)
    return [f.as_dict() for f in checks.run_all(context)]


def checklist(ctx: Context, generation_id: int) -> list[str]:
    """The checklist items the image's gate requires (what a decision must answer), without the pre-checks."""
    with ctx.unit() as session:
        return status(ctx.studio, session, generation_id).items


def check(ctx: Context, generation_ids: list[int]) -> dict[int, list[dict]]:
    """Run the automated pre-checks on images and keep the findings (they assist; the reviewer decides)."""
    return {gen: [f.as_dict() for f in found] for gen, found in precheck(ctx.studio, generation_ids).items()}
