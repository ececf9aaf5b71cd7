"""The library on the pages: search released files by words with facets (model, brief, reviewer,
status, channel, date), a page of thumbnails at a time; an asset's page with its provenance;
images that look like an asset or an uploaded file; reproduce an asset and see the verdict."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, File, Request, Response, UploadFile

from pressroom.context import Context
from pressroom.errors import InputError
from pressroom.plays import library, releases, reproduction
from pressroom.server.pages import fields, render
from pressroom.server.pages.release import named
from pressroom.server.uploads import uploaded

router = APIRouter(include_in_schema=False)
FACET_FILTER = {
    "model": "model",
    "brief": "brief",
    "reviewer": "reviewer",
    "status": "status",
    "channel": "channel",
    "date": "since",
}  # a date facet filters from that day on
PER_PAGE = 24
SIMILAR = 12


def upload(file: UploadFile | None) -> UploadFile:
    if file is None or not file.filename:
        raise InputError("choose or drop a PNG, JPEG or WebP file", field="file")
    return file


def _link(query: dict, **changes) -> str:
    """This search's address with ``changes`` (a value of None drops that filter); back to page 1
    unless the page is what changes."""
    values = {**query, "page": None, **changes}  # the page size (``limit``) is kept
    return "/library?" + urlencode({k: v for k, v in values.items() if v not in (None, "")})


@router.get("/library")
def search_page(
    request: Request,
    q: str = "",
    model: str = "",
    brief: str = "",
    reviewer: str = "",
    status: str = "",
    channel: str = "",
    since: str = "",
    page: str = "1",
    limit: str = "",
) -> Response:
    filters = {
        "model": model,
        "brief": brief,
        "reviewer": reviewer,
        "status": status,
        "channel": channel,
        "since": since,
    }
    query = {"q": q, **filters, "limit": limit}

    def build(ctx: Context) -> dict:
        shown = {
            "query": query,
            "link": lambda **changes: _link(query, **changes),
            "facet_filter": FACET_FILTER,
            "found": None,
            "failed": "",
            "active": [(name, value) for name, value in filters.items() if value],
        }
        try:  # no words: the whole library, newest first
            found = library.browse(
                ctx,
                q,
                model=model or None,
                status=status or None,
                reviewer=reviewer or None,
                since=since or None,
                brief=fields.whole(brief, "brief"),
                channel=channel or None,
                limit=fields.whole(limit, "limit") or PER_PAGE,
                page=fields.whole(page, "page") or 1,
            )
        except InputError as exc:  # a mistake in the search is shown beside the form, not as a page of its own
            return {**shown, "failed": str(exc)}
        return {**shown, "found": found}

    return render.shown(request, "library.html", build)


@router.get("/assets/{asset_id:int}")
def asset_page(request: Request, asset_id: int) -> Response:
    def build(ctx: Context) -> dict:
        [asset] = named([releases.traced(ctx, asset_id)])
        return {"asset": asset}

    return render.shown(request, "asset.html", build)


@router.post("/assets/{asset_id:int}/reproduce")
def reproduce(request: Request, asset_id: int) -> Response:
    def act(ctx: Context):
        done = reproduction.reproduce_asset(ctx, asset_id)
        return render.fragment(
            "_reproduced.html", asset=asset_id, comparison=done.comparison.as_dict(), warnings=done.warnings
        )

    return render.acted(request, act)


@router.get("/assets/{asset_id:int}/verified")
def verified(request: Request, asset_id: int) -> Response:
    """A released file's verify status (``pressroom verify`` on the file as it is now)."""

    def look(ctx: Context):
        doc = library.verify_file(ctx, Path(releases.asset(ctx, asset_id)["path"]))
        return render.fragment("_verified.html", verify=doc)

    return render.acted(request, look)


@router.get("/assets/{asset_id:int}/similar")
def similar_to_asset(request: Request, asset_id: int) -> Response:
    def look(ctx: Context):
        found = library.look_alike(ctx, limit=SIMILAR, asset_id=asset_id)
        return render.fragment("_similar.html", found=found, like=f"asset {asset_id}")

    return render.acted(request, look)


@router.post("/library/similar")
def similar_to_upload(request: Request, file: UploadFile | None = File(None)) -> Response:
    def act(ctx: Context):
        with uploaded(upload(file)) as sent:
            found = library.look_alike(ctx, sent.path, SIMILAR)
        return render.fragment("_similar.html", found=found, like=sent.name)

    return render.acted(request, act)
