"""The licences of the model and of every LoRA the recipe applies, against the brief's intended use."""

from __future__ import annotations

from . import Context, Finding

NAME, ITEM = "licence", "licence"


def run(context: Context) -> Finding:
    model = context.recipe.model
    commercial = context.manifest.commercial if context.manifest else model.commercial
    licence = context.manifest.license if context.manifest else model.license
    use = context.brief.intended_use if context.brief else ""
    # the model first, then each LoRA, each checked exactly the same way
    weights = [(f"model {model.name}", licence, commercial)]
    weights += [(f"LoRA {lora.name}", lora.license, lora.commercial) for lora in context.recipe.loras]
    looked = "; ".join(f"{what} (licence {lic}, commercial {com})" for what, lic, com in weights)
    looked += f" for intended use {use or 'unknown'}"
    if not use:
        return Finding(NAME, ITEM, "n/a", None, "no brief, so no intended use to check against", looked)
    for what, lic, com in weights:
        if use == "commercial" and com is False:
            return Finding(NAME, ITEM, "fail", 1.0, f"{what} ({lic}) is not licensed for commercial "
                           "use; this brief is commercial", looked)
    for what, lic, com in weights:
        if use == "commercial" and com is None:
            return Finding(NAME, ITEM, "warn", 0.5, f"{what}'s commercial terms are not recorded; "
                           "re-register it with --commercial or --non-commercial", looked)
    return Finding(NAME, ITEM, "pass", 0.0, f"{' and '.join(lic for _, lic, _ in weights)} permit{'s' if len(weights) == 1 else ''} {use} use", looked)
