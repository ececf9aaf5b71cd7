"""The volume run: many images from a locked recipe, changing only its declared slot.

Each image is identified by (recipe version, slot value, seed) and the ledger refuses a second
row with the same identity, so a run that was interrupted is finished by running it again:
only what is missing is generated.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from . import briefs, concepts, events, generations, lockin
from .context import Context
from .errors import InputError, VolumeRefused
from .recipes import Recipe, check_seeds



@dataclass
class VolumeRun:
    recipe_id: int
    made: list[generations.Generation]
    skipped: int  # images that existed already (an earlier, interrupted run made them)
    warnings: list[str]
    flagged: list[str]  # pre-check findings that warn or fail, when pre-checks ran


def parse_vary(items: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        slot, sep, value = item.partition("=")
        if not sep or not slot.strip() or not value.strip():
            raise InputError(f"--vary {item!r} must look like SLOT=VALUE, e.g. subject='a blue shoe'")
        pairs.append((slot.strip(), value.strip()))
    if not pairs:
        raise InputError("give at least one --vary SLOT=VALUE")
    return pairs


def plan(locked: lockin.LockedRecipe, pairs: list[tuple[str, str]], seeds: int) -> list[tuple[Recipe, str, int]]:
    if locked.status != "locked":
        raise VolumeRefused(
            f"volume before lock: recipe {locked.id} is not locked (its lock {locked.status}); "
            "lock a recipe that reproduces first"
        )
    if locked.flag:
        raise VolumeRefused(f"recipe {locked.id} is flagged: {locked.flag}")
    others = sorted({slot for slot, _ in pairs if slot != locked.slot})
    if others:
        raise VolumeRefused(
            f"recipe {locked.id} declares {locked.slot!r} as its only variable; --vary {others[0]} would "
            f"change a second slot. Lock a new version with --slot {others[0]} to vary it instead"
        )
    if seeds < 1:
        raise InputError("--seeds must be at least 1")
    base = locked.parsed
    check_seeds(base.seed, seeds, f"with --seeds {seeds}, the locked seed")
    values = list(dict.fromkeys(value for _, value in pairs))
    return [(base.with_slot(locked.slot, value).model_copy(update={"seed": base.seed + i}), value, base.seed + i)
            for value in values for i in range(seeds)]


def run(ctx: Context, recipe_id: int, vary: list[str], seeds: int, *, batch_size: int | None = None,
        progress=None, on_plan=None, prechecks: bool = False) -> VolumeRun:
    """Generate what is missing; with ``prechecks``, run the pre-checks on each image as it lands
    and report the ones that warn or fail before the cull."""
    pairs = parse_vary(vary)
    studio, actor = ctx.studio, ctx.actor.require("operator", "run a volume batch")
    with ctx.unit() as session:
        locked = lockin.get(session, recipe_id)
        wanted = plan(locked, pairs, seeds)
        if locked.brief_id is not None:
            brief = briefs.ready(session, locked.brief_id)
            batch_size = batch_size or brief.defaults.volume_batch
        existing = {tuple(row) for row in session.execute(
            select(generations.Generation.slot_value, generations.Generation.seed)
            .where(generations.Generation.recipe_id == recipe_id, generations.Generation.play == "volume"))}
    generations.sweep_orphans(studio)
    todo = [(recipe, value, seed) for recipe, value, seed in wanted if (value, seed) not in existing]
    if on_plan:
        on_plan(len(wanted), len(todo))
    labels = [dict(brief_id=locked.brief_id, recipe_id=recipe_id, play="volume", slot_value=value,
                   **generations.made_by(actor))
              for _, value, _ in todo]
    flagged: list[str] = []

    def landed(row: generations.Generation) -> None:
        if prechecks:
            from . import reviews

            for finding in reviews.precheck(studio, [row.id])[row.id]:
                if finding.result in ("warn", "fail"):
                    flagged.append(f"#{row.id} {finding.name} {finding.result}: {finding.detail}")
        if progress:
            progress(row)

    made = generations.generate(studio, [r for r, _, _ in todo], batch_size=batch_size or 1, labels=labels,
                                progress=landed)
    with ctx.unit() as session:
        events.record(session, actor, "volume.run", brief_id=locked.brief_id,
                      objects={"recipe": recipe_id, "generations": [r.id for r in made]},
                      values=[v for _, v in pairs], seeds=seeds, skipped=len(wanted) - len(todo))
        warnings = concepts.budget_warnings(session, locked.brief_id) if locked.brief_id else []
    return VolumeRun(recipe_id, made, len(wanted) - len(todo), warnings, flagged)
