"""The library: released assets found again by words (``fulltext``) or by look (pHash).

A search is answered a page at a time: the full-text index gives the ids of every match, and the
library's columns in memory (``shelves``) filter them, count the facets and hold every pHash, so
neither a common word nor ``similar`` reads row by row at 100,000 assets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from pressroom.domain import paging
from pressroom.domain.compare import fingerprint
from pressroom.errors import InputError
from pressroom.ledger import fulltext
from pressroom.ledger.db import LARGEST
from pressroom.ledger.tables import Release
from pressroom.plays import imports, releases
from pressroom.store import imagefiles, shelves

if TYPE_CHECKING:
    from pressroom.context import Context

BY_IDS = select(Release).where(Release.id.in_(bindparam("ids", expanding=True)))  # compiled once, cached


@dataclass
class Page:
    """One page of a search: the assets on it, how many match in all, and the facet counts."""

    releases: list[Release]
    total: int
    page: int
    limit: int
    order: str  # relevance | newest (see fulltext.matches)
    facets: dict[str, dict[str, int]]

    def as_dict(self, studio) -> dict:
        return {
            "total": self.total,
            "page": self.page,
            "limit": self.limit,
            "pages": max(1, -(-self.total // self.limit)),
            "order": self.order,
            "assets": [row.as_dict(studio) for row in self.releases],
            "facets": self.facets,
        }


def _since(since: str | None) -> date | None:
    if not since:
        return None
    try:
        return date.fromisoformat(since)
    except ValueError:
        raise InputError(f"since {since!r} must be a date like 2026-11-01", field="since") from None


def _columns(session: Session, studio=None) -> shelves.Shelves:
    """The library's columns, kept between processes in the studio's ``cache`` folder."""
    if studio is None:
        return shelves.current(session)
    import hashlib

    url = session.get_bind().url.render_as_string(hide_password=False)
    name = f"library-{hashlib.sha256(url.encode()).hexdigest()[:16]}.npz"
    return shelves.current(session, studio.root / "cache" / name, studio.root)


def search(
    session: Session,
    query: str,
    *,
    model: str | None = None,
    status: str | None = None,
    reviewer: str | None = None,
    since: str | None = None,
    brief: int | None = None,
    channel: str | None = None,
    limit: int = 20,
    page: int = 1,
    studio=None,
) -> Page:
    """One page of the released assets matching every word of ``query`` (all of them when it holds
    none) and every filter given."""
    start = _since(since)
    paging.checked(limit, page)
    if brief is not None and not 0 < brief <= LARGEST:
        raise InputError(f"brief must be 1..{LARGEST}", field="brief")
    held = _columns(session, studio)
    if query.strip():
        ids, order = fulltext.matches(session, query, held.words)
    else:  # no words: the whole library, newest first (what its page opens with)
        ids, order = held.ids[::-1], "newest"
    rows = held.where(
        held.rows_of(ids), model=model, status=status, reviewer=reviewer, since=start, brief=brief, channel=channel
    )
    chosen = held.ids[rows[(page - 1) * limit : page * limit]].tolist()
    found = {row.id: row for row in session.scalars(BY_IDS, {"ids": chosen})} if chosen else {}
    return Page([found[i] for i in chosen if i in found], len(rows), page, limit, order, held.facets(rows))


def similar(
    session: Session,
    path: Path | None = None,
    limit: int = 10,
    max_distance: int = 12,
    *,
    asset_id: int | None = None,
    studio=None,
) -> list[tuple[int, Release]]:
    """Released assets within ``max_distance`` bits of pHash of the image at ``path`` or of the
    asset ``asset_id`` (the asset itself left out), nearest first."""
    paging.checked(limit)
    if not 0 <= max_distance <= 64:
        raise InputError("max_distance must be 0..64 (bits of a 64-bit pHash)", field="max_distance")
    if (path is None) == (asset_id is None):
        raise InputError("give an image file or an asset id: one of the two, not both", field="asset")
    if asset_id is not None:
        probe = releases.get(session, asset_id).phash
    else:
        probe = fingerprint(imagefiles.load(path, "image")).phash
    near = _columns(session, studio).nearest(
        shelves.phash_int(probe), limit=limit, max_distance=max_distance, exclude=asset_id
    )
    rows = {row.id: row for row in session.scalars(BY_IDS, {"ids": [i for _, i in near]})} if near else {}
    return [(distance, rows[i]) for distance, i in near if i in rows]


# -- use cases ------------------------------------------------------------------------------------
def browse(ctx: Context, query: str, **filters) -> dict:
    """A page of released assets matching every word (prompts, briefs, tags, alt text), best first,
    with the total and the facet counts (model, brief, reviewer, status, channel, date); each asset
    says its reproducibility class."""
    with ctx.unit() as session:
        doc = search(session, query, studio=ctx.studio, **filters).as_dict(ctx.studio)
        known = imports.classes(session, [asset["generation"] for asset in doc["assets"]])
    for asset in doc["assets"]:  # how far each can be made again (domain/reproducibility.py)
        asset["reproducibility"] = known[asset["generation"]]
    return doc


def find(ctx: Context, query: str, **filters) -> list[dict]:
    """The assets of one page of ``browse``."""
    return browse(ctx, query, **filters)["assets"]


def look_alike(
    ctx: Context, path: Path | None = None, limit: int = 10, *, asset_id: int | None = None, max_distance: int = 12
) -> list[dict]:
    """Released assets that look like the image at ``path`` (or like asset ``asset_id``), nearest first."""
    with ctx.unit() as session:
        return [
            {**row.as_dict(ctx.studio), "distance": distance}
            for distance, row in similar(session, path, limit, max_distance, asset_id=asset_id, studio=ctx.studio)
        ]


def verify_file(ctx: Context | None, path: Path) -> dict:
    """The provenance of any file; a studio adds its root as the trust anchor."""
    from pressroom.store import provenance, signing

    return provenance.describe(path, signing.trust_anchors(ctx.studio if ctx else None))


def passes(doc: dict) -> bool:
    """Whether a file's provenance (``verify_file``) holds: its signature is Trusted or Valid."""
    from pressroom.store import provenance

    return doc["c2pa"] in provenance.PASSING
