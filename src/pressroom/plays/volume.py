"""The volume run: many images from a locked recipe, changing only its declared slot.

Each image is identified by (recipe version, slot value, seed) and the ledger refuses a second
row with the same identity, so a run that was interrupted is finished by running it again:
only what is missing is generated. A run is a job (``jobs.queue``): ``submit`` checks and queues
it, ``run_job`` is the handler a worker runs, ``run`` sees it through from a command.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select

from pressroom.context import Context
from pressroom.domain import names
from pressroom.domain.recipes import MAX_RUN, Recipe, check_run, check_seeds, parse_assignment
from pressroom.errors import InputError, VolumeRefused
from pressroom.jobs import generations, kinds, landing, queue
from pressroom.ledger import events
from pressroom.ledger.tables import Generation, Job, LockedRecipe
from pressroom.plays import briefs, concepts, lockin
from pressroom.store import references
from pressroom.store.studio import Studio


@dataclass
class VolumeRun:
    recipe_id: int
    made: list[Generation]
    skipped: int  # images that existed already (an earlier, interrupted run made them)
    warnings: list[str]
    flagged: list[str]  # pre-check findings that warn or fail, when pre-checks ran


def checked_values(vary: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (slot, value) pairs a run varies, each slot name and value checked; at least one."""
    pairs = []
    for slot, value in vary:
        if not str(value).strip():
            raise InputError(f"the value for slot {slot!r} is empty; give the text it should take", field="vary")
        pairs.append((names.check(str(slot).strip(), "slot name", field="vary", limit=60), str(value).strip()))
    if not pairs:
        raise InputError("vary names no value: give at least one slot value to run", field="vary")
    return pairs


MAX_BATCH = 64  # images drawn in one pipeline call at most
MAX_SEEDS = 1_000_000  # seeds per value one run may plan (what it makes is bounded by MAX_RUN)


@dataclass(frozen=True)
class Plan:
    """The images a run asks for, each identified by (slot value, seed); recipes are made one by
    one as the run reaches them, never all at once."""

    base: Recipe
    slot: str
    values: list[str]
    seeds: int
    bases: dict[str, Recipe] | None = None  # a reference slot: each value's recipe (``with_references``)

    def __len__(self) -> int:
        return len(self.values) * self.seeds

    def identities(self) -> Iterator[tuple[str, int]]:
        return ((value, self.base.seed + i) for value in self.values for i in range(self.seeds))

    def recipe(self, value: str, seed: int) -> Recipe:
        base = self.bases[value] if self.bases is not None else self.base.with_slot(self.slot, value)
        return base.model_copy(update={"seed": seed})


def plan(locked: LockedRecipe, pairs: list[tuple[str, str]], seeds: int) -> Plan:
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
            f"recipe {locked.id} declares {locked.slot!r} as its only variable; varying {others[0]!r} would "
            f"change a second slot: lock a new version with {others[0]!r} as its slot to vary it instead",
            field="vary",
        )
    if not 1 <= seeds <= MAX_SEEDS:
        raise InputError(f"seeds must be 1 to {MAX_SEEDS:,} per value (got {seeds})", field="seeds")
    base = locked.parsed
    check_seeds(base.seed, seeds, f"seeds {seeds}: the locked seed", field="seeds")
    return Plan(base, locked.slot, list(dict.fromkeys(value for _, value in pairs)), seeds)


KIND = "volume"


def submit(
    ctx: Context,
    recipe_id: int,
    vary: Sequence[tuple[str, str]],
    seeds: int,
    *,
    batch_size: int | None = None,
    prechecks: bool = False,
) -> Job:
    """Check the run now (the person, the lock, the slot, the seeds) and queue it as a job.

    The same run asked for again is the same job (its idempotency key is the request).
    """
    pairs = checked_values(vary)
    if batch_size is not None and not 1 <= batch_size <= MAX_BATCH:
        raise InputError(f"batch_size must be 1 to {MAX_BATCH} images at once (got {batch_size})", field="batch_size")
    actor = ctx.actor.require("operator", "run a volume batch")
    with ctx.unit() as session:  # a refused run keeps none of the reference images it was given
        pairs = _stored_references(ctx.studio, session, recipe_id, pairs)
        _, wanted, _, missing, _ = _prepare(session, recipe_id, pairs, seeds)
    # the job's request is plain data, stored as it always was (SLOT=VALUE): the same run asked for
    # again is the same job, whichever release queued it
    payload = {
        "recipe": recipe_id,
        "vary": [f"{slot}={value}" for slot, value in pairs],
        "seeds": seeds,
        "batch_size": batch_size,
        "prechecks": prechecks,
    }
    return queue.enqueue(
        ctx.studio,
        KIND,
        payload,
        key=queue.request_key(KIND, payload),
        requester=actor,
        total=len(wanted),
        done=len(wanted) - missing,
    )


def run(
    ctx: Context,
    recipe_id: int,
    vary: Sequence[tuple[str, str]],
    seeds: int,
    *,
    batch_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    prechecks: bool = False,
) -> VolumeRun:
    """Queue the run and see it through (in this process unless workers are running); with
    ``prechecks``, run the pre-checks on each image as it lands and report the ones that warn or
    fail before the cull. ``progress(done, total)`` follows the images."""
    from pressroom.jobs import worker

    job = submit(ctx, recipe_id, vary, seeds, batch_size=batch_size, prechecks=prechecks)
    return outcome(ctx.studio, worker.finish(ctx.studio, job.id, progress=progress))


def outcome(studio: Studio, job: Job) -> VolumeRun:
    """What a finished volume job made (its failure or cancellation as an error)."""
    done = queue.result(job)
    made = landing.rows(studio, sorted(done["made"]))
    return VolumeRun(done["recipe"], made, done["skipped"], done["warnings"], done["flagged"])


@kinds.handles("volume")
def run_job(studio: Studio, job: Job, lease: queue.Lease) -> dict:
    """The worker's handler: make what the plan misses, one image per transaction under the lease."""
    request = job.payload
    recipe_id = request["recipe"]
    pairs = checked_values([parse_assignment(item) for item in request["vary"]])
    with studio.session() as session:  # the worker acts as the person who asked for the run
        actor = landing.requester(session, job, "operator", "run a volume batch")
        locked, wanted, existing, missing, batch_size = _prepare(session, recipe_id, pairs, request["seeds"])
        if wanted.slot == references.SLOT:  # each stored reference made into its recipe (maps computed again)
            wanted = replace(
                wanted,
                bases={
                    value: references.varied(studio, session, wanted.base, *references.read(studio, value))
                    for value in wanted.values
                },
            )
    # the plan streams; what it still misses is at most MAX_RUN images (``_prepare`` checked)
    todo = [(value, seed) for value, seed in wanted.identities() if (value, seed) not in existing]
    labels = [
        dict(
            brief_id=locked.brief_id, recipe_id=recipe_id, play="volume", slot_value=value, **generations.made_by(actor)
        )
        for value, _ in todo
    ]
    flagged: list[str] = []
    renderer = None
    if lease.pool is not None and todo:  # a worker with Ray actors: only those that reproduce the hero render
        from pressroom.plays import qualification

        renderer = qualification.renderer(studio, lease, lease.pool, locked, actor)

    def checked(row: Generation) -> None:
        if request["prechecks"]:
            from pressroom.plays import reviews

            for finding in reviews.precheck(studio, [row.id])[row.id]:
                if finding.result in ("warn", "fail"):
                    flagged.append(f"#{row.id} {finding.name} {finding.result}: {finding.detail}")

    made = landing.land(
        studio,
        lease,
        [wanted.recipe(value, seed) for value, seed in todo],
        labels,
        [json.dumps([value, seed]) for value, seed in todo],
        batch_size=request["batch_size"] or batch_size,
        done=len(wanted) - len(todo),
        # an image an overlapping run made meanwhile is not made again
        wanted=lambda session, row: not _existing(session, recipe_id, row),
        each=checked,
        renderer=renderer,
        step_aside=True,
    ).made
    with studio.session() as session:
        events.record(
            session,
            actor,
            "volume.run",
            brief_id=locked.brief_id,
            objects={"recipe": recipe_id, "generations": [r.id for r in made]},
            values=[v for _, v in pairs],
            seeds=request["seeds"],
            skipped=len(wanted) - len(made),
        )
        warnings = concepts.budget_warnings(session, locked.brief_id) if locked.brief_id else []
    done = {
        "recipe": recipe_id,
        "made": [r.id for r in made],
        "skipped": len(wanted) - len(made),
        "warnings": warnings,
        "flagged": flagged,
    }
    if lease.pool is not None:
        from pressroom.plays import qualification

        done["qualification"] = list(qualification.verdicts_of(lease.recorded()).values())
    return done


def _prepare(session, recipe_id: int, pairs: list[tuple[str, str]], seeds: int):
    """The checks a run passes, its plan, the images that exist, how many the plan still misses
    (at most ``MAX_RUN``) and the brief's batch size."""
    locked = lockin.get(session, recipe_id)
    wanted = plan(locked, pairs, seeds)
    batch_size = briefs.ready(session, locked.brief_id).defaults.volume_batch if locked.brief_id is not None else 1
    existing = _existing(session, recipe_id)
    missing = sum(1 for identity in wanted.identities() if identity not in existing)
    check_run(
        missing,
        "seeds",
        f"split it: fewer values per run, or seeds {MAX_RUN // len(wanted.values)} first "
        "and then the full number (a run skips the images that exist)",
    )
    return locked, wanted, existing, missing, batch_size


def _stored_references(studio: Studio, session, recipe_id: int, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A reference slot's values (image files, or stored references' SHA-256) stored with their maps,
    each named by its SHA-256 from here on."""
    locked = lockin.get(session, recipe_id)
    if locked.slot != references.SLOT:
        return pairs
    base, out = locked.parsed, []
    for slot, value in pairs:
        if slot == references.SLOT:
            value = (
                references.varied(studio, session, base, *references.read(studio, value)).conditioning[0].image_sha256
            )
        out.append((slot, value))
    return out


def _existing(session, recipe_id: int, row: Generation | None = None) -> set[tuple[str, int]]:
    """The (slot value, seed) of the recipe's volume images (only ``row``'s identity, if given)."""
    query = select(Generation.slot_value, Generation.seed).where(
        Generation.recipe_id == recipe_id, Generation.play == "volume"
    )
    if row is not None:
        query = query.where(Generation.slot_value == row.slot_value, Generation.seed == row.seed)
    return {tuple(found) for found in session.execute(query)}
