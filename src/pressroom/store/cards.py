"""Recipe cards: a recipe as a commented, self-contained TOML file.

A card holds everything needed to reproduce its image except the weights themselves, which it
names by the SHA-256 of every file, and the images its recipe reads (a parent, a mask, reference
images), which it names by the SHA-256 of their files and which travel beside it when it is exported. Its ``[card]`` table says what the image should be (file
and pixel hashes, pHash, dHash), so ``pressroom reproduce`` can judge the result by itself.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pressroom.domain.compare import Fingerprint
from pressroom.domain.recipes import Recipe
from pressroom.errors import CardError
from pressroom.store import files, tomlout

CARD_VERSION = 1

COMMENTS = {
    "card": "What the image should be: reproduce compares against these hashes (pixels, not file bytes).",
    "prompt": "The exact text sent to the text encoder.",
    "guidance": "The guidance scale (classifier-free guidance; FLUX.1 dev: its guidance embedding).",
    "negative": "The exact negative prompt (empty: none).",
    "seed": "Initial noise: one torch.Generator('cpu') per image, seeded with this number.",
    "batch_size": "The batch this image was made in. Batched and single runs differ by float rounding;\n"
    "reproducing at batch size 1 may give 'close' rather than 'exact' when this is above 1.",
    "skeleton": "The prompt slots, composed in this order (subject, context, composition, style, technical).",
    "model": "The weights, by the SHA-256 of every file. Reproduce refuses weights that differ.",
    "engine": "The engine that ran it (a name in pressroom's engine registry); reproduce runs the same one.",
    "max_sequence_length": "T5 tokens the pipeline is given (diffusers' max_sequence_length): the prompt is\n"
    "padded or cut to this many (SD3 without T5 pads its empty T5 input to it).",
    "ignored": "Settings this model is given but does not use: any value of them draws the same pixels.\n"
    "FLUX.1 has no negative prompt (pressroom runs it without true CFG); FLUX.1 schnell has no\n"
    "guidance embedding; SD, SDXL and SD3 use the negative prompt only at a guidance above 1.",
    "scheduler": "The scheduler's class and full config; `unset` lists config keys whose value is None.",
    "environment": "Where it ran. Exact pixels are promised only on the same software and hardware.",
    "card.reproducibility": "How far the image can be made again: exact (drawn here from this recipe),\n"
    "recorded (made elsewhere, its settings read from the file, not made again here) or none (a tool\n"
    "that hides its seed, a file with no metadata, an image edited by hand).",
    "card.why_not": "Why reproduce cannot make this image again: it refuses this card, saying so.",
}


@dataclass(frozen=True)
class Card:
    recipe: Recipe
    expect: Fingerprint | None
    file_sha256: str = ""
    generation: int | None = None
    why_not: str = ""  # why the image cannot be made again from this card ("" when it can)


def to_toml(
    recipe: Recipe,
    *,
    expect: Fingerprint | None = None,
    file_sha256: str = "",
    generation: int | None = None,
    origin: dict | None = None,
) -> str:
    """The card's text; ``origin`` (the tool, the reproducibility class and why the image cannot be
    made again, where it cannot) goes into its ``[card]`` table."""
    body = recipe.model_dump(exclude_none=True)
    scheduler = body.get("scheduler", {})
    config = scheduler.get("config")
    if config is not None:
        scheduler["config"] = {k: v for k, v in config.items() if v is not None}
        scheduler["unset"] = sorted(k for k, v in config.items() if v is None)
        # scalars must come before sub-tables in TOML; the writer orders them, keep keys stable
        scheduler = {k: scheduler[k] for k in ("name", "class_name", "unset", "config") if k in scheduler}
        body["scheduler"] = scheduler
    card: dict[str, Any] = {
        "version": CARD_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if generation is not None:
        card["generation"] = generation
    if file_sha256:
        card["file_sha256"] = file_sha256
    if expect is not None:
        card.update(pixel_sha256=expect.pixel_sha256, phash=expect.phash, dhash=expect.dhash)
    if origin:
        card.update(made_with=origin["tool"], reproducibility=origin["reproducibility"])
        if origin.get("reason") and origin["reproducibility"] != "exact":
            card["why_not"] = origin["reason"]
    header = (
        "pressroom recipe card: everything needed to reproduce this image but the weights,\n"
        "which are named below by SHA-256. Reproduce it with\n"
        "    pressroom reproduce THIS_CARD.toml [--model-path WEIGHTS]"
    )
    comments = dict(COMMENTS)
    if recipe.source is not None and recipe.source.by_hand:  # the card says plainly what it cannot do
        source = recipe.source
        comments["source"] = (
            f"EDITED BY HAND in {source.tool} outside pressroom, then brought back: this image CANNOT be\n"
            "regenerated. The recipe above is its parent's (the parent file is parent_sha256); the edited\n"
            f"file is named by edited_sha256 and came back at {source.width}x{source.height}."
            + (f"\nThe retoucher's note: {source.note}" if source.note else "")
        )
    for name in recipe.ignored or ():  # said again where the setting is written, in plain words
        comments[name] = "\n".join(
            filter(
                None, (COMMENTS.get(name), "IGNORED by this model (see `ignored`): any value draws the same pixels.")
            )
        )
    return tomlout.dumps({"card": card, **body}, comments, header)


def write(path: str | Path, recipe: Recipe, *, scratch: Path | None = None, field: str | None = None, **kwargs) -> Path:
    """Write a card with ``files.write`` (``scratch``: the studio, for a card it keeps itself)."""
    return files.write(path, to_toml(recipe, **kwargs).encode(), scratch=scratch, field=field)


def _line_of(text: str, loc: tuple) -> int | None:
    """The line number (1-based) where the field at ``loc`` is written, if it is."""
    names = [str(part) for part in loc if isinstance(part, str)]
    if not names:
        return None
    table: list[str] = []
    header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$")
    assign = re.compile(r'^\s*"?([A-Za-z0-9_.-]+)"?\s*=')
    best = None
    for number, line in enumerate(text.splitlines(), 1):
        if match := header.match(line):
            table = [p.strip().strip('"') for p in match.group(1).split(".")]
            if table == names:
                best = number
            continue
        if (match := assign.match(line)) and table + [match.group(1)] == names[: len(table) + 1]:
            if len(table) + 1 == len(names) or best is None:
                best = number
    return best


def parse(text: str, source: str = "card") -> Card:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CardError(f"{source} is not valid TOML: {exc}") from exc
    meta = data.pop("card", {})
    if not isinstance(meta, dict):
        raise CardError(f"{source}: [card] must be a table")
    scheduler = data.get("scheduler")
    if isinstance(scheduler, dict) and "unset" in scheduler:
        unset = scheduler.pop("unset")
        if isinstance(scheduler.get("config"), dict) and isinstance(unset, list):
            scheduler["config"].update({str(k): None for k in unset})
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = error["loc"]
            field = ".".join(str(p) for p in loc) or "card"
            line = _line_of(text, loc)
            where = f" (line {line})" if line else ""
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "missing":
                message = "is missing; add it"
            elif error["type"] == "extra_forbidden":
                message = "is not a recipe field; remove it or fix its spelling"
            problems.append(f"{field}{where} {message}")
        raise CardError(f"{source}: " + "; ".join(problems)) from exc
    expect = None
    if meta.get("pixel_sha256"):
        expect = Fingerprint(str(meta["pixel_sha256"]), str(meta.get("phash", "")), str(meta.get("dhash", "")))
    return Card(recipe, expect, str(meta.get("file_sha256", "")), meta.get("generation"), str(meta.get("why_not", "")))


def read(path: Path) -> Card:
    from pressroom.store.userfiles import read_text

    return parse(read_text(path, "card"), str(path))


def images_beside(card: Path) -> Path:
    """Where the images a card's recipe reads travel with it: ``NAME.images/SHA256.EXT`` beside ``NAME.toml``."""
    return card.with_name(card.stem + ".images")


def text_of(row, origin: dict | None = None) -> str:
    """The card of a stored generation (``row``), as ``export`` writes it."""
    return to_toml(row.parsed_recipe(), **stored_facts(row), origin=origin)


def stored_facts(row) -> dict:
    """What a card says of a stored image besides its recipe: its fingerprint, file and id."""
    return {
        "expect": Fingerprint(row.pixel_sha256, row.phash, row.dhash),
        "file_sha256": row.file_sha256,
        "generation": row.id,
    }
