"""Post on the image page: an operator hands the full-size file out to retouch in another tool (a
download, recorded), and brings the edited file back (an upload), which opens as a new version of
the image; a version edited outside pressroom shows what changed against its parent."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.responses import FileResponse

from pressroom.context import Context
from pressroom.errors import InputError
from pressroom.plays import post
from pressroom.server.pages import render
from pressroom.server.uploads import POST_KINDS, POST_SUFFIXES, uploaded

router = APIRouter(include_in_schema=False)
MEDIA = {"png": "image/png", "tiff": "image/tiff"}


@router.post("/images/{generation_id:int}/post-out")
def hand_out(request: Request, generation_id: int, format: str = Form("png")) -> Response:  # noqa: A002
    def act(ctx: Context):
        handout = post.hand_out(ctx, generation_id, format)
        return render.fragment("_handout.html", handout=handout, image=generation_id)

    return render.acted(request, act)


@router.get("/images/{generation_id:int}/handouts/{handout_id:int}")
def handed_out(request: Request, generation_id: int, handout_id: int) -> Response:
    """A file handed out: the download the hand-out button offers."""

    def answer(ctx: Context) -> Response:
        handout = post.handed_out(ctx, generation_id, handout_id)
        media = MEDIA["tiff" if handout.name.endswith(".tif") else "png"]
        return Response(
            handout.data,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{handout.name}"'},
        )

    return render.answered(request, answer)


@router.post("/images/{generation_id:int}/post-in")
def take_in(
    request: Request,
    generation_id: int,
    file: UploadFile | None = File(None),
    tool: str = Form(""),
    note: str = Form(""),
) -> Response:
    def act(ctx: Context):
        if file is None or not file.filename:
            raise InputError(f"choose the edited file: {POST_KINDS}", field="file")
        with uploaded(file, POST_SUFFIXES, POST_KINDS) as sent:
            row = post.take_in(ctx, generation_id, sent.path.read_bytes(), sent.name, tool, note)
        return Response(status_code=201, headers={"HX-Redirect": f"/images/{row.id}"})

    return render.acted(request, act)


@router.get("/images/{generation_id:int}/changes.png")
def changes(request: Request, generation_id: int) -> Response:
    """Where the image differs from its parent, as a heat map at the image's size."""
    return render.answered(request, lambda ctx: Response(post.heat_map(ctx, generation_id), media_type="image/png"))


@router.get("/images/{generation_id:int}/edited")
def edited(request: Request, generation_id: int) -> Response:
    """The edited file as it came back from the other tool, byte for byte."""

    def answer(ctx: Context) -> Response:
        path = post.kept_file(ctx, generation_id)
        return FileResponse(path, filename=f"image-{generation_id}-as-edited{path.suffix}")

    return render.answered(request, answer)
