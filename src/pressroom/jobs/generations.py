"""Generations: running recipes through the engine and keeping every image with its recipe.

``render`` turns recipes into images (no ledger involved: reproduction uses it alone);
``generate`` renders and stores each image in the asset store and the ledger, one row per
image, committed as it is made so an interruption loses at most the image in flight.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from pressroom import engines
from pressroom.domain import families
from pressroom.domain.compare import fingerprint
from pressroom.domain.recipes import Environment, ModelRef, Recipe, SchedulerSpec
from pressroom.engines.base import Job
from pressroom.errors import EngineError, InputError
from pressroom.ledger import rows
from pressroom.ledger.tables import Generation
from pressroom.store import metadata, models, renditions
from pressroom.store.resolver import Resolver
from pressroom.store.studio import Studio

if TYPE_CHECKING:
    from PIL.Image import Image
    from sqlalchemy.orm import Session

    from pressroom.context import Actor


# checks an image's transaction before its file is written (see ``store``)
Guard = Callable[["Session", Generation], bool]


@dataclass
class Rendered:
    recipe: Recipe  # complete: every field the engine settled is filled in
    image: Image
    warnings: list[str]
    elapsed_s: float


# renders recipes, ``batch_size`` per engine job, in their order (``render`` in this process)
Renderer = Callable[[Iterable[Recipe], int], Iterator[Rendered]]


def _batch_key(recipe: Recipe) -> str:
    """Recipes that may share one pipeline call: equal in everything but prompt and seed.

    A derivative never shares a call: its key is unique to the recipe.
    """
    if recipe.source is not None:
        return recipe.model_dump_json()
    return recipe.model_dump_json(exclude={"prompt", "negative", "skeleton", "seed", "batch_size", "batch_index"})


def batches(recipes: Iterable[Recipe], size: int) -> Iterator[list[Recipe]]:
    """Recipes in the groups that ``render`` runs as one engine job each (at most ``size``)."""
    batch: list[Recipe] = []
    for recipe in recipes:
        if batch and (len(batch) == size or _batch_key(batch[0]) != _batch_key(recipe)):
            yield batch
            batch = []
        batch.append(recipe)
    if batch:
        yield batch


def _derived(recipe: Recipe, resolver: Resolver) -> Image:
    """An upscale: the parent resized, no model involved."""
    from PIL import Image

    source = recipe.source
    parent = resolver.image(source.parent_sha256)
    return parent.convert("RGB").resize(
        (parent.width * source.factor, parent.height * source.factor), Image.Resampling.LANCZOS
    )


def job_for(batch: Sequence[Recipe], model: ModelRef, *, fresh: bool = False) -> Job:
    """The engine job for recipes that share one pipeline call (see ``_batch_key``)."""
    first = batch[0]
    source = first.source
    scheduler = first.scheduler
    return Job(
        engine=first.engine,
        model=model.identity(),
        prompts=tuple(r.prompt for r in batch),
        negatives=tuple(r.negative for r in batch),
        seeds=tuple(r.seed for r in batch),
        steps=first.steps,
        guidance=first.guidance,
        width=first.width,
        height=first.height,
        scheduler=scheduler.name,
        max_sequence_length=first.max_sequence_length,
        # a class without its config (a hand-written card) means the scheduler by name, as it always has
        scheduler_class=scheduler.class_name if scheduler.config is not None else None,
        scheduler_config=scheduler.config,
        loras=tuple(lora.identity() for lora in first.loras),
        conditioning=tuple(reference.identity() for reference in first.conditioning),
        dtype=first.dtype,
        device=first.device,
        fresh=fresh,
        mode=source.op if source else "text",
        parent=source.parent_sha256 if source else None,
        mask=(source.mask_sha256 or None) if source else None,
        strength=source.strength if source else 1.0,
        noise_level=source.noise_level if source else 20,
        factor=source.factor if source else 1,
    )


def render(
    recipes: Iterable[Recipe],
    resolver: Resolver,
    *,
    batch_size: int = 1,
    fresh: bool = False,
) -> Iterator[Rendered]:
    """Run recipes through their engine, ``batch_size`` images per engine job, in order.

    Each batch runs on the engine its recipes name, with the model they name as ``resolver``
    finds it (recipes for several models make several jobs). Derivatives (``recipe.source``)
    run one at a time; ``resolver`` finds their parent and mask images by SHA-256.
    """
    for batch in batches(recipes, batch_size):
        first = batch[0]
        source = first.source
        if source is not None and source.by_hand:
            raise InputError(source.why_not_reproducible())
        started = time.perf_counter()
        if source is not None and source.op == "upscale" and source.method != "model":
            image = renditions.apply(_derived(first, resolver), first.post)
            yield Rendered(first, image, [], time.perf_counter() - started)
            continue
        ref = resolver.manifest(first.model).ref()
        model = ref if ref.files else first.model  # a hand-written card's model gains its hashes
        if ref.files:
            resolver.weights(model)  # changed weights are refused before an engine loads torch for them
        for reference in first.conditioning:  # and so are changed adapters
            if reference.adapter is not None:
                resolver.adapter(reference.adapter)
        engine = engines.get(first.engine)
        output = engine.run(job_for(batch, model, fresh=fresh), resolver)
        if not len(output.images) == len(output.warnings) == len(batch):
            raise EngineError(
                f"engine {engine.name!r} returned {len(output.images)} images and "
                f"{len(output.warnings)} warnings lists for {len(batch)} seeds"
            )
        each = (time.perf_counter() - started) / len(batch)
        settled = dict(
            model=model,
            engine=engine.name,
            scheduler=SchedulerSpec(
                name=first.scheduler.name, class_name=output.scheduler_class, config=output.scheduler_config
            ),
            dtype=output.dtype,
            device=output.device,
            environment=Environment.model_validate(output.environment),
            batch_size=len(batch),
            # every argument the engine settled for the pipeline is recorded, and what the model ignored
            max_sequence_length=output.max_sequence_length,
            ignored=output.ignored or None,
        )
        for index, (recipe, image, warnings) in enumerate(zip(batch, output.images, output.warnings, strict=True)):
            if image.size != (recipe.width, recipe.height):  # the recorded size is always the file's
                raise EngineError(
                    f"engine {engine.name!r} made a {image.width}x{image.height} image for a "
                    f"{recipe.width}x{recipe.height} recipe; nothing was stored"
                )
            complete = recipe.model_copy(update={**settled, "batch_index": index})
            yield Rendered(complete, renditions.apply(image, recipe.post), warnings, each)


def store(
    studio: Studio, rendered: Rendered, labels: dict | None = None, guard: Guard | None = None
) -> Generation | None:
    """Write the image (with its metadata) to the asset store and its row to the ledger.

    ``labels`` are the playbook columns (brief_id, recipe_id, play, style, slot_value ...).
    ``guard(session, row)`` runs in the image's transaction once it holds the store lock, before
    the file is written: it may raise to abort, or return False to skip an image already made; it
    may add and flush the row itself, to record its id with the work it belongs to.
    """
    from pressroom.store import ledgerfiles

    data = metadata.png_bytes(rendered.image, rendered.recipe)
    row = row_of(
        rendered.image,
        rendered.recipe,
        data,
        warnings=list(rendered.warnings),
        elapsed_s=round(rendered.elapsed_s, 4),
        **(labels or {}),
    )
    with studio.session() as session:
        ledgerfiles.lock(session)
        if guard is not None and not guard(session, row):
            return None
        session.add(row)
        ledgerfiles.put(studio, session, data, "png", "image")
    return row


def row_of(image, recipe: Recipe, data: bytes, **columns) -> Generation:
    """The ledger row of ``image``, made by ``recipe`` and stored as ``data`` (its PNG with the
    recipe written in), its hashes taken here; ``columns`` are the rest (the playbook's labels, who
    made it, the engine's warnings and time)."""
    from pressroom.store.assets import sha256_bytes

    prints = fingerprint(image)
    made = {
        "created_at": datetime.now(UTC),
        "model": recipe.model.name,
        "seed": recipe.seed,
        "prompt": recipe.prompt,
        "recipe": recipe.model_dump(mode="json", exclude_none=True),
        "file_sha256": sha256_bytes(data),
        "pixel_sha256": prints.pixel_sha256,
        "phash": prints.phash,
        "dhash": prints.dhash,
        "ext": "png",
        "width": image.width,
        "height": image.height,
        "warnings": [],
        "elapsed_s": 0.0,
    }
    return Generation(**(made | columns))


def sweep_orphans(studio: Studio) -> int:
    """Remove stored files no ledger row knows: what a killed run wrote but never recorded."""
    from pressroom.store import ledgerfiles

    return ledgerfiles.sweep(studio)


def generate(
    studio: Studio,
    recipes: Iterable[Recipe],
    *,
    batch_size: int = 1,
    progress: Callable[[Generation], None] | None = None,
    labels: Iterable[dict] | dict | None = None,
    guard: Guard | Sequence[Guard] | None = None,
    renderer: Renderer | None = None,
) -> list[Generation]:
    """Render and keep each recipe's image, each with the model and engine its recipe names.

    Recipes are rendered model by model (every model is found before the first image); the rows
    come back in the order of ``recipes``. ``labels``: playbook columns for every image (one
    dict), or one dict per recipe. ``guard``: see ``store`` (one for every image, or one per
    recipe); an image it skips is left out of the list returned. Recipes and labels may be
    streams: each is read as its image is reached. ``renderer(recipes, batch_size)`` renders
    them elsewhere (a Ray actor pool, ``jobs.raypool``); by default they render in this process.
    """
    from pressroom.store import scratch

    scratch.sweep(studio.root)  # temporary files of a killed generate, concept, fix or volume run
    one = labels is None or isinstance(labels, dict)
    per_recipe = isinstance(guard, Sequence)
    made = []
    if renderer is None:
        rendered_all = render(recipes, Resolver(studio), batch_size=batch_size)
    else:
        rendered_all = renderer(recipes, batch_size)
    pairs = zip(rendered_all, itertools.repeat(labels or {}) if one else labels, strict=not one)
    for (rendered, label), check in zip(pairs, guard if per_recipe else itertools.repeat(guard), strict=per_recipe):
        row = store(studio, rendered, label, check)
        if row is None:
            continue
        made.append(row)
        if progress:
            progress(row)
    return made


def made_by(actor: Actor) -> dict:
    """The labels that record who made an image (nothing known when the actor is unknown)."""
    return {"operator": actor.name, "maker_id": actor.id}


def get(studio: Studio, generation_id: int) -> Generation:
    with studio.session() as session:
        row = session.get(Generation, generation_id)
    if row is None:
        raise rows.missing(Generation, generation_id)
    return row


STATUSES = ("new", "kept", "rejected")


def listing(
    studio: Studio,
    limit: int | None = None,
    *,
    brief_id: int | None = None,
    recipe_id: int | None = None,
    status: str | None = None,
    play: str | None = None,
) -> list[Generation]:
    if status is not None and status not in STATUSES:
        raise InputError(f"status must be one of {', '.join(STATUSES)} (got {status!r})", field="status")
    with studio.session() as session:
        query = select(Generation).order_by(Generation.id)
        if brief_id is not None:
            query = query.where(Generation.brief_id == brief_id)
        if recipe_id is not None:
            query = query.where(Generation.recipe_id == recipe_id)
        if status is not None:
            query = query.where(Generation.status == status)
        if play is not None:
            query = query.where(Generation.play == play)
        if limit:
            query = query.limit(limit)
        return list(session.scalars(query))


def plan(
    studio: Studio,
    *,
    model: str | None = None,
    prompt: str | None = None,
    negative: str = "",
    seed: int | None = None,
    count: int = 1,
    steps: int | None = None,
    guidance: float | None = None,
    width: int | None = None,
    height: int | None = None,
    scheduler: str | None = None,
    dtype: str | None = None,
    device: str | None = None,
    card: Path | None = None,
    loras: Sequence[str] = (),
    references: Sequence[str] = (),
    **slots: str,
) -> list[Recipe]:
    """The recipes for ``count`` images (seeds ``seed`` .. ``seed+count-1``), from options or a card.

    With ``card``, the card's recipe is used as it is; only ``seed`` (and ``count``) may change it.
    Otherwise the prompt is ``prompt``, or the skeleton slots composed in their fixed order.
    """
    import secrets

    from pydantic import ValidationError

    from pressroom.domain import samplers
    from pressroom.domain.recipes import MAX_RUN, Skeleton, check_run, check_seeds
    from pressroom.store import cards
    from pressroom.store import loras as lora_refs

    if count < 1:
        raise InputError(f"count must be at least 1 (got {count})", field="count")
    check_run(count, "count", f"split it: count {MAX_RUN} from seed S, then from seed S+{MAX_RUN}, and so on")
    if card is not None:
        chosen = {
            k: v
            for k, v in dict(
                model=model,
                prompt=prompt,
                steps=steps,
                guidance=guidance,
                width=width,
                height=height,
                scheduler=scheduler,
                dtype=dtype,
                device=device,
                lora=list(loras) or None,
                reference=list(references) or None,
            ).items()
            if v is not None
        }
        given = [*chosen, *(["negative"] if negative else []), *(slot for slot, text in slots.items() if text)]
        if given:
            raise InputError(
                f"{', '.join(given)} cannot be combined with a card, which fixes every setting "
                "(only seed and count may change it)",
                field=given[0],
            )
        base = cards.read(card).recipe
        first = base.seed if seed is None else seed
    else:
        skeleton = Skeleton(**slots)
        if prompt and not skeleton.is_empty():
            raise InputError(
                "prompt and skeleton slots (subject, style ...) were both given; give either, not both", field="prompt"
            )
        text = prompt or skeleton.compose()
        if not text.strip():
            raise InputError(
                "prompt and skeleton slots are all empty: nothing to generate; give a prompt or a subject",
                field="prompt",
            )
        if scheduler not in (None, families.DEFAULT_SCHEDULER):
            samplers.get(scheduler)
        manifest = models.load(studio, model or studio.default_model)
        family = manifest.kind
        families.check_scheduler(scheduler or families.DEFAULT_SCHEDULER, family)
        families.check_negative(negative, family)
        families.check_size(width or manifest.size, height or manifest.size, manifest.multiple, family)
        first = secrets.randbelow(2**32) if seed is None else seed
        try:
            base = Recipe(
                prompt=text,
                negative=negative,
                skeleton=skeleton,
                model=manifest.ref(),
                engine=manifest.engine,
                seed=first,
                steps=steps or manifest.steps,
                guidance=7.0 if guidance is None else guidance,
                width=width or manifest.size,
                height=height or manifest.size,
                scheduler=SchedulerSpec(name=scheduler or families.DEFAULT_SCHEDULER),
                loras=lora_refs.refs(studio, list(loras)),
                dtype=dtype or "auto",
                device=device or "auto",
            )
        except ValidationError as exc:
            raise invalid(exc) from exc
        if references:
            base = conditioned(studio, base, list(references))
    check_seeds(first, count)
    return [base.model_copy(update={"seed": first + i}) for i in range(count)]


def conditioned(studio: Studio, recipe: Recipe, options: list[str]) -> Recipe:
    """``recipe`` with the reference images ``--reference NAME:FILE[:WEIGHT]`` options name, stored."""
    from pressroom.store import references

    with studio.session() as session:
        return references.with_references(recipe, references.build(studio, session, options))


def invalid(exc) -> InputError:
    """A recipe's validation errors as one InputError naming each field (the first as its field)."""
    fields = [str(error["loc"][0]) if error["loc"] else "options" for error in exc.errors()]
    parts = [f"{field} {error['msg'].removeprefix('Value error, ')}" for field, error in zip(fields, exc.errors())]
    return InputError("; ".join(parts), field=fields[0] if fields else None)
