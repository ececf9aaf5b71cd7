"""Release, the library (search, similar by upload, reproduce, verify an uploaded file), the team's
metrics and the event log."""

from __future__ import annotations

from fastapi import APIRouter, UploadFile
from pydantic import BaseModel

from pressroom.errors import InputError
from pressroom.plays import events, library, metrics, release_plan, releases, reproduction
from pressroom.server.auth import Ctx
from pressroom.server.routes.files import asset
from pressroom.server.uploads import uploaded

router = APIRouter(prefix="/api", tags=["library"])


class Release(BaseModel):
    channels: list[str] | None = None
    formats: list[str] | None = None


@router.post("/briefs/{brief_id}/release", status_code=201)
def release(brief_id: int, body: Release, ctx: Ctx) -> list[dict]:
    """Release the brief's approved images (the library keeper's play)."""
    return [asset(ctx, row.as_dict(ctx.studio)) for row in releases.release(ctx, brief_id, body.channels, body.formats)]


@router.post("/briefs/{brief_id}/release/preview")
def release_preview(brief_id: int, body: Release, ctx: Ctx) -> dict:
    """What the release would write, nothing written: each approved image's renditions with their
    crop box, enlargement and warnings, and how many files are new."""
    return release_plan.preview(ctx, brief_id, body.channels, body.formats)


@router.get("/library")
def search(
    ctx: Ctx,
    q: str = "",
    model: str | None = None,
    status: str | None = None,
    reviewer: str | None = None,
    since: str | None = None,
    brief: int | None = None,
    channel: str | None = None,
    limit: int = 20,
    page: int = 1,
) -> list[dict]:
    """One page of the matching assets (the total and facets: ``/api/library/page``)."""
    return [
        asset(ctx, doc)
        for doc in library.find(
            ctx,
            q,
            model=model,
            status=status,
            reviewer=reviewer,
            since=since,
            brief=brief,
            channel=channel,
            limit=limit,
            page=page,
        )
    ]


@router.get("/library/page")
def search_page(
    ctx: Ctx,
    q: str = "",
    model: str | None = None,
    status: str | None = None,
    reviewer: str | None = None,
    since: str | None = None,
    brief: int | None = None,
    channel: str | None = None,
    limit: int = 20,
    page: int = 1,
) -> dict:
    """One page of the matching assets with the total and the facet counts."""
    doc = library.browse(
        ctx,
        q,
        model=model,
        status=status,
        reviewer=reviewer,
        since=since,
        brief=brief,
        channel=channel,
        limit=limit,
        page=page,
    )
    return {**doc, "assets": [asset(ctx, a) for a in doc["assets"]]}


@router.get("/assets/{asset_id}")
def show_asset(asset_id: int, ctx: Ctx) -> dict:
    return asset(ctx, releases.asset(ctx, asset_id))


@router.post("/verify")
def verify(file: UploadFile, ctx: Ctx) -> dict:
    """The provenance of an uploaded PNG, JPEG or WebP, against this studio's trust anchor."""
    with uploaded(file) as sent:
        return {**sent.said(library.verify_file(ctx, sent.path)), "file": sent.name}


@router.post("/library/similar")
def similar(file: UploadFile, ctx: Ctx, limit: int = 10) -> list[dict]:
    """Released assets that look like the uploaded image, nearest first (with their pHash distance)."""
    if not 1 <= limit <= 100:
        raise InputError(f"limit must be 1..100 (got {limit})", field="limit")
    with uploaded(file) as sent:
        return [asset(ctx, doc) for doc in library.look_alike(ctx, sent.path, limit)]


@router.post("/assets/{asset_id}/reproduce")
def reproduce(asset_id: int, ctx: Ctx) -> dict:
    """Regenerate a released file from the recipe it carries and judge it against the file:
    the verdict (exact, close, different) and all its figures."""
    done = reproduction.reproduce_asset(ctx, asset_id)
    return {
        "asset": asset_id,
        **done.comparison.as_dict(),
        "expected": f"asset {asset_id}'s released file",
        "warnings": done.warnings,
    }


@router.get("/metrics")
def report(ctx: Ctx, brief: int | None = None) -> dict:
    return metrics.report(ctx, brief)


@router.get("/log")
def log(ctx: Ctx, brief: int | None = None) -> list[dict]:
    return events.log(ctx, brief)
