"""Import: images a team already made with other tools brought into the library.

``pressroom import PATH...`` reads PNG, JPEG and WebP files (folders recursively) and files each
one as a library asset marked ``imported`` (rendition ``imported``): searchable and findable by
look like a released file. The metadata of A1111/Forge, ComfyUI, InvokeAI, Fooocus and NovelAI is
read with sd-parsers; what the tool wrote is kept whole (a ComfyUI prompt and workflow graph
included). The original file is only read: its bytes are copied unchanged into the asset store,
and the SHA-256 of those bytes and of the decoded pixels are recorded. An image whose pixels are
already in the library (imported or made here) is skipped as a duplicate, so an import that was
interrupted is finished by running it again; each file is committed on its own.

Where A1111-style parameters name a model whose hash (A1111's "Model hash") matches a registered
model, and the sampler is one pressroom runs, the asset carries a recipe that ``reproduce`` runs
and judges; otherwise the asset records why it cannot be reproduced.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from pressroom.domain import samplers
from pressroom.domain.compare import fingerprint
from pressroom.domain.recipes import ModelRef, Recipe
from pressroom.errors import InputError, NotFound, PressroomError, Refused
from pressroom.jobs import generations
from pressroom.ledger import events, fulltext
from pressroom.ledger.tables import Generation, Imported, Release
from pressroom.plays import briefs
from pressroom.store import imagefiles, models, provenance

if TYPE_CHECKING:
    from pressroom.context import Context

SUFFIXES = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp"}
RENDITION = "imported"
TOOLS = {
    "AUTOMATIC1111": "a1111",
    "ComfyUI": "comfyui",
    "InvokeAI": "invokeai",
    "Fooocus": "fooocus",
    "NovelAI": "novelai",
}
WHY_NOT = {
    "comfyui": "a ComfyUI graph is not one recipe pressroom can run; its prompt and workflow graphs are kept whole",
    "novelai": "made by a hosted service (NovelAI) whose model cannot be run here",
    "invokeai": "InvokeAI's parameters name no model hash and its pipeline is not one pressroom runs",
    "fooocus": "Fooocus's pipeline (its styles, sharpness and refiner) is not one pressroom runs",
    None: "the file carries no generation parameters pressroom can read",
}


@dataclass
class Report:
    read: list[dict] = field(default_factory=list)  # imported: asset, file, tool, reproducible, reason
    skipped: list[dict] = field(default_factory=list)  # duplicates: file, duplicate_of ("asset 12")
    unparsed: list[dict] = field(default_factory=list)  # imported without parameters, or not imported: file, why

    def as_dict(self) -> dict:
        return {"read": self.read, "skipped": self.skipped, "unparsed": self.unparsed}


@dataclass
class Parsed:
    tool: str | None
    prompt: str = ""
    negative: str = ""
    model: str = ""
    model_hash: str = ""
    sampler: str = ""
    parameters: dict = field(default_factory=dict)  # sd-parsers' normalised sampler parameters
    size: str = ""  # A1111's "Size: WxH"
    raw: dict = field(default_factory=dict)  # what the file holds, whole


# -- finding files ----------------------------------------------------------------------------------
def files_in(paths: list[Path]) -> list[Path]:
    """The image files named, folders walked recursively (in name order); a missing path is refused
    before anything is imported."""
    if not paths:
        raise InputError("name at least one image file or folder to import", field="path")
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        elif path.is_file():
            found.append(path)
        else:
            raise NotFound(f"{path} does not exist; name image files or folders", field="path")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return unique


# -- reading what the tool wrote ---------------------------------------------------------------------
def parse(data: bytes) -> Parsed:
    """The generation parameters in an image file's metadata (``tool`` None when there are none)."""
    from sd_parsers import ParserManager

    info = ParserManager().parse(io.BytesIO(data))
    if info is None:
        return Parsed(None)
    tool = TOOLS.get(info.generator.value, info.generator.value.lower())
    sampler = info.samplers[0] if info.samplers else None
    model = next(iter(info.models), None)
    return Parsed(
        tool,
        prompt=info.full_prompt or "",
        negative=info.full_negative_prompt or "",
        model=(model.name or "") if model else "",
        model_hash=(model.hash or "") if model else "",
        sampler=sampler.name if sampler else "",
        parameters=dict(sampler.parameters) if sampler else {},
        size=str(info.metadata.get("Size", "")),
        raw=_whole(info.raw_parameters),
    )


def _whole(raw: dict) -> dict:
    """The raw metadata as JSON values: JSON text (a ComfyUI graph) parsed, bytes as text."""
    out = {}
    for key, value in raw.items():
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str) and value[:1] in "{[":
            try:
                value = json.loads(value)
            except ValueError:
                pass
        out[str(key)] = value if isinstance(value, (str, int, float, bool, dict, list, type(None))) else str(value)
    return out


def _size(parsed: Parsed) -> tuple[int, int] | None:
    width, _, height = parsed.size.partition("x")
    return (int(width), int(height)) if width.isdigit() and height.isdigit() else None


def recipe_for(ctx: Context, parsed: Parsed, width: int, height: int) -> tuple[Recipe | None, str]:
    """A recipe ``reproduce`` can run, or None and why not."""
    if parsed.tool != "a1111":
        return None, WHY_NOT.get(parsed.tool, f"made by {parsed.tool}, whose pipeline pressroom does not run")
    if not parsed.model_hash:
        return None, "the parameters name no model hash, so the weights cannot be identified"
    manifest = next(
        (m for m in models.REGISTRY.all(ctx.studio) if m.ref().short_hash == parsed.model_hash.lower()), None
    )
    if manifest is None:
        return None, (
            f"no registered model has hash {parsed.model_hash} (named {parsed.model or 'nothing'}); "
            "register that model and import again"
        )
    name, schedule = parsed.sampler, str(parsed.parameters.get("scheduler") or "Automatic")
    if name.endswith(" Karras"):  # A1111 before 1.9 named the schedule in the sampler
        name, schedule = name[: -len(" Karras")], "Karras"
    sampler = next((s for s in samplers.SAMPLERS.values() if s.a1111 == name and s.schedule == schedule), None)
    if sampler is None:
        return None, f"sampler {parsed.sampler!r} ({schedule}) has no diffusers scheduler pressroom runs"
    size = _size(parsed) or (width, height)
    try:
        [recipe] = generations.plan(
            ctx.studio,
            model=manifest.name,
            prompt=parsed.prompt,
            negative=parsed.negative,
            seed=int(parsed.parameters["seed"]),
            steps=int(parsed.parameters["steps"]),
            guidance=float(parsed.parameters["cfg_scale"]),
            width=size[0],
            height=size[1],
            scheduler=sampler.name,
        )
    except (KeyError, ValueError) as exc:
        return None, f"the parameters lack a usable {exc.args[0] if exc.args else 'value'}"
    except PressroomError as exc:
        return None, f"the parameters cannot be run: {exc}"
    return recipe, ""


def _placeholder(parsed: Parsed, width: int, height: int) -> dict:
    """The recipe column of an asset that cannot be reproduced: what is known, no weights named."""
    seed = parsed.parameters.get("seed")
    return Recipe(
        prompt=parsed.prompt or "(no prompt recorded)",
        negative=parsed.negative,
        model=ModelRef(name=parsed.model or "unknown", format="none"),
        seed=int(seed) if str(seed or "").isdigit() and int(seed) < 2**64 else 0,
        width=min(8192, max(8, width - width % 8)),
        height=min(8192, max(8, height - height % 8)),
    ).model_dump(mode="json", exclude_none=True)


# -- the use case -----------------------------------------------------------------------------------
def run(
    ctx: Context, paths: list[Path], *, brief_id: int | None = None, progress: Callable[[int, Path], None] | None = None
) -> Report:
    """Import the images at ``paths``; ``progress(total, file)`` after each file."""
    actor = ctx.actor.require("keeper", "import images into the library")
    found = files_in(paths)
    if brief_id is not None:
        with ctx.unit() as session:
            briefs.get(session, brief_id)
    report = Report()
    for path in found:
        try:
            entry = _one(ctx, path, brief_id)
        except InputError as exc:  # not an image, damaged, too large: said, and the import goes on
            report.unparsed.append({"file": str(path), "why": str(exc)})
        else:
            if "duplicate_of" in entry:
                report.skipped.append(entry)
            else:
                report.read.append(entry)
                if entry["tool"] is None:
                    report.unparsed.append({"file": str(path), "why": entry["reason"], "asset": entry["asset"]})
        if progress:
            progress(len(found), path)
    with ctx.unit() as session:
        events.record(
            session,
            actor,
            "import",
            brief_id=brief_id,
            objects={"assets": [e["asset"] for e in report.read]},
            read=len(report.read),
            skipped=len(report.skipped),
            unparsed=len(report.unparsed),
        )
    return report


def _duplicate(session: Session, pixel_sha256: str) -> str | None:
    """The asset (or, failing one, the image made here) that already has these pixels, in words."""
    asset = session.scalar(select(Release.id).where(Release.pixel_sha256 == pixel_sha256).limit(1))
    if asset is not None:
        return f"asset {asset}"
    made = session.scalar(select(Generation.id).where(Generation.pixel_sha256 == pixel_sha256).limit(1))
    return None if made is None else f"generation {made}"


def _one(ctx: Context, path: Path, brief_id: int | None) -> dict:
    from pressroom.store.userfiles import read_bytes

    data = read_bytes(path, "image")
    image = imagefiles.load(data, f"image {path}")
    fmt = (image.format or "").lower()
    if fmt not in ("png", "jpeg", "webp"):
        raise InputError(f"image {path} is {image.format or 'of an unknown format'}; import reads PNG, JPEG or WebP")
    prints = fingerprint(image)
    with ctx.unit() as session:
        seen = _duplicate(session, prints.pixel_sha256)
    if seen is not None:
        return {"file": str(path), "duplicate_of": seen}
    parsed = parse(data)
    recipe, reason = recipe_for(ctx, parsed, image.width, image.height)
    recipe_doc = (
        recipe.model_dump(mode="json", exclude_none=True) if recipe else _placeholder(parsed, image.width, image.height)
    )
    sha = ctx.studio.assets.put(data, "jpg" if fmt == "jpeg" else fmt)  # the original's bytes, unchanged
    stored = ctx.studio.assets.path(sha, "jpg" if fmt == "jpeg" else fmt)
    now = datetime.now(UTC)
    with ctx.unit() as session:
        if (seen := _duplicate(session, prints.pixel_sha256)) is not None:  # another import got there first
            return {"file": str(path), "duplicate_of": seen}
        made = Generation(
            created_at=now,
            model=parsed.model or "unknown",
            seed=recipe_doc["seed"],
            prompt=parsed.prompt,
            recipe=recipe_doc,
            file_sha256=sha,
            pixel_sha256=prints.pixel_sha256,
            phash=prints.phash,
            dhash=prints.dhash,
            ext=stored.suffix.lstrip("."),
            width=image.width,
            height=image.height,
            warnings=[],
            elapsed_s=0.0,
            brief_id=brief_id,
            play="import",
            status="new",
            operator="",
            maker_id=None,
        )
        session.add(made)
        session.flush()
        row = Release(
            brief_id=brief_id,
            generation_id=made.id,
            parent_id=None,
            rendition=RENDITION,
            format=fmt,
            path=ctx.studio.relative(stored),
            sha256=sha,
            pixel_sha256=prints.pixel_sha256,
            phash=prints.phash,
            width=image.width,
            height=image.height,
            recipe=recipe_doc,
            alt_text="",
            source_type=provenance.TRAINED if parsed.tool else "",
            released_by=ctx.actor.name,
            released_by_id=ctx.actor.id,
            at=now,
        )
        session.add(row)
        session.flush()
        session.add(
            Imported(
                release_id=row.id,
                source=str(path),
                sha256=sha,
                pixel_sha256=prints.pixel_sha256,
                tool=parsed.tool or "",
                parameters=parsed.raw,
                reproducible=recipe is not None,
                reason=reason,
                imported_by=ctx.actor.name,
                imported_by_id=ctx.actor.id,
                at=now,
            )
        )
        extra = [parsed.tool or "", parsed.sampler, RENDITION, fmt, path.stem.replace("_", " ").replace("-", " ")]
        fulltext.add(
            session,
            row.id,
            prompt=f"{parsed.prompt} {parsed.negative}",
            brief="",
            tags=" ".join([parsed.model, *extra]),
            alt_text="",
        )
    return {
        "asset": row.id,
        "file": str(path),
        "tool": parsed.tool,
        "model": parsed.model or None,
        "reproducible": recipe is not None,
        "reason": reason,
    }


def why_not(session: Session, asset_id: int) -> str | None:
    """Why an imported asset cannot be reproduced (None when it can, or was not imported)."""
    row = session.scalar(select(Imported).where(Imported.release_id == asset_id))
    if row is None or row.reproducible:
        return None
    return row.reason


def refuse_unreproducible(session: Session, asset_id: int) -> None:
    reason = why_not(session, asset_id)
    if reason is not None:
        raise Refused(f"asset {asset_id} was imported and cannot be reproduced: {reason}")


def read_bytes(path: Path, what: str) -> bytes:
    """The bytes of a file a person named (plays take content, not paths), ``what`` naming it in errors."""
    from pressroom.store import userfiles

    return userfiles.read_bytes(path, what)
