"""Near-duplicates within the set: pHash distance to the other images of the brief."""

from __future__ import annotations

from pressroom.checks import Context, Finding
from pressroom.domain.compare import CLOSE_HASH_DISTANCE, fingerprint, hash_distance

NAME, ITEM = "duplicates", "duplicates"


def run(context: Context) -> Finding:
    if not context.siblings:
        return Finding(NAME, ITEM, "n/a", None, "no other images in the set", "pHash against 0 other images of the set")
    mine = fingerprint(context.image).phash
    near = sorted(
        (hash_distance(mine, phash), other)
        for other, phash in context.siblings.items()
        if other != context.generation_id
    )
    looked = f"pHash against {len(near)} other images of the set"
    close = [(d, g) for d, g in near if d <= CLOSE_HASH_DISTANCE]
    if not close:
        best = near[0][0] if near else None
        return Finding(NAME, ITEM, "pass", None if best is None else float(best), "no near-duplicate", looked)
    return Finding(
        NAME,
        ITEM,
        "warn",
        float(close[0][0]),
        "near-duplicate of " + ", ".join(f"#{g} (distance {d})" for d, g in close),
        looked,
    )
