"""Prompt terms that name living artists or brands (lists configurable in ``[checks]``)."""

from __future__ import annotations

import re

from pressroom.checks import Context, Finding

NAME, ITEM = "terms", "artist-mimicry"

# Short starter lists; a studio extends them with `artists = [...]` and `brands = [...]` in [checks].
ARTISTS = ["greg rutkowski", "loish", "james jean", "beeple", "simon stalenhag", "wlop", "artgerm"]
BRANDS = ["nike", "adidas", "coca-cola", "apple", "disney", "marvel", "starbucks", "mcdonald's"]


def run(context: Context) -> Finding:
    prompt = context.recipe.prompt.lower()
    hits = []
    for kind, names in (
        ("artist", context.config.get("artists", ARTISTS)),
        ("brand", context.config.get("brands", BRANDS)),
    ):
        for name in names:
            if re.search(rf"(?<![a-z]){re.escape(name.lower())}(?![a-z])", prompt):
                hits.append(f"{kind} {name!r}")
    looked = (
        f"prompt text against {len(context.config.get('artists', ARTISTS))} artists and "
        f"{len(context.config.get('brands', BRANDS))} brands"
    )
    if not hits:
        return Finding(NAME, ITEM, "pass", 0.0, "no listed artist or brand named", looked)
    return Finding(
        NAME, ITEM, "fail", float(len(hits)), f"the prompt names {', '.join(hits)}: clear it or remove it", looked
    )
