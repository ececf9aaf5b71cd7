"""The licences of the model and of every LoRA, IP-Adapter and ControlNet the recipe applies, against
the brief's intended use. An image made elsewhere is judged by its tool's licence (``[tools.NAME]``
in pressroom.toml), and by its model's where the file names one: a tool the studio records no
licence for fails, as weights with no licence terms would."""

from __future__ import annotations

from dataclasses import dataclass

from pressroom.checks import Context, Finding

NAME, ITEM = "licence", "licence"
NO_USE = "no brief, so no intended use to check against"
LABELS = {"model": "model", "lora": "LoRA", "ip-adapter": "IP-Adapter", "controlnet": "ControlNet", "tool": "tool"}
UNKNOWN_MODEL = "unknown"  # the model of an image from elsewhere whose file names none


@dataclass(frozen=True)
class Weights:
    """One set of weights the image was drawn with (the model, a LoRA or an adapter) and its licence terms."""

    kind: str  # "model", "lora", "ip-adapter", "controlnet" or "tool"
    name: str
    sha256: str | None  # a LoRA's file; a model's fingerprint over all its files
    license: str
    commercial: bool | None
    known: bool = True  # False: a tool the studio records no licence for

    @property
    def label(self) -> str:
        return f"{LABELS[self.kind]} {self.name}"


def weights_of(context: Context) -> list[Weights]:
    """The tool of an image made elsewhere, then the model (left out when such an image names none),
    then each LoRA in the order the recipe applies them, then each adapter."""
    model, tool = context.recipe.model, context.tool
    found = [] if tool is None else [Weights("tool", tool.name, None, tool.license, tool.commercial, tool.known)]
    if tool is None or context.manifest is not None or model.name != UNKNOWN_MODEL:
        found.append(
            Weights(
                "model",
                model.name,
                model.fingerprint if model.files else None,
                context.manifest.license if context.manifest else model.license,
                context.manifest.commercial if context.manifest else model.commercial,
            )
        )
    found += [Weights("lora", lora.name, lora.sha256, lora.license, lora.commercial) for lora in context.recipe.loras]
    return found + [
        Weights(r.adapter.kind, r.adapter.name, r.adapter.fingerprint, r.adapter.license, r.adapter.commercial)
        for r in context.recipe.conditioning
        if r.adapter is not None
    ]


def judge(weights: Weights, use: str) -> tuple[str, str]:
    """One set of weights against the intended use: (pass, warn, fail or n/a, why)."""
    if not use:
        return "n/a", NO_USE
    if not weights.known:
        return "fail", (
            f'{weights.label} has no licence on record; add [tools."{weights.name}"] with license and '
            "commercial to pressroom.toml"
        )
    if use == "commercial" and weights.commercial is False:
        return (
            "fail",
            f"{weights.label} ({weights.license}) is not licensed for commercial use; this brief is commercial",
        )
    if use == "commercial" and weights.commercial is None:
        return "warn", (
            f"{weights.label}'s commercial terms are not recorded; "
            "register it again saying whether its outputs may be used commercially"
        )
    return "pass", f"{weights.license} permits {use} use"


def intended_use(context: Context) -> str:
    return context.brief.intended_use if context.brief else ""


def run(context: Context) -> Finding:
    use, weights = intended_use(context), weights_of(context)
    looked = "; ".join(f"{w.label} (licence {w.license}, commercial {w.commercial})" for w in weights)
    looked += f" for intended use {use or 'unknown'}"
    verdicts = [judge(w, use) for w in weights]
    for worst, score in (("n/a", None), ("fail", 1.0), ("warn", 0.5)):
        for result, detail in verdicts:
            if result == worst:
                return Finding(NAME, ITEM, result, score, detail, looked)
    return Finding(
        NAME,
        ITEM,
        "pass",
        0.0,
        f"{' and '.join(w.license for w in weights)} permit{'s' if len(weights) == 1 else ''} {use} use",
        looked,
    )
