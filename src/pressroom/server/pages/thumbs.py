"""Thumbnails for the pages: small WebP files named by their source's SHA-256 and edge, made once.

A contact sheet of hundreds of images loads these instead of the full files; the name changes
whenever the source's content does, so the server can tell browsers to keep them for a year.
"""

from __future__ import annotations

import io
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from pressroom.errors import InputError, PressroomError
from pressroom.jobs import generations
from pressroom.plays import releases
from pressroom.server.pages import render
from pressroom.store import files, imagefiles
from pressroom.store.studio import Studio

EDGES = (256, 768)  # the longest side: a sheet's tile, a page's large view
FOLDER = Path("cache") / "thumbs"
router = APIRouter(include_in_schema=False)


def thumbnail(studio: Studio, source: Path, sha256: str, edge: int) -> Path:
    """The WebP thumbnail of ``source`` (whose content hash is ``sha256``), at most ``edge`` pixels a side."""
    if edge not in EDGES:
        raise InputError(f"a thumbnail is {' or '.join(map(str, EDGES))} pixels wide, not {edge}", field="edge")
    path = studio.root / FOLDER / f"{sha256}-{edge}.webp"
    if path.is_file():
        return path
    with imagefiles.opened(source, "the image") as image:
        small = image.convert("RGB")
        if max(small.size) > edge:
            small.thumbnail((edge, edge))
        elif max(small.size) < edge // 2:  # a 64-pixel image would be a speck on the sheet: scale it up, crisp
            factor = max(1, edge // 2 // max(small.size))
            small = small.resize((small.width * factor, small.height * factor), resample=0)
        out = io.BytesIO()
        small.save(out, "WEBP", quality=82, method=4)
    return files.write(path, out.getvalue(), scratch=studio.root)


@router.get("/thumbs/{generation_id:int}/{edge:int}.webp")
def served(request: Request, generation_id: int, edge: int) -> Response:
    """A generation's thumbnail, for a signed-in browser, with headers that let it keep the file."""

    def source(ctx):
        row = generations.get(ctx.studio, generation_id)
        return row.path(ctx.studio), row.file_sha256

    return _answer(request, source, edge)


@router.get("/thumbs/assets/{asset_id:int}/{edge:int}.webp")
def served_asset(request: Request, asset_id: int, edge: int) -> Response:
    """A released file's thumbnail (a channel's rendition shows as it was cropped)."""

    def source(ctx):
        doc = releases.asset(ctx, asset_id)
        return Path(doc["path"]), doc["sha256"]

    return _answer(request, source, edge)


def _answer(request: Request, source, edge: int) -> Response:
    ctx = render.viewer(request)
    if ctx is None:
        return Response(status_code=401)
    try:
        path = thumbnail(ctx.studio, *source(ctx), edge)
    except PressroomError as exc:
        return Response(str(exc), status_code=exc.http_status, media_type="text/plain")
    etag = f'"{path.stem}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=31536000, immutable"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type="image/webp", headers=headers)
