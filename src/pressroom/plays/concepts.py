"""The concept sprint: cheap variations across 3-5 styles, a contact sheet, ranking, direction.

Breadth, not polish: low steps at the model's standard size. Several models give the research
pass that compares models on the same prompts and seeds. The director ranks candidates and
approves one direction, which the lock-in pass starts from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from pressroom.context import Context
from pressroom.domain import families
from pressroom.domain.recipes import Recipe, SchedulerSpec, Skeleton, check_run, check_seeds
from pressroom.errors import InputError
from pressroom.jobs import generations, kinds, landing, queue
from pressroom.ledger import events
from pressroom.ledger.tables import Brief, Generation, Job, Ranking
from pressroom.plays import briefs, styles
from pressroom.store import contactsheet, imagefiles, ledgerfiles, models
from pressroom.store.studio import Studio

MIN_STYLES, MAX_STYLES = 3, 5


@dataclass
class Sprint:
    rows: list[Generation]
    sheet: Path
    warnings: list[str]


def plan(
    session: Session,
    studio: Studio,
    brief: Brief,
    style_names: list[str],
    per_style: int | None,
    steps: int | None,
    model_names: list[str],
    seed: int,
) -> tuple[list[Recipe], list[dict]]:
    if not MIN_STYLES <= len(style_names) <= MAX_STYLES:
        raise InputError(
            f"a concept sprint spans {MIN_STYLES}-{MAX_STYLES} distinct styles "
            f"(got {len(style_names)}); name one library style for each",
            field="styles",
        )
    if len(set(style_names)) != len(style_names):
        twice = next(name for name in style_names if style_names.count(name) > 1)
        raise InputError(f"style {twice!r} is named twice; each style must be distinct", field="styles")
    if len(set(model_names)) != len(model_names):
        twice = next(name for name in model_names if model_names.count(name) > 1)
        raise InputError(f"model {twice!r} is named twice; each model must be distinct", field="model")
    per_style = per_style or brief.defaults.per_style
    if per_style < 1:
        raise InputError("per-style must be at least 1", field="per_style")
    check_run(
        per_style * len(style_names) * max(1, len(model_names)),
        "per_style",
        "a sprint is breadth, not volume: make fewer per style, or lock a direction and run volume",
    )
    check_seeds(seed, per_style)
    start = brief.parsed.prompt
    recipes, labels = [], []
    for model_name in model_names or [studio.default_model]:
        manifest = models.load(studio, model_name)
        family = manifest.kind  # a flow model runs on its own scheduler; FLUX is given no negative it would ignore
        sampler = families.DEFAULT_SCHEDULER if family.flow else "euler_a"
        for style_name in style_names:
            style = styles.get(session, style_name)
            skeleton = Skeleton(
                subject=start.subject,
                context=start.context,
                composition=start.composition,
                style=style.style,
                technical=start.technical,
            )
            for index in range(per_style):
                recipes.append(
                    Recipe(
                        prompt=skeleton.compose(),
                        skeleton=skeleton,
                        negative=style.negative if family.negative else "",
                        model=manifest.ref(),
                        loras=style.lora_refs(),
                        engine=manifest.engine,
                        seed=seed + index,
                        steps=steps or brief.defaults.concept_steps,
                        guidance=7.0,
                        width=manifest.size,
                        height=manifest.size,
                        scheduler=SchedulerSpec(name=sampler),
                    )
                )
                labels.append(dict(brief_id=brief.id, play="concept", style=style.name))
    return recipes, labels


KIND = "concept"


def submit(
    ctx: Context,
    brief_id: int,
    style_names: list[str],
    *,
    per_style: int | None = None,
    steps: int | None = None,
    model_names: list[str] | None = None,
    seed: int = 1,
) -> Job:
    """Check the sprint now (the person, the brief, the styles, the seeds) and queue it as a job.

    The same sprint asked for again while it is queued or running is the same job; once it is
    done, asking again is another sprint.
    """
    actor = ctx.actor.require("operator", "run a concept sprint")
    request = {
        "brief": brief_id,
        "styles": list(style_names),
        "per_style": per_style,
        "steps": steps,
        "models": list(model_names or []),
        "seed": seed,
    }
    with ctx.unit() as session:
        recipes, _, _ = _prepare(session, ctx.studio, request)
    return queue.enqueue(
        ctx.studio, KIND, request, key=queue.request_key(KIND, request), requester=actor, total=len(recipes), fresh=True
    )


def sprint(
    ctx: Context,
    brief_id: int,
    style_names: list[str],
    *,
    per_style: int | None = None,
    steps: int | None = None,
    model_names: list[str] | None = None,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Sprint:
    """Queue the sprint and see it through (in this process unless workers are running);
    ``progress(done, total)`` follows the images."""
    from pressroom.jobs import worker

    job = submit(ctx, brief_id, style_names, per_style=per_style, steps=steps, model_names=model_names, seed=seed)
    return outcome(ctx.studio, worker.finish(ctx.studio, job.id, progress=progress))


def outcome(studio: Studio, job: Job) -> Sprint:
    """What a finished sprint job made (its failure or cancellation as an error)."""
    done = queue.result(job)
    return Sprint(
        landing.rows(studio, done["generations"]), studio.assets.path(done["contact_sheet"], "png"), done["warnings"]
    )


@kinds.handles("concept")
def run_job(studio: Studio, job: Job, lease: queue.Lease) -> dict:
    """The worker's handler: each concept in its own transaction, then the contact sheet, once."""
    request = job.payload
    with studio.session() as session:
        actor = landing.requester(session, job, "operator", "run a concept sprint")
        recipes, labels, title = _prepare(session, studio, request)
    for label in labels:
        label.update(generations.made_by(actor))
    keys = [f"{recipe.model.name}/{label['style']}/{recipe.seed}" for recipe, label in zip(recipes, labels)]
    ids = landing.land(studio, lease, recipes, labels, keys).ids
    rows = landing.rows(studio, [ids[key] for key in keys])
    model_names = list(dict.fromkeys(recipe.model.name for recipe in recipes))
    columns = len(rows) // (len(request["styles"]) * len(model_names)) if rows else 1

    def sheet(session: Session) -> str:
        sha = ledgerfiles.put(studio, session, _sheet(studio, rows, max(columns, 1), title), "png", "contact-sheet")
        events.record(
            session,
            actor,
            "concept.sprint",
            brief_id=request["brief"],
            objects={"generations": [r.id for r in rows], "contact_sheet": sha},
            styles=request["styles"],
            models=model_names,
        )
        return sha

    sha = lease.once("contact sheet", sheet)
    with studio.session() as session:
        warnings = budget_warnings(session, request["brief"])
    return {"brief": request["brief"], "generations": [r.id for r in rows], "contact_sheet": sha, "warnings": warnings}


def _prepare(session: Session, studio: Studio, request: dict) -> tuple[list[Recipe], list[dict], str]:
    """The checks a sprint passes, its recipes and their labels, and its contact sheet's title."""
    brief = briefs.ready(session, request["brief"])
    recipes, labels = plan(
        session,
        studio,
        brief,
        request["styles"],
        request["per_style"],
        request["steps"],
        request["models"],
        request["seed"],
    )
    return recipes, labels, f"brief {brief.id}: {brief.title} - concept sprint"


def _sheet(studio: Studio, rows: list[Generation], columns: int, title: str) -> bytes:
    cells = [
        (
            imagefiles.load(row.path(studio), f"generation {row.id}'s file"),
            [f"#{row.id} {row.style}", f"seed {row.seed} {row.model}"],
        )
        for row in rows
    ]
    return contactsheet.make(cells, columns, title)


def budget_warnings(session: Session, brief_id: int) -> list[str]:
    """A warning when the brief has used more generations than its iteration budget allows."""
    brief = briefs.get(session, brief_id)
    spec = brief.parsed
    finals = spec.deliverables.count or 1
    allowed = spec.iteration_budget * finals
    used = session.query(Generation).filter(Generation.brief_id == brief_id).count()
    if used > allowed:
        return [
            f"brief {brief_id} has used {used} generations, over its budget of {allowed} "
            f"({spec.iteration_budget} per final x {finals} finals)"
        ]
    return []


def _concept(session: Session, brief_id: int, generation_id: int) -> Generation:
    row = session.get(Generation, generation_id)
    if row is None or row.brief_id != brief_id:
        raise InputError(f"generation {generation_id} is not part of brief {brief_id}")
    return row


def rank(ctx: Context, brief_id: int, generation_ids: list[int]) -> list[dict]:
    """The director's ranking of candidates, best first (3-5 is the usual shortlist)."""
    if not generation_ids:
        raise InputError("rank at least one generation, best first", field="generations")
    actor = ctx.actor.require("director", "rank concepts")
    with ctx.unit() as session:
        briefs.ready(session, brief_id)
        now = datetime.now(UTC)
        for position, generation_id in enumerate(generation_ids, 1):
            _concept(session, brief_id, generation_id)
            session.add(
                Ranking(
                    brief_id=brief_id,
                    generation_id=generation_id,
                    rank=position,
                    ranked_by=actor.name,
                    ranked_by_id=actor.id,
                    at=now,
                )
            )
        events.record(session, actor, "concept.rank", brief_id=brief_id, objects={"generations": generation_ids})
    return [{"rank": i, "generation": g} for i, g in enumerate(generation_ids, 1)]


def approve_direction(ctx: Context, brief_id: int, generation_id: int) -> dict:
    actor = ctx.actor.require("director", "approve a direction")
    with ctx.unit() as session:
        brief = briefs.ready(session, brief_id)
        row = _concept(session, brief_id, generation_id)
        brief.direction_generation_id = row.id
        brief.direction_approved_by, brief.direction_approved_by_id = actor.name, actor.id
        brief.direction_approved_at = datetime.now(UTC)
        events.record(
            session, actor, "direction.approve", brief_id=brief_id, objects={"generation": row.id}, style=row.style
        )
        return {
            "brief": brief.id,
            "direction": brief.direction_generation_id,
            "approved_by": brief.direction_approved_by,
        }
