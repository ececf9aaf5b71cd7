"""The library: released assets found again by words (``fulltext``) or by look (pHash)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import fulltext, imagefiles, reviews
from .compare import fingerprint, hash_distance
from .errors import InputError
from .generations import Generation
from .releases import Release

if TYPE_CHECKING:
    from .context import Context


def search(session: Session, query: str, *, model: str | None = None, status: str | None = None,
           reviewer: str | None = None, since: str | None = None) -> list[Release]:
    ids = fulltext.find(session, query)
    if not ids:
        return []
    statement = (select(Release).join(Generation, Generation.id == Release.generation_id)
                 .where(Release.id.in_(ids)))
    if model:
        statement = statement.where(Generation.model == model)
    if status:
        statement = statement.where(Generation.status == status)
    if reviewer:
        reviewed = select(reviews.Review.generation_id).where(reviews.Review.reviewer == reviewer)
        statement = statement.where(Release.generation_id.in_(reviewed))
    if since:
        try:
            start = datetime.combine(date.fromisoformat(since), datetime.min.time(), timezone.utc)
        except ValueError:
            raise InputError(f"since {since!r} must be a date like 2026-11-01", field="since") from None
        statement = statement.where(Release.at >= start)
    found = {row.id: row for row in session.scalars(statement)}
    return [found[i] for i in ids if i in found]


def similar(session: Session, path: Path, limit: int = 10, max_distance: int = 12) -> list[tuple[int, Release]]:
    mine = fingerprint(imagefiles.load(path, "image")).phash
    scored = sorted(((hash_distance(mine, r.phash), r) for r in session.scalars(select(Release))),
                    key=lambda pair: (pair[0], pair[1].id))
    return [(d, r) for d, r in scored if d <= max_distance][:limit]


# -- use cases ------------------------------------------------------------------------------------
def find(ctx: "Context", query: str, **filters) -> list[dict]:
    """Released assets matching every word (prompts, briefs, tags, alt text), best first."""
    with ctx.unit() as session:
        return [row.as_dict(ctx.studio) for row in search(session, query, **filters)]


def look_alike(ctx: "Context", path: Path, limit: int = 10) -> list[dict]:
    """Released assets that look like the image at ``path``, nearest first."""
    with ctx.unit() as session:
        return [{**row.as_dict(ctx.studio), "distance": distance} for distance, row in similar(session, path, limit)]


def verify_file(ctx: "Context | None", path: Path) -> dict:
    """The provenance of any file; a studio adds its root as the trust anchor."""
    from . import provenance, signing

    return provenance.describe(path, signing.trust_anchors(ctx.studio if ctx else None))
