"""Fix and finish on the pages: an operator paints the inpaint mask on the image (brush, eraser,
size; the share it covers shown live against the one-third rule) and inpaints under it, or
refines or upscales the image; the page follows the job and opens the derivative, which its own
page shows beside its parent."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from pressroom.context import Context
from pressroom.errors import InputError
from pressroom.plays import fixes
from pressroom.plays import images as image_plays
from pressroom.server.pages import fields, follow, render

router = APIRouter(include_in_schema=False)
OPS = ("inpaint", "refine", "upscale")


@router.get("/images/{generation_id:int}/fix")
def fix_page(request: Request, generation_id: int) -> Response:
    def build(ctx: Context) -> dict:
        row = image_plays.get(ctx, generation_id)
        return {"image": row.summary(ctx.studio), "limit": fixes.MAX_MASK_SHARE}

    return render.shown(request, "fix.html", build)


@router.post("/images/{generation_id:int}/fix")
def fix(
    request: Request,
    generation_id: int,
    op: str = Form(""),
    mask: UploadFile | None = File(None),
    prompt: str = Form(""),
    strength: str = Form(""),
    seed: str = Form(""),
    steps: str = Form(""),
    factor: str = Form(""),
    force: bool = Form(False),
) -> Response:
    # a plain def: FastAPI runs it in its thread pool, so the mask (already spooled) is read there too
    painted = mask.file.read() if mask is not None else None

    def act(ctx: Context):
        if op not in OPS:
            raise InputError(f"choose inpaint, refine or upscale (got {op!r})", field="op")
        if op == "inpaint" and not painted:
            raise InputError("paint the mask on the image first: white where to repaint", field="mask")
        job = fixes.submit(
            ctx,
            generation_id,
            inpaint=painted if op == "inpaint" else None,
            refine=op == "refine",
            upscale=(fields.whole(factor, "factor") or 2) if op == "upscale" else None,
            prompt=prompt.strip() or None,
            strength=fields.fraction(strength, "strength"),
            seed=fields.whole(seed, "seed"),
            steps=fields.whole(steps, "steps"),
            force=force,
        )
        return follow.following(job, then="/images/{generation}", label=op.capitalize())

    return render.acted(request, act)
