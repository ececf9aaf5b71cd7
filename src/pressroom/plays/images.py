"""Looking up and listing stored images for the front ends: a generation's row, its card, its
thumbnail, the images a job landed, and the files the ledger keeps (contact sheets, references)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import select

from pressroom.context import Context
from pressroom.domain import paging
from pressroom.domain.recipes import Recipe
from pressroom.jobs import generations, landing
from pressroom.ledger.tables import Generation
from pressroom.plays import imports, releases
from pressroom.store import cards, ledgerfiles, thumbnails
from pressroom.store.references import keep

STATUSES = generations.STATUSES


def listing(ctx: Context, limit: int | None = None, **filters) -> list[dict]:
    """The stored images, oldest first, filtered by ``brief_id``, ``recipe_id`` or ``status``; at most
    ``limit`` (all, when None: the CLI lists a whole studio)."""
    return [row.summary(ctx.studio) for row in generations.listing(ctx.studio, paging.checked(limit), **filters)]


def of_brief(ctx: Context, brief_id: int, limit: int | None = 200) -> list[dict]:
    """The brief's images, newest first, as ``id``, ``play`` and ``status`` alone (all of them when
    ``limit`` is None): what a page counts, or offers to compare with, without reading each recipe."""
    with ctx.unit() as session:
        query = select(Generation.id, Generation.play, Generation.status).where(Generation.brief_id == brief_id)
        query = query.order_by(Generation.id.desc())
        return [dict(row._mapping) for row in session.execute(query if limit is None else query.limit(limit))]


def get(ctx: Context, generation_id: int) -> Generation:
    """One stored image's row; NotFound if there is none."""
    return generations.get(ctx.studio, generation_id)


def landed(ctx: Context, ids: Sequence[int]) -> list[dict]:
    """The images with these ids (those a job landed), in this order."""
    return [row.summary(ctx.studio) for row in landing.rows(ctx.studio, ids)]


def card_text(ctx: Context, generation_id: int) -> str:
    """The recipe card of a stored image, as ``export`` writes it."""
    row = get(ctx, generation_id)
    with ctx.unit() as session:
        origin = imports.card_of(session, row)
    return cards.text_of(row, origin)


def thumbnail(ctx: Context, generation_id: int, edge: int) -> Path:
    """A stored image's WebP thumbnail, made on first use."""
    row = get(ctx, generation_id)
    return thumbnails.thumbnail(ctx.studio, row.path(ctx.studio), row.file_sha256, edge)


def asset_thumbnail(ctx: Context, asset_id: int, edge: int) -> Path:
    """A released file's WebP thumbnail (a channel's rendition shows as it was cropped)."""
    doc = releases.asset(ctx, asset_id)
    return thumbnails.thumbnail(ctx.studio, Path(doc["path"]), doc["sha256"], edge)


def stored_file(ctx: Context, sha256: str, kind: str | tuple[str, ...]) -> Path:
    """A file the ledger keeps by its SHA-256 (a contact sheet, a reference), if it is of ``kind``."""
    return ledgerfiles.stored(ctx.studio, sha256, kind)


def upload_reference(ctx: Context, data: bytes) -> dict:
    """Keep an uploaded reference image; a lock or a volume run then names it by its SHA-256
    (``--reference NAME:SHA256``, ``--vary reference=SHA256``)."""
    ctx.actor.require("operator", "store a reference image")
    with ctx.unit() as session:
        sha, image = keep(ctx.studio, session, data, "the uploaded reference")
    return {"sha256": sha, "width": image.width, "height": image.height}


def plan(ctx: Context, **options) -> list[Recipe]:
    """The recipes ``generate`` would run, checked before any work: one per seed."""
    return generations.plan(ctx.studio, **options)


def make(
    ctx: Context,
    recipes: Sequence[Recipe],
    *,
    batch_size: int = 1,
    progress: Callable[[Generation], None] | None = None,
) -> list[dict]:
    """Plain generation, outside any brief: each image kept with its recipe and recorded as made by
    the acting person, when known."""
    labels = generations.made_by(ctx.actor)
    rows = generations.generate(ctx.studio, recipes, batch_size=batch_size, progress=progress, labels=labels)
    return [row.summary(ctx.studio) for row in rows]
