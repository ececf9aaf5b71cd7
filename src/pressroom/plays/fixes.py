"""Fix and finish: repair a keeper's local flaw, keeping its lineage.

- inpaint: repaint under a mask (white = repaint). A mask over a third of the image is refused:
  regenerate instead (``--force`` overrides).
- refine: low-strength img2img over the whole image.
- upscale: a diffusers upscaler model when the studio has one registered (Stable Diffusion x4
  upscaler: factor 4); otherwise, or with ``upscaler="lanczos"``, a plain Lanczos resize,
  recorded as such.

A derivative's recipe names its parent (and mask) by SHA-256 and the operation with all its
parameters, so its card reproduces it from the parent image in the studio's asset store.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from pressroom.context import Context
from pressroom.domain.recipes import Recipe, SchedulerSpec, Skeleton, Source, check_denoising, check_seeds
from pressroom.errors import FixRefused, InputError
from pressroom.jobs import generations, kinds, landing, queue
from pressroom.ledger import events, rows
from pressroom.ledger.tables import Generation, Job
from pressroom.plays import briefs
from pressroom.store import imagefiles, ledgerfiles, models
from pressroom.store.assets import sha256_bytes
from pressroom.store.studio import Studio

MAX_MASK_SHARE = 1 / 3


def mask_share(mask) -> float:
    import numpy as np

    return float((np.asarray(mask.convert("L")) > 127).mean())


KIND = "fix"


def submit(
    ctx: Context,
    generation_id: int,
    *,
    inpaint: bytes | None = None,
    refine: bool = False,
    upscale: int | None = None,
    prompt: str | None = None,
    strength: float | None = None,
    seed: int | None = None,
    steps: int | None = None,
    upscaler: str | None = None,
    force: bool = False,
) -> Job:
    """Check the fix now (the person, the image, the mask, the settings), keep the mask in the
    studio and queue the fix as a job, the mask named by its SHA-256. The same fix asked for again
    while it is queued or running is the same job; once it is done, asking again is another fix."""
    chosen = [
        name
        for name, on in (("inpaint", inpaint is not None), ("refine", refine), ("upscale", upscale is not None))
        if on
    ]
    if len(chosen) != 1:
        raise InputError(
            "choose exactly one fix: inpaint (with a mask), refine, or upscale (with a factor)", field="op"
        )
    studio, actor = ctx.studio, ctx.actor.require("operator", "fix an image")
    mask = b""
    with ctx.unit() as session:
        parent = _parent(session, generation_id)
        if inpaint is not None:
            mask = _mask(inpaint, parent, force)
        request = {
            "generation": generation_id,
            "op": chosen[0],
            "mask": sha256_bytes(mask) if mask else "",
            "factor": upscale,
            "prompt": prompt,
            "strength": strength,
            "seed": seed,
            "steps": steps,
            "upscaler": upscaler,
        }
        _prepare(studio, parent, request)
    if mask:
        with ctx.unit() as session:
            ledgerfiles.put(studio, session, mask, "png", "mask")
    return queue.enqueue(
        studio, KIND, request, key=queue.request_key(KIND, request), requester=actor, total=1, fresh=True
    )


def fix(
    ctx: Context, generation_id: int, *, progress: Callable[[int, int], None] | None = None, **settings
) -> Generation:
    """Queue the fix (settings as ``submit`` takes them) and see it through, in this process unless
    workers are running; returns the derivative."""
    from pressroom.jobs import worker

    job = submit(ctx, generation_id, **settings)
    return outcome(ctx.studio, worker.finish(ctx.studio, job.id, progress=progress))


def outcome(studio: Studio, job: Job) -> Generation:
    """The derivative a finished fix job made (its failure or cancellation as an error)."""
    return landing.rows(studio, [queue.result(job)["generation"]])[0]


@kinds.handles("fix")
def run_job(studio: Studio, job: Job, lease: queue.Lease) -> dict:
    """The worker's handler: the derivative in one transaction under the lease, then its event, once."""
    request = job.payload
    with studio.session() as session:
        actor = landing.requester(session, job, "operator", "fix an image")
        parent = _parent(session, request["generation"])
    recipe, strength = _prepare(studio, parent, request)
    op = recipe.source.op
    labels = dict(
        brief_id=parent.brief_id,
        recipe_id=parent.recipe_id,
        parent_id=parent.id,
        play="fix",
        operation=op,
        slot_value=parent.slot_value,
        style=parent.style,
        **generations.made_by(actor),
    )
    made = landing.land(studio, lease, [recipe], [labels], ["derivative"]).ids["derivative"]

    def record(session) -> int:
        events.record(
            session,
            actor,
            f"fix.{op}",
            brief_id=parent.brief_id,
            objects={"parent": parent.id, "generation": made},
            strength=strength,
            mask=request["mask"],
            factor=request["factor"],
        )
        return made

    return {"generation": lease.once("event", record)}


def _parent(session, generation_id: int) -> Generation:
    parent = rows.get(session, Generation, generation_id)
    if parent.brief_id is not None:
        briefs.ready(session, parent.brief_id)
    return parent


def _mask(data: bytes, parent: Generation, force: bool) -> bytes:
    """The mask as a greyscale PNG, once it is readable, at the image's size and not over a third of it."""
    mask = imagefiles.load(data, "the mask", field="mask", hint="paint it as a PNG, white where to repaint")
    if mask.size != (parent.width, parent.height):
        raise InputError(
            f"the mask is {mask.width}x{mask.height} but the image is {parent.width}x{parent.height}; "
            "paint the mask at the image's size"
        )
    share = mask_share(mask)
    if share > MAX_MASK_SHARE and not force:
        raise FixRefused(
            f"the mask covers {share:.0%} of the image, more than a third: regenerate instead", field="force"
        )
    buffer = io.BytesIO()
    mask.convert("L").save(buffer, format="PNG")
    return buffer.getvalue()


def _prepare(studio: Studio, parent: Generation, request: dict) -> tuple[Recipe, float]:
    """The derivative's recipe (its source naming the parent, and the mask by SHA-256) and strength."""
    base = parent.parsed_recipe()
    if parent.width % 8 or parent.height % 8:  # an image that came back from another tool may be any size
        raise FixRefused(
            f"image {parent.id} is {parent.width}x{parent.height}; a fix needs each side a multiple of 8 "
            f"(the size a model draws at): crop it to {parent.width // 8 * 8}x{parent.height // 8 * 8} in the "
            "other tool and bring it back, then fix that version",
            field="generation",
        )
    op, mask_sha, upscale, upscaler = request["op"], request["mask"], request["factor"], request["upscaler"]
    strength = request["strength"]
    # the parent already holds what its references gave it: a derivative works from the parent alone
    updates: dict = {"batch_size": 1, "batch_index": 0, "conditioning": []}
    if request["prompt"] is not None:
        if not request["prompt"].strip():
            raise InputError("prompt must not be empty", field="prompt")
        updates.update(prompt=request["prompt"], skeleton=Skeleton())
    if request["seed"] is not None:
        check_seeds(request["seed"])
        updates["seed"] = request["seed"]
    if request["steps"] is not None:
        if request["steps"] < 1:
            raise InputError("steps must be at least 1", field="steps")
        updates["steps"] = request["steps"]
    if op in ("inpaint", "refine"):  # a repair keeps the parent's size, whatever the family's defaults
        updates.update(width=parent.width, height=parent.height)
    if op == "inpaint":
        strength = 1.0 if strength is None else strength
    elif op == "refine":
        strength = 0.3 if strength is None else strength
    else:
        if upscale not in (2, 3, 4):
            raise InputError(f"upscale takes 2, 3 or 4 (got {upscale})", field="upscale")
        imagefiles.check_size(
            parent.width * upscale,
            parent.height * upscale,
            f"a {upscale}x upscale",
            "upscale",
            "use a smaller factor, or upscale a crop",
        )
        strength = 1.0
        updates.update(width=parent.width * upscale, height=parent.height * upscale)
        model = None if upscaler == "lanczos" else models.upscaler(studio, upscaler)
        if model is not None and models.UPSCALERS[model.pipeline] != upscale:
            if upscaler:
                raise InputError(
                    f"upscaler {model.name!r} enlarges {models.UPSCALERS[model.pipeline]}x; use upscale "
                    f"{models.UPSCALERS[model.pipeline]} or the lanczos upscaler",
                    field="upscaler",
                )
            model = None  # the factor asked for is not the model's: a plain resize, recorded as such
        if model is not None:
            updates.update(model=model.ref(), engine=model.engine, scheduler=SchedulerSpec(name="default"))
    if not 0 < strength <= 1:
        raise InputError(f"strength must be in (0, 1] (got {strength})", field="strength")
    fix_steps = updates.get("steps", base.steps)
    if op != "upscale":
        check_denoising(strength, fix_steps, "strength", "strength")
    method = ("model" if "model" in updates else "lanczos") if op == "upscale" else ""
    updates["source"] = Source(
        op=op,
        strength=strength,
        mask_sha256=mask_sha,
        factor=upscale or 1,
        method=method,
        parent_sha256=parent.file_sha256,
        parent_pixel_sha256=parent.pixel_sha256,
    )
    updates["references"] = [parent.file_sha256] + ([mask_sha] if mask_sha else [])
    return base.model_copy(update=updates), strength
