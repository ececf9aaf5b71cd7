"""Automated pre-checks: they assist the reviewer and never replace the decision.

Each check is one module with ``NAME``, the checklist ``ITEM`` it informs, and
``run(context) -> Finding``; every one runs offline on what the context holds. ``run_all`` runs
them all on one image; ``pressroom check`` and ``pressroom review`` show the findings.

A check whose finding depends only on the pixels and a few named inputs declares
``inputs(context) -> tuple`` (faces, OCR, nsfw: none besides the pixels; the palette: the brief's
brand colours), and ``run_all`` remembers its finding per image content and those inputs for the
life of the process: a review sheet opened again by a team on the server does not run OCR again.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL.Image import Image

    from pressroom.domain.brief import BriefSpec
    from pressroom.domain.recipes import Recipe
    from pressroom.store.models import Manifest
    from pressroom.store.tools import Terms

RESULTS = ("pass", "warn", "fail", "n/a")

# one module per check, in the order they are shown
MODULES = ("faces", "text", "nsfw", "terms", "licence", "alttext", "palette", "resolution", "sharpness", "duplicates")


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
    image: Image
    recipe: Recipe
    generation_id: int
    brief: BriefSpec | None = None
    manifest: Manifest | None = None
    alt_text: str = ""
    siblings: dict[int, str] = field(default_factory=dict)  # other images of the set: id -> pHash
    config: dict[str, Any] = field(default_factory=dict)  # the studio's [checks] table
    print_size_in: tuple[float, float] | None = None  # the target physical size, for print
    tool: Terms | None = None  # the tool an image from elsewhere was made with, and its licence terms


def all_checks() -> list:
    return [import_module(f"{__name__}.{name}") for name in MODULES]


REMEMBERED = 1024  # remembered findings kept, the oldest dropped first
_remembered: OrderedDict[tuple, Finding] = OrderedDict()
_lock = threading.Lock()


def _pixels(image: Image) -> str:
    return hashlib.sha256(f"{image.mode}{image.size}".encode() + image.tobytes()).hexdigest()


def _remembered_as(check, context: Context, pixels: str | None) -> tuple | None:
    """What a check's finding is remembered under (its name, the pixels, its other inputs), or None
    when the check does not declare its inputs."""
    inputs = getattr(check, "inputs", None)
    return None if inputs is None else (check.NAME, pixels or _pixels(context.image), *inputs(context))


def run_all(context: Context) -> list[Finding]:
    findings, pixels = [], None
    for check in all_checks():
        key = _remembered_as(check, context, pixels)
        if key is not None:
            pixels = key[1]
            with _lock:
                known = _remembered.get(key)
            if known is not None:
                findings.append(known)
                continue
        try:
            found = check.run(context)
        except Exception as exc:  # a broken helper must not hide the others; the reviewer sees why
            findings.append(
                Finding(
                    check.NAME,
                    check.ITEM,
                    "n/a",
                    None,
                    f"the check could not run: {exc}",
                    "nothing: the check failed before it could look",
                )
            )
            continue
        findings.append(found)
        if key is not None:
            with _lock:
                _remembered[key] = found
                while len(_remembered) > REMEMBERED:
                    _remembered.popitem(last=False)
    return findings
