"""Automated pre-checks: they assist the reviewer and never replace the decision.

Each check is one module with ``NAME``, the checklist ``ITEM`` it informs, and
``run(context) -> Finding``; every one runs offline on what the context holds. ``run_all`` runs
them all on one image; ``pressroom check`` and ``pressroom review`` show the findings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL.Image import Image

    from ..briefs import BriefSpec
    from ..models import Manifest
    from ..recipes import Recipe

RESULTS = ("pass", "warn", "fail", "n/a")

# one module per check, in the order they are shown
MODULES = ("faces", "text", "nsfw", "terms", "licence", "alttext", "palette", "resolution", "sharpness",
           "duplicates")


@dataclass(frozen=True)
class Finding:
    name: str
    item: str  # the checklist item it informs
    result: str  # pass | warn | fail | n/a
    score: float | None
    detail: str
    looked_at: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Context:
    image: "Image"
    recipe: "Recipe"
    generation_id: int
    brief: "BriefSpec | None" = None
    manifest: "Manifest | None" = None
    alt_text: str = ""
    siblings: dict[int, str] = field(default_factory=dict)  # other images of the set: id -> pHash
    config: dict[str, Any] = field(default_factory=dict)  # the studio's [checks] table
    print_size_in: tuple[float, float] | None = None  # the target physical size, for print


def all_checks() -> list:
    return [import_module(f"{__name__}.{name}") for name in MODULES]


def run_all(context: Context) -> list[Finding]:
    findings = []
    for check in all_checks():
        try:
            findings.append(check.run(context))
        except Exception as exc:  # a broken helper must not hide the others; the reviewer sees why
            findings.append(Finding(check.NAME, check.ITEM, "n/a", None, f"the check could not run: {exc}",
                                    "nothing: the check failed before it could look"))
    return findings
