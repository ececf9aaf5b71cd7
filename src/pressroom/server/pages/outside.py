"""Images from other tools on a brief's page: uploaded as the brief's candidates, then kept or
rejected in a grid like a volume run's (the same keys and buttons); each then opens on its image
page to be reviewed, fixed and released like any other."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from pressroom.context import Context
from pressroom.errors import NotFound
from pressroom.plays import culls, imports
from pressroom.plays import images as image_plays
from pressroom.server.pages import render
from pressroom.server.pages.library import upload
from pressroom.server.uploads import uploaded

router = APIRouter(include_in_schema=False)


def candidates(ctx: Context, brief_id: int) -> dict:
    """What the brief page's section shows: the brief's images from other tools and their reasons."""
    images = image_plays.listing(ctx, brief_id=brief_id, play=imports.PLAY)
    return {
        "outside": images,
        "outside_reasons": culls.reasons(ctx, [image["id"] for image in images]),
        "choices": culls.REASONS,
    }


@router.post("/briefs/{brief_id:int}/outside")
def bring_in(request: Request, brief_id: int, file: UploadFile | None = File(None), tool: str = Form("")) -> Response:
    """An uploaded image filed as one of the brief's candidates; what became of it comes back."""

    def act(ctx: Context):
        with uploaded(upload(file)) as sent:
            data = sent.path.read_bytes()
            report = imports.upload(ctx, brief_id, data, sent.name, tool.strip() or None)
        return render.fragment("_brought_in.html", report=report.as_dict(), brief=brief_id)

    return render.acted(request, act)


@router.post("/briefs/{brief_id:int}/outside/cull")
def cull(
    request: Request, brief_id: int, generation: int = Form(...), keep: bool = Form(...), reason: str = Form("")
) -> Response:
    def act(ctx: Context):
        row = image_plays.get(ctx, generation)
        if row.brief_id != brief_id or row.play != imports.PLAY:
            raise NotFound(f"image {generation} is not an image brief {brief_id} brought in from another tool")
        culls.cull(ctx, [generation], keep=keep, reason="" if keep else reason)
        [shown] = image_plays.landed(ctx, [generation])  # the tile as it stands after the cull
        return render.fragment("_culltile.html", image=shown, reasons=culls.reasons(ctx, [generation]), can_cull=True)

    return render.acted(request, act)
