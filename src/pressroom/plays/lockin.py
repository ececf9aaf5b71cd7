"""The lock-in pass: fix the seed and settings, make the hero, prove it reproduces, lock.

A locked recipe is immutable (the ledger refuses to change its ``recipe`` column); changing
anything means locking a new version, linked to its parent. The hero is regenerated in a fresh
pipeline instance; unless that gives ``exact`` (or ``close`` on a non-CPU device, where kernels
are not deterministic) the lock fails and the brief is paused with the reason.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from math import gcd
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pressroom.context import Actor, Context
from pressroom.domain import names, samplers
from pressroom.domain.compare import Comparison, Fingerprint, compare
from pressroom.domain.recipes import SLOTS, Recipe, Reference, SchedulerSpec
from pressroom.errors import Conflict, EngineError, InputError, LockRefused, ModelError, NotFound, Refused
from pressroom.jobs import generations, kinds, landing, queue
from pressroom.ledger import events, rows
from pressroom.ledger.db import taken
from pressroom.ledger.tables import Brief, Generation, Job, LockedRecipe
from pressroom.plays import briefs, imports
from pressroom.store import cards, imagefiles
from pressroom.store import references as references_
from pressroom.store.resolver import Resolver
from pressroom.store.studio import Studio


@dataclass
class LockResult:
    """A lock's outcome: locked, or failed (the hero did not reproduce) — a result either way."""

    row: LockedRecipe
    figures: dict
    warnings: list[str]
    card: Path | None = None  # the card written at lock, where this studio keeps it

    def as_dict(self) -> dict:
        row, card = self.row, self.card
        return {
            "recipe": row.id,
            "hero": row.hero_generation_id,
            "verdict": row.verdict,
            "card": str(card) if card else None,
            "status": row.status,
            "version": row.version,
            "parent": row.parent_id,
            "slot": row.slot,
            "figures": self.figures,
        }


def get(session: Session, recipe_id: int) -> LockedRecipe:
    return rows.get(session, LockedRecipe, recipe_id)


def shown(ctx: Context, recipe_id: int) -> dict:
    """A locked recipe as its page shows it: ``recipe``, its fields and prompt, and ``figures``, what
    its lock's reproduction recorded (None when nothing was)."""
    with ctx.unit() as session:
        row = get(session, recipe_id)
        recipe = row.as_dict(ctx.studio)
        recipe["prompt"] = row.recipe.get("prompt", "")
        said = [
            event
            for event in events.listing(session, recipe["brief"], ("recipe.lock", "recipe.lock_failed"))
            if event.objects.get("recipe") == recipe_id
        ]
    return {"recipe": recipe, "figures": said[-1].detail.get("figures") if said else None}


def card_file(ctx: Context, recipe_id: int) -> Path | None:
    """Where a locked recipe's card is written (None for a failed lock, which writes none)."""
    with ctx.unit() as session:
        return get(session, recipe_id).card_file(ctx.studio)


def slot_of(ctx: Context, recipe_id: int) -> str:
    """The slot a locked recipe's volume runs vary."""
    with ctx.unit() as session:
        return get(session, recipe_id).slot


def by_template(session: Session, name: str) -> LockedRecipe:
    row = session.scalar(select(LockedRecipe).where(LockedRecipe.template == name))
    if row is None:
        raise NotFound(f"no template {name!r}; promote a locked recipe under that name first", field="template")
    return row


def _aspect(width: int, height: int) -> str:
    d = gcd(width, height)
    return f"{width // d}:{height // d}"


def _starting_recipe(
    session: Session, brief: Brief, from_generation: int | None, template: str | None
) -> tuple[Recipe, dict]:
    if template:
        return by_template(session, template).parsed, {"template": template}
    source_id = from_generation or brief.direction_generation_id
    if brief.direction_generation_id is None:
        raise LockRefused(
            f"brief {brief.id} has no approved direction: the director approves one of its concepts "
            "before the lock-in pass",
            field="direction",
        )
    row = rows.get(session, Generation, source_id, field="from_generation" if from_generation else None)
    return row.parsed_recipe(), {"from": row.id}


KIND = "lock"


def submit(
    ctx: Context,
    brief_id: int,
    *,
    from_generation: int | None = None,
    template: str | None = None,
    slot: str = "subject",
    seed: int | None = None,
    steps: int | None = None,
    guidance: float | None = None,
    width: int | None = None,
    height: int | None = None,
    scheduler: str | None = None,
    negative: str | None = None,
    references: list[str] | None = None,
) -> Job:
    """Check the lock now (the person, the brief, its direction or template, the settings) and queue
    it as a job. Each lock asked for is a job of its own: two locks of one brief make two versions."""
    actor = ctx.actor.require("operator", "lock a recipe")
    request = {
        "brief": brief_id,
        "from": from_generation,
        "template": template,
        "slot": slot,
        "seed": seed,
        "steps": steps,
        "guidance": guidance,
        "width": width,
        "height": height,
        "scheduler": scheduler,
        "negative": negative,
        "conditioning": [],
    }
    if references:  # the images stored now; the job names them by hash
        with ctx.unit() as session:
            built = references_.build(ctx.studio, session, list(references))
        request["conditioning"] = [reference.model_dump(mode="json") for reference in built]
    with ctx.unit() as session:
        _prepare(session, request)
    return queue.enqueue(ctx.studio, KIND, request, key=f"{KIND}:{secrets.token_hex(16)}", requester=actor, total=1)


def lock(ctx: Context, brief_id: int, *, progress: Callable[[int, int], None] | None = None, **settings) -> LockResult:
    """Queue the lock-in pass (settings as ``submit`` takes them) and see it through, in this
    process unless workers are running: the hero, its reproduction in a fresh pipeline, the lock."""
    from pressroom.jobs import worker

    job = submit(ctx, brief_id, **settings)
    return outcome(ctx.studio, worker.finish(ctx.studio, job.id, progress=progress))


def outcome(studio: Studio, job: Job) -> LockResult:
    """What a finished lock job recorded (its failure or cancellation as an error)."""
    done = queue.result(job)
    with studio.session() as session:
        row = get(session, done["recipe"])
    return LockResult(row, done["figures"], done["warnings"], row.card_file(studio))


@kinds.handles("lock")
def run_job(studio: Studio, job: Job, lease: queue.Lease) -> dict:
    """The worker's handler: the hero at final settings (once), the same recipe again in a fresh
    pipeline instance, then the lock recorded (once) under the brief's next version."""
    request = job.payload
    brief_id, slot = request["brief"], request["slot"]
    recorded = lease.recorded().get("lock")
    if recorded is not None:  # an attempt before this one locked (or failed, pausing the brief)
        return recorded
    with studio.session() as session:
        actor = landing.requester(session, job, "operator", "lock a recipe")
        final, origin, brief_created = _prepare(session, request)
    value = final.conditioning[0].image_sha256 if slot == references_.SLOT else final.skeleton.get(slot)
    labels = dict(brief_id=brief_id, play="lock", slot_value=value, **generations.made_by(actor))
    [hero] = landing.rows(studio, [landing.land(studio, lease, [final], [labels], ["hero"]).ids["hero"]])
    try:
        again = next(generations.render([hero.parsed_recipe()], Resolver(studio), fresh=True))
        result = compare(again.image, imagefiles.load(hero.path(studio), f"the hero's file (generation {hero.id})"))
    except (EngineError, ModelError, InputError) as exc:  # the hero is kept: the lock fails with the reason
        result = Comparison("error", False, None, -1, -1, None, note=f"the hero's recipe could not run again: {exc}")
    device = hero.parsed_recipe().device
    passed = result.verdict == "exact" or (result.verdict == "close" and device != "cpu")

    def record(session: Session) -> dict:
        recipe_id = _record_lock(session, studio, actor, brief_id, slot, hero, result, passed, origin, brief_created)
        return {"recipe": recipe_id, "figures": result.as_dict(), "warnings": list(hero.warnings)}

    for attempt in range(VERSION_TRIES):
        try:
            return lease.once("lock", record)
        except Conflict:
            if attempt == VERSION_TRIES - 1:
                raise


def _prepare(session: Session, request: dict) -> tuple[Recipe, dict, datetime]:
    """The checks a lock passes; its final recipe, where it started from and when its brief was made."""
    brief = briefs.ready(session, request["brief"])
    base, origin = _starting_recipe(session, brief, request["from"], request["template"])
    defaults, slot = brief.defaults, request["slot"]
    if slot in ("style", "technical"):
        raise LockRefused(
            f"slot {slot} is not a variable a volume run may change; use subject, "
            "context, composition or a named free slot",
            field="slot",
        )
    if not slot.replace("_", "").replace("-", "").isalnum():
        raise InputError(f"slot {slot!r} is not a slot name", field="slot")
    if defaults.fixed_variable and slot != defaults.fixed_variable:
        raise LockRefused(
            f"a {brief.content_type} brief fixes the variable to {defaults.fixed_variable!r}; "
            f"slot {slot!r} is not allowed",
            field="slot",
        )
    updates: dict = {"batch_size": 1, "batch_index": 0}
    for name in ("seed", "steps", "guidance", "width", "height", "negative"):
        if request[name] is not None:
            updates[name] = request[name]
    if request["scheduler"] not in (None, "default"):  # the engine checks that it fits the model's family
        samplers.get(request["scheduler"])
        updates["scheduler"] = SchedulerSpec(name=request["scheduler"]).model_dump()
    try:
        final = Recipe.model_validate({**base.model_dump(), **updates})
        conditioning = [Reference.model_validate(r) for r in request.get("conditioning") or []]
    except ValidationError as exc:
        raise generations.invalid(exc) from exc
    if conditioning:
        final = references_.with_references(final, conditioning)
    if slot == references_.SLOT:
        if not final.conditioning:
            raise LockRefused(
                "slot reference varies the recipe's first reference image, and this recipe has "
                "none; give a reference image with it",
                field="slot",
            )
    elif slot not in SLOTS and slot not in final.skeleton.free:
        final = final.with_slot(slot, "")
    spec = brief.parsed
    if defaults.strict_sizes and _aspect(final.width, final.height) != spec.deliverables.aspect:
        raise LockRefused(
            f"a {brief.content_type} brief needs the deliverable aspect {spec.deliverables.aspect}; "
            f"{final.width}x{final.height} is {_aspect(final.width, final.height)}: choose a width and height of "
            "that aspect",
            field="width",
        )
    return final, origin, brief.created_at


VERSION_TRIES = 5


def _record_lock(
    session: Session,
    studio: Studio,
    actor: Actor,
    brief_id: int,
    slot: str,
    hero,
    result,
    passed: bool,
    origin: dict,
    brief_created: datetime,
) -> int:
    """Record the lock under the brief's next version number, taken in this transaction; its id.

    Two locks of one brief at once may both read the same highest version; the unique index on
    (brief, version) lets only one of them have it, and the other takes the next one.
    """
    previous = session.scalar(
        select(LockedRecipe)
        .where(LockedRecipe.brief_id == brief_id, LockedRecipe.status == "locked")
        .order_by(LockedRecipe.version.desc())
    )
    version = (session.scalar(select(func.max(LockedRecipe.version)).where(LockedRecipe.brief_id == brief_id)) or 0) + 1
    row = LockedRecipe(
        brief_id=brief_id,
        version=version,
        parent_id=previous.id if previous else None,
        status="locked" if passed else "failed",
        slot=slot,
        recipe=hero.recipe,
        hero_generation_id=hero.id,
        verdict=result.verdict,
        locked_by=actor.name,
        locked_by_id=actor.id,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    with taken(f"brief {brief_id}'s version {version} was taken by another lock at the same time"):
        session.flush()
    session.get(Generation, hero.id).recipe_id = row.id
    brief = briefs.get(session, brief_id)
    if passed:
        card = studio.cards_dir / f"brief-{brief_id}-recipe-{row.id}-v{version}.toml"
        cards.write(
            card,
            hero.parsed_recipe(),
            expect=Fingerprint(hero.pixel_sha256, hero.phash, hero.dhash),
            file_sha256=hero.file_sha256,
            generation=hero.id,
            origin=imports.card_of(session, session.get(Generation, hero.id)),
            scratch=studio.root,
        )
        row.card = studio.relative(card)
        events.record(
            session,
            actor,
            "recipe.lock",
            brief_id=brief_id,
            objects={"recipe": row.id, "hero": hero.id, **origin},
            version=version,
            verdict=result.verdict,
            figures=result.as_dict(),
            slot=slot,
            since_brief_s=round((row.created_at - brief_created).total_seconds(), 1),
        )
    else:
        reason = (
            f"the hero of recipe {row.id} did not reproduce in a fresh pipeline "
            f"(verdict {result.verdict}, ssim {result.ssim}); check the determinism settings"
            if result.verdict != "error"
            else f"the hero of recipe {row.id} did not reproduce: {result.note}"
        )
        briefs.pause(session, brief, reason, actor)
        events.record(
            session,
            actor,
            "recipe.lock_failed",
            brief_id=brief_id,
            objects={"recipe": row.id, "hero": hero.id},
            verdict=result.verdict,
            figures=result.as_dict(),
        )
    return row.id


def promote(session: Session, recipe_id: int, name: str, actor: Actor) -> LockedRecipe:
    """Make a locked recipe a named template that later briefs can start their lock from."""
    actor.require("director", "promote a recipe to a template")
    names.check(name, "template name", field="name")
    row = get(session, recipe_id)
    if row.status != "locked":
        raise Refused(f"recipe {recipe_id} is not locked (its lock {row.status}); only locked recipes become templates")
    if session.scalar(select(LockedRecipe).where(LockedRecipe.template == name)):
        raise Conflict(f"a template named {name!r} exists already; choose another name", field="name")
    row.template = name
    with taken(f"a template named {name!r} was just made by someone else; choose another name", "name"):
        session.flush()
    events.record(session, actor, "template.promote", brief_id=row.brief_id, objects={"recipe": row.id}, template=name)
    return row


def promote_template(ctx: Context, recipe_id: int, name: str) -> dict:
    with ctx.unit() as session:
        return promote(session, recipe_id, name, ctx.actor).as_dict(ctx.studio)


def waiting(ctx: Context) -> dict[str, list[dict]]:
    """Locked recipes someone should act on: ``volume``, ready for a volume run (none made yet, not
    flagged, the brief active); ``flagged``, sent back by the review gate to be fixed in the recipe."""
    made = Generation
    volume_made = select(made.id).where(made.recipe_id == LockedRecipe.id, made.play == "volume").exists()
    shown = select(LockedRecipe, Brief.title).join(Brief, Brief.id == LockedRecipe.brief_id)
    with ctx.unit() as session:
        ready = session.execute(
            shown.where(
                LockedRecipe.status == "locked", LockedRecipe.flag == "", Brief.status == "active", ~volume_made
            ).order_by(LockedRecipe.id)
        )
        flagged = session.execute(shown.where(LockedRecipe.flag != "").order_by(LockedRecipe.id))
        return {
            name: [
                {"recipe": row.id, "version": row.version, "brief": row.brief_id, "title": title, "flag": row.flag}
                for row, title in rows
            ]
            for name, rows in (("volume", ready), ("flagged", flagged))
        }
