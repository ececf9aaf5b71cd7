"""Images, released files and contact sheets by id, with caching headers (the ETag is the file's SHA-256).

Files are looked up by id only, never by a path from the request, and a file the ledger places
outside the studio folder is answered 404 like one that does not exist.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from pressroom.context import Context
from pressroom.errors import NotFound
from pressroom.plays import images as image_plays
from pressroom.plays import releases
from pressroom.server.auth import Ctx
from pressroom.server.guards import unrooted

router = APIRouter(prefix="/api", tags=["files"])
TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}


def public(ctx: Context, value):
    """An answer without the server's own paths: paths inside the studio become studio-relative,
    wherever in a text they stand (a message quoting a file as well as a path on its own)."""
    if isinstance(value, dict):
        return {key: public(ctx, item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [public(ctx, item) for item in value]
    if isinstance(value, str):
        return unrooted(value, ctx.studio.root)
    return value


def image(ctx: Context, summary: dict) -> dict:
    return {**public(ctx, summary), "url": f"/api/images/{summary['id']}/file"}


def asset(ctx: Context, doc: dict) -> dict:
    return {**public(ctx, doc), "url": f"/api/assets/{doc['asset']}/file"}


def _send(ctx: Context, request: Request, path: Path, sha256: str, what: str) -> Response:
    path = Path(path).resolve()
    if not path.is_relative_to(ctx.studio.root) or not path.is_file():
        raise NotFound(f"{what} has no file in this studio")
    etag = f'"{sha256}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=31536000, immutable"}
    if etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return FileResponse(
        path, media_type=TYPES.get(path.suffix.lstrip(".").lower(), "application/octet-stream"), headers=headers
    )


@router.get("/images/{generation_id:int}/file", response_class=FileResponse)
def image_file(generation_id: int, request: Request, ctx: Ctx) -> Response:
    row = image_plays.get(ctx, generation_id)
    return _send(ctx, request, row.path(ctx.studio), row.file_sha256, f"generation {generation_id}")


@router.get("/assets/{asset_id:int}/file", response_class=FileResponse)
def asset_file(asset_id: int, request: Request, ctx: Ctx) -> Response:
    doc = releases.asset(ctx, asset_id)
    return _send(ctx, request, Path(doc["path"]), doc["sha256"], f"asset {asset_id}")


@router.get("/contact-sheets/{sha256}/file", response_class=FileResponse)
def contact_sheet(sha256: str, request: Request, ctx: Ctx) -> Response:
    """A concept sprint's contact sheet, by the SHA-256 its job's result names."""
    return _send(ctx, request, image_plays.stored_file(ctx, sha256, "contact-sheet"), sha256, "the contact sheet")


@router.get("/references/{sha256}/file", response_class=FileResponse)
def reference_file(sha256: str, request: Request, ctx: Ctx) -> Response:
    """A reference image, or the control map pressroom made from one, by the SHA-256 a recipe names."""
    return _send(ctx, request, image_plays.stored_file(ctx, sha256, ("reference", "control")), sha256, "the reference")
