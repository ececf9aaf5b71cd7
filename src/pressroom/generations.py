"""Generations: running recipes through the engine and keeping every image with its recipe.

``render`` turns recipes into images (no ledger involved: reproduction uses it alone);
``generate`` renders and stores each image in the asset store and the ledger, one row per
image, committed as it is made so an interruption loses at most the image in flight.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from . import engines, metadata, models, renditions
from .compare import fingerprint
from .db import Base, UTCDateTime
from .engines.base import Job
from .errors import NotFound
from .recipes import Environment, Recipe, SchedulerSpec
from .studio import Studio

if TYPE_CHECKING:
    from PIL.Image import Image


class Generation(Base):
    __tablename__ = "generations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    model: Mapped[str] = mapped_column(String(200))
    seed: Mapped[int] = mapped_column(BigInteger)
    prompt: Mapped[str] = mapped_column(Text)
    recipe: Mapped[dict] = mapped_column(JSON)
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    pixel_sha256: Mapped[str] = mapped_column(String(64), index=True)
    phash: Mapped[str] = mapped_column(String(16))
    dhash: Mapped[str] = mapped_column(String(16))
    ext: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[list] = mapped_column(JSON)
    elapsed_s: Mapped[float] = mapped_column(Float)
    # where the image stands in the playbook (all empty for a plain `pressroom generate`)
    brief_id: Mapped[int | None] = mapped_column(ForeignKey("briefs.id"), nullable=True)
    recipe_id: Mapped[int | None] = mapped_column(ForeignKey("recipes.id"), nullable=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("generations.id"), nullable=True)
    play: Mapped[str] = mapped_column(String(20), default="generate")
    style: Mapped[str] = mapped_column(String(100), default="")
    slot_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="new")
    operator: Mapped[str] = mapped_column(String(100), default="")
    operation: Mapped[str] = mapped_column(String(20), default="")

    def parsed_recipe(self) -> Recipe:
        return Recipe.model_validate(self.recipe)

    def path(self, studio: Studio) -> Path:
        return studio.assets.path(self.file_sha256, self.ext)

    def summary(self, studio: Studio) -> dict:
        return {
            "id": self.id,
            "path": str(self.path(studio)),
            "seed": self.seed,
            "sha256": self.file_sha256,
            "pixel_sha256": self.pixel_sha256,
            "phash": self.phash,
            "model": self.model,
            "prompt": self.prompt,
            "width": self.width,
            "height": self.height,
            "warnings": self.warnings,
            "brief": self.brief_id,
            "recipe": self.recipe_id,
            "parent": self.parent_id,
            "play": self.play,
            "style": self.style,
            "slot_value": self.slot_value,
            "status": self.status,
            "operator": self.operator,
        }


@dataclass
class Rendered:
    recipe: Recipe  # complete: every field the engine settled is filled in
    image: "Image"
    warnings: list[str]
    elapsed_s: float


def _batch_key(recipe: Recipe) -> str:
    """Recipes that may share one pipeline call: equal in everything but prompt and seed.

    A derivative never shares a call: its key is unique to the recipe.
    """
    if recipe.source is not None:
        return recipe.model_dump_json()
    return recipe.model_dump_json(exclude={"prompt", "negative", "skeleton", "seed", "batch_size", "batch_index"})


def _batches(recipes: Sequence[Recipe], size: int) -> Iterator[list[Recipe]]:
    batch: list[Recipe] = []
    for recipe in recipes:
        if batch and (len(batch) == size or _batch_key(batch[0]) != _batch_key(recipe)):
            yield batch
            batch = []
        batch.append(recipe)
    if batch:
        yield batch


def _derived(recipe: Recipe, fetch: Callable[[str], "Image"]) -> "Image":
    """An upscale: the parent resized, no model involved."""
    from PIL import Image

    source = recipe.source
    parent = fetch(source.parent_sha256)
    return parent.convert("RGB").resize((parent.width * source.factor, parent.height * source.factor),
                                        Image.Resampling.LANCZOS)


def render(
    recipes: Sequence[Recipe],
    manifest: "models.Manifest",
    weights: Path,
    *,
    batch_size: int = 1,
    fresh: bool = False,
    fetch: Callable[[str], "Image"] | None = None,
) -> Iterator[Rendered]:
    """Run recipes through the engine, ``batch_size`` images per pipeline call, in order.

    Derivatives (``recipe.source``) run one at a time; ``fetch`` finds their parent and mask
    images by SHA-256.
    """
    engine = engines.get()
    ref = manifest.ref()
    for batch in _batches(recipes, batch_size):
        first = batch[0]
        source = first.source
        if source is not None and fetch is None:
            raise NotFound("this recipe derives from a parent image; reproduce it with the studio that stores it")
        started = time.perf_counter()
        if source is not None and source.op == "upscale" and source.method != "model":
            image = renditions.apply(_derived(first, fetch), first.post)
            yield Rendered(first, image, [], time.perf_counter() - started)
            continue
        scheduler = first.scheduler
        job = Job(
            model_key=ref.fingerprint,
            model_path=weights,
            model_format=manifest.weights_format,
            config_dir=manifest.config_dir,
            prompts=tuple(r.prompt for r in batch),
            negatives=tuple(r.negative for r in batch),
            seeds=tuple(r.seed for r in batch),
            steps=first.steps,
            guidance=first.guidance,
            width=first.width,
            height=first.height,
            scheduler=scheduler.name,
            scheduler_class=scheduler.class_name,
            scheduler_config=scheduler.config,
            dtype=first.dtype,
            device=first.device,
            fresh=fresh,
            mode=source.op if source else "text",
            init_image=fetch(source.parent_sha256).convert("RGB") if source else None,
            mask_image=fetch(source.mask_sha256).convert("L") if source and source.mask_sha256 else None,
            strength=source.strength if source else 1.0,
            noise_level=source.noise_level if source else 20,
        )
        output = engine.run(job)
        each = (time.perf_counter() - started) / len(batch)
        settled = dict(
            model=ref if ref.files else first.model,
            scheduler=SchedulerSpec(name=scheduler.name, class_name=output.scheduler_class,
                                    config=output.scheduler_config),
            dtype=output.dtype,
            device=output.device,
            environment=Environment.model_validate(output.environment),
            batch_size=len(batch),
        )
        for index, (recipe, image, warnings) in enumerate(zip(batch, output.images, output.warnings, strict=True)):
            complete = recipe.model_copy(update={**settled, "batch_index": index})
            yield Rendered(complete, renditions.apply(image, recipe.post), warnings, each)


def fetcher(studio: Studio) -> Callable[[str], "Image"]:
    """Open stored images by SHA-256 (parents and masks of derivatives)."""

    def fetch(sha256: str) -> "Image":
        from PIL import Image

        path = studio.assets.find(sha256)
        if path is None:
            raise NotFound(f"image {sha256} is not in the asset store of {studio.root}")
        with Image.open(path) as image:
            image.load()
            return image

    return fetch


def store(studio: Studio, rendered: Rendered, labels: dict | None = None) -> Generation:
    """Write the image (with its metadata) to the asset store and its row to the ledger.

    ``labels`` are the playbook columns (brief_id, recipe_id, play, style, slot_value ...).
    """
    from . import ledgerfiles

    data = metadata.png_bytes(rendered.image, rendered.recipe)
    prints = fingerprint(rendered.image)
    recipe = rendered.recipe
    row = Generation(
        created_at=datetime.now(timezone.utc),
        model=recipe.model.name,
        seed=recipe.seed,
        prompt=recipe.prompt,
        recipe=recipe.model_dump(mode="json", exclude_none=True),
        file_sha256="",
        pixel_sha256=prints.pixel_sha256,
        phash=prints.phash,
        dhash=prints.dhash,
        ext="png",
        width=rendered.image.width,
        height=rendered.image.height,
        warnings=list(rendered.warnings),
        elapsed_s=round(rendered.elapsed_s, 4),
        **(labels or {}),
    )
    with studio.session() as session:
        row.file_sha256 = ledgerfiles.put(studio, session, data, "png", "image")
        session.add(row)
    return row


def sweep_orphans(studio: Studio) -> int:
    """Remove stored files no ledger row knows: what a killed run wrote but never recorded."""
    from . import ledgerfiles

    return ledgerfiles.sweep(studio)


def generate(
    studio: Studio,
    recipes: Sequence[Recipe],
    *,
    batch_size: int = 1,
    progress: Callable[[Generation], None] | None = None,
    labels: Sequence[dict] | dict | None = None,
) -> list[Generation]:
    """Render and keep each recipe's image; all recipes must name the same model.

    ``labels``: playbook columns for every image (one dict), or one dict per recipe.
    """
    if not recipes:
        return []
    if labels is None or isinstance(labels, dict):
        labels = [labels or {}] * len(recipes)
    manifest, weights = models.find_for(studio, recipes[0].model)
    made = []
    rendered_all = render(recipes, manifest, weights, batch_size=batch_size, fetch=fetcher(studio))
    for rendered, label in zip(rendered_all, labels, strict=True):
        row = store(studio, rendered, label)
        made.append(row)
        if progress:
            progress(row)
    return made


def get(studio: Studio, generation_id: int) -> Generation:
    with studio.session() as session:
        row = session.get(Generation, generation_id)
    if row is None:
        raise NotFound(f"no generation {generation_id} in {studio.root}; list them with `pressroom generations`")
    return row


STATUSES = ("new", "kept", "rejected")


def listing(studio: Studio, limit: int | None = None, *, brief_id: int | None = None,
            recipe_id: int | None = None, status: str | None = None) -> list[Generation]:
    from .errors import InputError

    if status is not None and status not in STATUSES:
        raise InputError(f"--status must be one of {', '.join(STATUSES)} (got {status!r})")
    with studio.session() as session:
        query = select(Generation).order_by(Generation.id)
        if brief_id is not None:
            query = query.where(Generation.brief_id == brief_id)
        if recipe_id is not None:
            query = query.where(Generation.recipe_id == recipe_id)
        if status is not None:
            query = query.where(Generation.status == status)
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
    **slots: str,
) -> list[Recipe]:
    """The recipes for ``count`` images (seeds ``seed`` .. ``seed+count-1``), from options or a card.

    With ``card``, the card's recipe is used as it is; only ``seed`` (and ``count``) may change it.
    Otherwise the prompt is ``prompt``, or the skeleton slots composed in their fixed order.
    """
    import secrets

    from pydantic import ValidationError

    from . import cards, samplers
    from .errors import InputError
    from .recipes import Skeleton

    if count < 1:
        raise InputError(f"--count must be at least 1 (got {count})")
    if card is not None:
        chosen = {k: v for k, v in dict(model=model, prompt=prompt, steps=steps, guidance=guidance, width=width,
                                         height=height, scheduler=scheduler, dtype=dtype, device=device).items()
                  if v is not None}
        if chosen or negative or any(slots.values()):
            raise InputError(
                f"--card fixes every setting; drop {', '.join('--' + k for k in chosen) or 'the prompt options'} "
                "(only --seed and --count may be combined with --card)"
            )
        base = cards.read(card).recipe
        first = base.seed if seed is None else seed
    else:
        skeleton = Skeleton(**slots)
        if prompt and not skeleton.is_empty():
            raise InputError("give either --prompt or skeleton slots (--subject, --style ...), not both")
        text = prompt or skeleton.compose()
        if not text.strip():
            raise InputError("nothing to generate: give --prompt TEXT or --subject TEXT")
        if scheduler is not None:
            samplers.get(scheduler)
        manifest = models.load(studio, model or studio.default_model)
        first = secrets.randbelow(2**32) if seed is None else seed
        try:
            base = Recipe(
                prompt=text, negative=negative, skeleton=skeleton, model=manifest.ref(), seed=first,
                steps=steps or 20, guidance=7.0 if guidance is None else guidance,
                width=width or manifest.size, height=height or manifest.size,
                scheduler=SchedulerSpec(name=scheduler or "euler"),
                dtype=dtype or "auto", device=device or "auto",
            )
        except ValidationError as exc:
            raise InputError(option_errors(exc)) from exc
    if first < 0 or first + count > 2**64:
        raise InputError(f"--seed must be between 0 and 2**64 - count (got {first})")
    return [base.model_copy(update={"seed": first + i}) for i in range(count)]


def option_errors(exc) -> str:
    parts = []
    for error in exc.errors():
        option = "--" + str(error["loc"][0]).replace("_", "-") if error["loc"] else "options"
        parts.append(f"{option} {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)
