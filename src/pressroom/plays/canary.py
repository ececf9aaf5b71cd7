"""The upgrade canary: re-reproduce a sample of locked heroes and released assets on the software and
hardware here now, and say per item and in total whether they still come out exact, close or
different, with the figures and what changed in the environment since each was made.

Run after a torch or diffusers upgrade (``pressroom audit --sample N``), it shows drift before a
client does. An item that cannot be run is reported, not fatal: weights that changed on disk are
refused naming the file and its hash, and the canary goes on to the next item.
"""

from __future__ import annotations

import platform
import time
from importlib import metadata as package_metadata
from typing import TYPE_CHECKING

from sqlalchemy import select

from pressroom.domain.compare import Fingerprint
from pressroom.domain.recipes import Recipe
from pressroom.errors import InputError, PressroomError
from pressroom.ledger.tables import Generation, LockedRecipe, Release
from pressroom.plays import releases
from pressroom.store.cards import Card

if TYPE_CHECKING:
    from pressroom.context import Context

WATCHED = ("torch", "diffusers", "transformers", "python", "device_name", "platform")
VERDICTS = ("exact", "close", "different", "refused")


def _version(package: str) -> str:
    try:
        return package_metadata.version(package)
    except package_metadata.PackageNotFoundError:
        return ""


def here() -> dict:
    """The software this process runs (the device is known once an item has run)."""
    return {
        "python": platform.python_version(),
        "torch": _version("torch"),
        "diffusers": _version("diffusers"),
        "transformers": _version("transformers"),
        "platform": platform.platform(),
    }


def _spread(ids: list[int], count: int) -> list[int]:
    """``count`` of ``ids`` spread evenly from the oldest to the newest (all of them if fewer)."""
    if len(ids) <= count:
        return ids
    step = (len(ids) - 1) / max(1, count - 1)
    return [ids[round(i * step)] for i in range(count)]


def sample(ctx: Context, count: int, brief_id: int | None = None) -> list[tuple[str, int]]:
    """Which items the canary runs: about half locked heroes, the rest released files."""
    from pressroom.ledger.tables import Imported, PostReturn

    with ctx.unit() as session:
        heroes = select(LockedRecipe.hero_generation_id).where(LockedRecipe.hero_generation_id.is_not(None)).distinct()
        assets = select(Release.id).where(
            Release.id.not_in(select(Imported.release_id).where(Imported.reproducible.is_(False))),
            # a file released from an image edited by hand in another tool cannot be regenerated
            Release.generation_id.not_in(select(PostReturn.generation_id)),
        )
        if brief_id is not None:
            heroes = heroes.where(LockedRecipe.brief_id == brief_id)
            assets = assets.where(Release.brief_id == brief_id)
        hero_ids = sorted(session.scalars(heroes))
        asset_ids = sorted(session.scalars(assets))
    take_heroes = min(len(hero_ids), max(count - len(asset_ids), (count + 1) // 2))
    return [("hero", i) for i in _spread(hero_ids, take_heroes)] + [
        ("asset", i) for i in _spread(asset_ids, count - take_heroes)
    ]


def _card(ctx: Context, kind: str, item: int) -> tuple[Card, str]:
    with ctx.unit() as session:
        if kind == "hero":
            row = session.get(Generation, item)
            return (
                Card(
                    recipe=row.parsed_recipe(),
                    expect=Fingerprint(row.pixel_sha256, row.phash, row.dhash),
                    file_sha256=row.file_sha256,
                    generation=row.id,
                ),
                row.file_sha256,
            )
        asset = releases.get(session, item)
        return Card(recipe=Recipe.model_validate(asset.recipe), expect=None), str(asset.file(ctx.studio))


def _changes(made: Recipe, now: dict) -> dict[str, list[str]]:
    """What differs between the environment an item was made in and this one: field -> [then, now]."""
    then = made.environment.model_dump() if made.environment else {}
    return {
        key: [then.get(key) or "", now.get(key) or ""]
        for key in WATCHED
        if key in now and (then.get(key) or "") != (now.get(key) or "") and then.get(key)
    }


def run(ctx: Context, count: int, brief_id: int | None = None, progress=None) -> dict:
    """Re-reproduce ``count`` sampled items; ``progress(total, item)`` after each one."""
    from pressroom.plays.reproduction import reproduce

    if not 1 <= count <= 1000:
        raise InputError("sample must be 1..1000", field="sample")
    if brief_id is not None:
        from pressroom.plays import briefs

        with ctx.unit() as session:
            briefs.get(session, brief_id)
    chosen = sample(ctx, count, brief_id)
    now = here()
    items = []
    for kind, item in chosen:
        started = time.perf_counter()
        entry: dict = {"kind": kind, "id": item}
        try:
            card, expect = _card(ctx, kind, item)
            done = reproduce(card, studio=ctx.studio, expect=expect)
        except PressroomError as exc:  # weights changed, a file gone: said, and the canary goes on
            entry.update(verdict="refused", reason=str(exc))
        else:
            ran = done.recipe.environment.model_dump() if done.recipe.environment else {}
            now["device_name"] = ran.get("device_name") or now.get("device_name", "")
            comparison = done.comparison
            entry.update(
                verdict=comparison.verdict,
                ssim=comparison.ssim,
                phash_distance=comparison.phash_distance,
                dhash_distance=comparison.dhash_distance,
                max_pixel_difference=comparison.max_pixel_difference,
                compared_with=done.expected,
                changed=_changes(card.recipe, ran),
            )
        entry["seconds"] = round(time.perf_counter() - started, 3)
        items.append(entry)
        if progress:
            progress(len(chosen), entry)
    totals = {verdict: sum(1 for i in items if i["verdict"] == verdict) for verdict in VERDICTS}
    changed: dict[str, set] = {}
    for entry in items:
        for key, (then, _now) in entry.get("changed", {}).items():
            changed.setdefault(key, set()).add(then)
    return {
        "items": items,
        "totals": totals,
        "sampled": len(items),
        "environment": now,
        "changed_since_made": {
            key: {"then": sorted(values), "now": now.get(key, "")} for key, values in changed.items()
        },
    }
