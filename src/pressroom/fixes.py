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

from . import briefs, events, generations, imagefiles, ledgerfiles, models
from .context import Context
from .errors import FixRefused, InputError, NotFound
from .recipes import SchedulerSpec, Skeleton, Source, check_seeds

MAX_MASK_SHARE = 1 / 3



def mask_share(mask) -> float:
    import numpy as np

    return float((np.asarray(mask.convert("L")) > 127).mean())


def fix(
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
) -> generations.Generation:
    chosen = [name for name, on in (("--inpaint", inpaint is not None), ("--refine", refine),
                                    ("--upscale", upscale is not None)) if on]
    if len(chosen) != 1:
        raise InputError("choose exactly one of --inpaint MASK.png, --refine or --upscale N")
    studio, actor = ctx.studio, ctx.actor.require("operator", "fix an image")
    with ctx.unit() as session:
        parent = session.get(generations.Generation, generation_id)
        if parent is None:
            raise NotFound(f"no generation {generation_id}")
        if parent.brief_id is not None:
            briefs.ready(session, parent.brief_id)
    base = parent.parsed_recipe()
    source = dict(parent_sha256=parent.file_sha256, parent_pixel_sha256=parent.pixel_sha256)
    updates: dict = {"batch_size": 1, "batch_index": 0}
    if prompt is not None:
        if not prompt.strip():
            raise InputError("prompt must not be empty", field="prompt")
        updates.update(prompt=prompt, skeleton=Skeleton())
    if seed is not None:
        check_seeds(seed)
        updates["seed"] = seed
    if steps is not None:
        if steps < 1:
            raise InputError("steps must be at least 1", field="steps")
        updates["steps"] = steps
    mask_data = b""
    if inpaint is not None:
        mask = imagefiles.load(inpaint, "the mask", field="mask", hint="paint it as a PNG, white where to repaint")
        if mask.size != (parent.width, parent.height):
            raise InputError(f"the mask is {mask.width}x{mask.height} but the image is {parent.width}x{parent.height}; "
                             "paint the mask at the image's size")
        share = mask_share(mask)
        if share > MAX_MASK_SHARE and not force:
            raise FixRefused(
                f"the mask covers {share:.0%} of the image, more than a third: regenerate instead "
                "(or pass --force to inpaint anyway)"
            )
        buffer = io.BytesIO()
        mask.convert("L").save(buffer, format="PNG")
        mask_data = buffer.getvalue()
        strength = 1.0 if strength is None else strength
        op = "inpaint"
    elif refine:
        strength = 0.3 if strength is None else strength
        op = "refine"
    else:
        if upscale not in (2, 3, 4):
            raise InputError(f"upscale takes 2, 3 or 4 (got {upscale})", field="upscale")
        imagefiles.check_size(parent.width * upscale, parent.height * upscale, f"a {upscale}x upscale",
                              "upscale", "use a smaller factor, or upscale a crop")
        op, strength = "upscale", 1.0
        updates.update(width=parent.width * upscale, height=parent.height * upscale)
        model = None if upscaler == "lanczos" else models.upscaler(studio, upscaler)
        if model is not None and models.UPSCALERS[model.pipeline] != upscale:
            if upscaler:
                raise InputError(f"upscaler {model.name!r} enlarges {models.UPSCALERS[model.pipeline]}x; "
                                 f"use --upscale {models.UPSCALERS[model.pipeline]} or --upscaler lanczos")
            model = None  # the factor asked for is not the model's: a plain resize, recorded as such
        if model is not None:
            updates.update(model=model.ref(), engine=model.engine, scheduler=SchedulerSpec(name="default"))
    if not 0 < strength <= 1:
        raise InputError(f"strength must be in (0, 1] (got {strength})", field="strength")
    fix_steps = updates.get("steps", base.steps)
    if op != "upscale" and int(fix_steps * strength) < 1:
        raise InputError(f"strength {strength} of {fix_steps} steps leaves no denoising step; "
                         f"use a strength of at least {1 / fix_steps:.2f} or more --steps", field="strength")

    with ctx.unit() as session:
        mask_sha = ledgerfiles.put(studio, session, mask_data, "png", "mask") if mask_data else ""
    method = ("model" if "model" in updates else "lanczos") if op == "upscale" else ""
    updates["source"] = Source(op=op, strength=strength, mask_sha256=mask_sha, factor=upscale or 1, method=method,
                               **source)
    updates["references"] = [parent.file_sha256] + ([mask_sha] if mask_sha else [])
    recipe = base.model_copy(update=updates)
    labels = dict(brief_id=parent.brief_id, recipe_id=parent.recipe_id, parent_id=parent.id, play="fix",
                  operation=op, slot_value=parent.slot_value, style=parent.style, **generations.made_by(actor))
    row = generations.generate(studio, [recipe], labels=labels)[0]
    with ctx.unit() as session:
        events.record(session, actor, f"fix.{op}", brief_id=parent.brief_id,
                      objects={"parent": parent.id, "generation": row.id}, strength=strength,
                      mask=mask_sha, factor=upscale)
    return row
