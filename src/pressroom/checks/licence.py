"""The model's licence against the brief's intended use."""

from __future__ import annotations

from . import Context, Finding

NAME, ITEM = "licence", "licence"


def run(context: Context) -> Finding:
    model = context.recipe.model
    commercial = context.manifest.commercial if context.manifest else model.commercial
    licence = context.manifest.license if context.manifest else model.license
    use = context.brief.intended_use if context.brief else ""
    looked = f"model {model.name} (licence {licence}, commercial {commercial}) for intended use {use or 'unknown'}"
    if not use:
        return Finding(NAME, ITEM, "n/a", None, "no brief, so no intended use to check against", looked)
    if use == "commercial" and commercial is False:
        return Finding(NAME, ITEM, "fail", 1.0, f"model {model.name} ({licence}) is not licensed for commercial "
                       "use; this brief is commercial", looked)
    if use == "commercial" and commercial is None:
        return Finding(NAME, ITEM, "warn", 0.5, f"model {model.name}'s commercial terms are not recorded; "
                       "re-register it with --commercial or --non-commercial", looked)
    return Finding(NAME, ITEM, "pass", 0.0, f"{licence} permits {use} use", looked)
