"""The making plays: concept sprint, rank, direction, lock (with reference images uploaded first), volume, fix,
post (an image handed out to another tool and the edited file brought back), cull.

The long plays (concept sprint, lock, volume, fix) are checked now and queued: they answer 202
with the job and its URL in Location, and `pressroom worker` runs them. `GET /api/jobs/{id}`
gives a job's state and progress, `GET /api/jobs/{id}/events` streams them as they change.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile
from pydantic import BaseModel, Field

from pressroom.domain.recipes import parse_assignment
from pressroom.errors import InputError
from pressroom.plays import concepts, culls, fixes, lockin, post, volume
from pressroom.plays import images as image_plays
from pressroom.server.auth import Ctx
from pressroom.server.routes.files import image, public
from pressroom.server.routes.jobs import queued
from pressroom.server.uploads import POST_KINDS, POST_SUFFIXES, uploaded

router = APIRouter(prefix="/api", tags=["plays"])


class Sprint(BaseModel):
    styles: list[str]
    per_style: int | None = None
    steps: int | None = None
    models: list[str] | None = None
    seed: int = 1


class Ranking(BaseModel):
    generations: list[int] = Field(description="Candidates, best first.")


class Direction(BaseModel):
    generation: int


class Lock(BaseModel):
    from_generation: int | None = None
    template: str | None = None
    slot: str = "subject"
    seed: int | None = None
    steps: int | None = None
    guidance: float | None = None
    width: int | None = None
    height: int | None = None
    scheduler: str | None = None
    negative: str | None = None
    references: list[str] = Field(
        default_factory=list,
        description="NAME:SHA256[:WEIGHT]: a registered IP-Adapter "
        "or ControlNet (or img2img) and a reference uploaded to /api/references.",
    )


class Volume(BaseModel):
    vary: list[str] = Field(
        description="SLOT=VALUE, one per value of the declared slot (reference=SHA256 for a "
        "reference slot: an image uploaded to /api/references)."
    )
    seeds: int = 4
    batch_size: int | None = None
    check: bool = False


class Cull(BaseModel):
    generations: list[int]
    keep: bool
    reason: str = ""


@router.post("/briefs/{brief_id}/concepts", status_code=202)
def sprint(brief_id: int, body: Sprint, response: Response, ctx: Ctx) -> dict:
    """Queue a concept sprint (cheap variations across 3 to 5 styles); its result names the images
    and the contact sheet."""
    job = concepts.submit(
        ctx, brief_id, body.styles, per_style=body.per_style, steps=body.steps, model_names=body.models, seed=body.seed
    )
    return queued(job, response)


@router.post("/briefs/{brief_id}/rank")
def rank(brief_id: int, body: Ranking, ctx: Ctx) -> list[dict]:
    return concepts.rank(ctx, brief_id, body.generations)


@router.post("/briefs/{brief_id}/direction")
def direction(brief_id: int, body: Direction, ctx: Ctx) -> dict:
    return public(ctx, concepts.approve_direction(ctx, brief_id, body.generation))


@router.post("/briefs/{brief_id}/lock", status_code=202)
def lock(brief_id: int, body: Lock, response: Response, ctx: Ctx) -> dict:
    """Queue the lock-in pass: the hero at final settings, reproduced in a fresh pipeline. Its
    result names the recipe and the figures; a failed lock is a result (the brief pauses)."""
    return queued(lockin.submit(ctx, brief_id, **body.model_dump()), response)


@router.post("/recipes/{recipe_id}/volume", status_code=202)
def run_volume(recipe_id: int, body: Volume, response: Response, ctx: Ctx) -> dict:
    """Queue a volume run (checked now, run by `pressroom worker`); follow it at /api/jobs/{id}."""
    job = volume.submit(
        ctx,
        recipe_id,
        [parse_assignment(item) for item in body.vary],
        body.seeds,
        batch_size=body.batch_size,
        prechecks=body.check,
    )
    return queued(job, response)


@router.post("/references", status_code=201)
def reference(file: UploadFile, ctx: Ctx) -> dict:
    """Keep a reference image (PNG, JPEG or WebP) in the studio; a lock's references and a volume run's
    reference slot name it by the SHA-256 this answers."""
    with uploaded(file) as sent:
        return image_plays.upload_reference(ctx, sent.path.read_bytes())


@router.post("/images/{generation_id}/post-out")
def post_out(
    generation_id: int,
    ctx: Ctx,
    format: Annotated[str, Form(description="png or tiff")] = "png",  # noqa: A002
) -> Response:
    """The image's full-size master, signed, to retouch in another tool (operator); who took it is recorded."""
    handout = post.hand_out(ctx, generation_id, format)
    return Response(
        handout.data,
        media_type="image/tiff" if format == "tiff" else "image/png",
        headers={"Content-Disposition": f'attachment; filename="{handout.name}"', "X-Handout": str(handout.id)},
    )


@router.post("/images/{generation_id}/post-in", status_code=201)
def post_in(
    generation_id: int,
    ctx: Ctx,
    file: Annotated[UploadFile, File(description="The edited file: PNG, JPEG, WebP, TIFF (8 or 16 bit) or PSD.")],
    tool: Annotated[str, Form(description='The tool it was edited in, with its version: "Photoshop 27.1".')] = "",
    note: Annotated[str, Form()] = "",
) -> dict:
    """Bring an edited file back as a new version of the image (operator), made by the acting person."""
    with uploaded(file, POST_SUFFIXES, POST_KINDS) as sent:
        row = post.take_in(ctx, generation_id, sent.path.read_bytes(), sent.name, tool, note)
    return {**image(ctx, row.summary(ctx.studio)), "post": post.facts(ctx, row.id)}


@router.post("/images/{generation_id}/fix", status_code=202)
def fix(
    generation_id: int,
    response: Response,
    ctx: Ctx,
    op: Annotated[str, Form(description="inpaint (with a mask), refine or upscale")],
    mask: Annotated[
        UploadFile | None,
        File(description="For inpaint: a PNG at the image's size, white where to repaint (at most a third of it)."),
    ] = None,
    factor: Annotated[int | None, Form(description="For upscale: the factor.")] = None,
    prompt: Annotated[str | None, Form()] = None,
    strength: Annotated[float | None, Form()] = None,
    seed: Annotated[int | None, Form()] = None,
    steps: Annotated[int | None, Form()] = None,
    upscaler: Annotated[str | None, Form()] = None,
    force: Annotated[bool, Form(description="Inpaint even under a mask over a third of the image.")] = False,
) -> dict:
    """Queue a fix of a keeper: inpaint under an uploaded mask, a low-strength refine, or an upscale.
    The derivative keeps its lineage (its recipe names the parent and the mask by SHA-256)."""
    if op not in ("inpaint", "refine", "upscale"):
        raise InputError(f"op must be inpaint, refine or upscale (got {op!r})", field="op")
    if (op == "inpaint") != (mask is not None):
        raise InputError("an inpaint needs a mask file (and only an inpaint takes one)", field="mask")
    if op == "upscale" and factor is None:
        raise InputError("an upscale needs its factor (e.g. 2 or 4)", field="factor")
    job = fixes.submit(
        ctx,
        generation_id,
        inpaint=mask.file.read() if mask is not None else None,
        refine=op == "refine",
        upscale=factor if op == "upscale" else None,
        prompt=prompt,
        strength=strength,
        seed=seed,
        steps=steps,
        upscaler=upscaler,
        force=force,
    )
    return queued(job, response)


@router.get("/images")
def images(
    ctx: Ctx, brief: int | None = None, recipe: int | None = None, status: str | None = None, limit: int | None = None
) -> list[dict]:
    """Images, newest first: a brief's, a recipe's, by cull status."""
    return [image(ctx, doc) for doc in image_plays.listing(ctx, limit, brief_id=brief, recipe_id=recipe, status=status)]


@router.post("/cull")
def cull(body: Cull, ctx: Ctx) -> list[dict]:
    return public(ctx, culls.cull(ctx, body.generations, keep=body.keep, reason=body.reason))
