"""Thumbnails for the pages, served to a signed-in browser with headers that let it keep them:
their name changes whenever their source's content does (``store/thumbnails.py`` makes them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from pressroom.context import Context
from pressroom.errors import LedgerAway, PressroomError
from pressroom.plays import images as image_plays
from pressroom.server.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/thumbs/{generation_id:int}/{edge:int}.webp")
def served(request: Request, generation_id: int, edge: int) -> Response:
    """A generation's thumbnail, for a signed-in browser, with headers that let it keep the file."""
    return _answer(request, lambda ctx: image_plays.thumbnail(ctx, generation_id, edge))


@router.get("/thumbs/assets/{asset_id:int}/{edge:int}.webp")
def served_asset(request: Request, asset_id: int, edge: int) -> Response:
    """A released file's thumbnail (a channel's rendition shows as it was cropped)."""
    return _answer(request, lambda ctx: image_plays.asset_thumbnail(ctx, asset_id, edge))


def _answer(request: Request, made: Callable[[Context], Path]) -> Response:
    ctx = render.viewer(request)
    if ctx is None:
        return Response(status_code=401)
    try:
        path = made(ctx)
    except LedgerAway:
        raise  # the app's handler answers it
    except PressroomError as exc:
        return Response(str(exc), status_code=exc.http_status, media_type="text/plain")
    etag = f'"{path.stem}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=31536000, immutable"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type="image/webp", headers=headers)
