"""Import: images a team made with other tools, brought into the library or into a brief.

``pressroom import PATH...`` reads PNG, JPEG and WebP files (folders recursively). Without a brief,
each one is filed as a library asset marked ``imported`` (rendition ``imported``): searchable and
findable by look like a released file. With ``--brief B`` (or an upload on the brief's page) each
one becomes a candidate of brief B, like a sprint's image: it is culled, reviewed, fixed and
released like any other, counted in the brief's metrics, and it has no library file until it is
released (so the library never shows it as released before it is). The person who imports it is
its maker, so they cannot review it.

The tool comes from the file: the metadata of A1111/Forge, ComfyUI, InvokeAI, Fooocus and NovelAI
is read with sd-parsers; where it reads nothing but a ComfyUI API graph is there, the graph itself
is read (``store/comfyui.py``); else a C2PA manifest names its claim generator (Adobe Firefly,
ChatGPT ...); else the importer names it (``--tool``). A brief's candidate needs a tool, since the
licence check judges it by its tool's licence (``[tools.NAME]``). What the tool wrote is kept whole.
The original file is only read: its bytes are copied unchanged into the asset store, and the
SHA-256 of those bytes and of the decoded pixels are recorded. An image whose pixels are already in
the studio (imported or made here) is skipped as a duplicate, so an import that was interrupted is
finished by running it again; each file is committed on its own.

Where A1111-style parameters name a model whose hash (A1111's "Model hash") matches a registered
model, and the sampler is one pressroom runs, the image carries a recipe that ``reproduce`` runs
and judges; otherwise it records why it cannot be reproduced. Each import records its
reproducibility class (``domain/reproducibility.py``).
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

from pressroom.domain import reproducibility, samplers
from pressroom.domain.compare import fingerprint
from pressroom.domain.recipes import ModelRef, Recipe
from pressroom.errors import InputError, NotFound, PressroomError, Refused
from pressroom.jobs import generations
from pressroom.ledger import events, fulltext
from pressroom.ledger.tables import Generation, Imported, Release
from pressroom.plays import briefs
from pressroom.store import comfyui, imagefiles, models, provenance, tools

if TYPE_CHECKING:
    from pressroom.context import Context

SUFFIXES = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp"}
RENDITION = "imported"
TOOLS = {name: code for code, name in tools.NAMES.items()}  # sd-parsers' generator -> the short name
PLAY = "import"  # the play of an image brought in from elsewhere
WHY_NOT = {
    "comfyui": "a ComfyUI graph is not one recipe pressroom can run; its prompt and workflow graphs are kept whole",
    "novelai": "made by a hosted service (NovelAI) whose model cannot be run here",
    "invokeai": "InvokeAI's parameters name no model hash and its pipeline is not one pressroom runs",
    "fooocus": "Fooocus's pipeline (its styles, sharpness and refiner) is not one pressroom runs",
    None: "the file carries no generation parameters pressroom can read",
}
HIDDEN = "made by {tool}, which records no seed or settings in the file"


@dataclass
class Report:
    # imported: asset (None for a brief's candidate), image, brief, file, tool, model, reproducible,
    # reproducibility, reason
    read: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # duplicates: file, duplicate_of ("asset 12")
    # imported without parameters, or not imported: file, why (and the field it is about)
    unparsed: list[dict] = field(default_factory=list)

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

    @property
    def seed_known(self) -> bool:
        """Whether the file says what made it: its seed among the settings read."""
        return str(self.parameters.get("seed", "")).strip() not in ("", "None", "-1")


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
def parse(data: bytes, chunks: dict | None = None, mime: str = "image/png") -> Parsed:
    """The generation parameters in an image file's metadata (``tool`` None when there are none):
    what sd-parsers reads, else a ComfyUI API graph among the PNG text ``chunks``, else the tool a
    C2PA manifest names (no parameters: such tools keep their seed to themselves)."""
    from sd_parsers import ParserManager

    info = ParserManager().parse(io.BytesIO(data))
    if info is None:
        graph = comfyui.api_graph(chunks or {})
        if graph is not None:
            read = comfyui.read(graph)
            return Parsed(
                "comfyui",
                prompt=read.prompt,
                negative=read.negative,
                model=read.checkpoint,
                sampler=read.sampler,
                parameters=read.parameters(),
                raw={"prompt": graph},
            )
        generator = provenance.claim_generator(data, mime)
        if generator is not None:
            return Parsed(generator[: tools.LONGEST], raw={"c2pa_claim_generator": generator})
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
        if parsed.tool is not None and not parsed.seed_known and parsed.tool not in WHY_NOT:
            return None, HIDDEN.format(tool=parsed.tool)
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
def _importer(ctx: Context, brief_id: int | None, tool: str | None) -> str | None:
    """Who may import (a keeper into the library; an operator into a brief, which must be ready for
    work), checked before any file is read; the tool's name as typed, checked."""
    named = tools.named(tool) if tool is not None else None
    if brief_id is None:
        ctx.actor.require("keeper", "import images into the library")
        return named
    with ctx.unit() as session:
        briefs.ready(session, brief_id)
    ctx.actor.require("operator", "file images from other tools as a brief's candidates")
    return named


def run(
    ctx: Context,
    paths: list[Path],
    *,
    brief_id: int | None = None,
    tool: str | None = None,
    progress: Callable[[int, Path], None] | None = None,
) -> Report:
    """Import the images at ``paths`` (into brief ``brief_id``'s candidates when given; ``tool``
    names the tool where a file's metadata does not); ``progress(total, file)`` after each file."""
    tool = _importer(ctx, brief_id, tool)
    found = files_in(paths)
    report = Report()
    for path in found:
        try:
            entry = _one(ctx, read_bytes(path, "image"), str(path), brief_id, tool)
        except InputError as exc:  # not an image, damaged, too large, no tool: said, and the import goes on
            report.unparsed.append({"file": str(path), "why": str(exc), **({"field": exc.field} if exc.field else {})})
        else:
            _filed(report, entry)
        if progress:
            progress(len(found), path)
    _recorded(ctx, report, brief_id)
    return report


def upload(ctx: Context, brief_id: int, data: bytes, name: str, tool: str | None = None) -> Report:
    """One uploaded image filed as a candidate of brief ``brief_id`` (``name``: the file's own name)."""
    tool = _importer(ctx, brief_id, tool)
    report = Report()
    _filed(report, _one(ctx, data, name, brief_id, tool))
    _recorded(ctx, report, brief_id)
    return report


def _filed(report: Report, entry: dict) -> None:
    if "duplicate_of" in entry:
        report.skipped.append(entry)
        return
    report.read.append(entry)
    if entry["tool"] is None:
        report.unparsed.append({"file": entry["file"], "why": entry["reason"], "asset": entry["asset"]})


def _recorded(ctx: Context, report: Report, brief_id: int | None) -> None:
    with ctx.unit() as session:
        events.record(
            session,
            ctx.actor,
            "import",
            brief_id=brief_id,
            objects={
                "assets": [e["asset"] for e in report.read if e.get("asset")],
                "generations": [e["image"] for e in report.read],
            },
            read=len(report.read),
            skipped=len(report.skipped),
            unparsed=len(report.unparsed),
        )


def _duplicate(session: Session, pixel_sha256: str) -> str | None:
    """The asset (or, failing one, the image made or filed here) that already has these pixels, in words."""
    asset = session.scalar(select(Release.id).where(Release.pixel_sha256 == pixel_sha256).limit(1))
    if asset is not None:
        return f"asset {asset}"
    made = session.scalar(select(Generation.id).where(Generation.pixel_sha256 == pixel_sha256).limit(1))
    return None if made is None else f"image {made}"


def _one(ctx: Context, data: bytes, source: str, brief_id: int | None, tool: str | None) -> dict:
    image = imagefiles.load(data, f"image {source}")
    fmt = (image.format or "").lower()
    if fmt not in ("png", "jpeg", "webp"):
        raise InputError(f"image {source} is {image.format or 'of an unknown format'}; import reads PNG, JPEG or WebP")
    prints = fingerprint(image)
    with ctx.unit() as session:
        seen = _duplicate(session, prints.pixel_sha256)
    if seen is not None:
        return {"file": source, "duplicate_of": seen}
    chunks = {str(k): v for k, v in image.info.items() if isinstance(v, (str, bytes))} if fmt == "png" else {}
    parsed = parse(data, chunks, provenance.MIME[".jpg" if fmt == "jpeg" else f".{fmt}"])
    if parsed.tool is None and tool is not None:  # the file does not say; the importer does
        parsed.tool = tool
    if parsed.tool is None and brief_id is not None:
        raise InputError(
            f"image {source} does not say which tool made it; name the tool (such as Midjourney) to bring it in",
            field="tool",
        )
    recipe, reason = recipe_for(ctx, parsed, image.width, image.height)
    recipe_doc = (
        recipe.model_dump(mode="json", exclude_none=True) if recipe else _placeholder(parsed, image.width, image.height)
    )
    cls = reproducibility.of(PLAY, seed_known=parsed.seed_known)
    ext = "jpg" if fmt == "jpeg" else fmt
    sha = ctx.studio.assets.put(data, ext)  # the original's bytes, unchanged
    stored = ctx.studio.assets.path(sha, ext)
    now = datetime.now(UTC)
    maker = ctx.actor if brief_id is not None else None  # a brief's candidate is its importer's work
    with ctx.unit() as session:
        if (seen := _duplicate(session, prints.pixel_sha256)) is not None:  # another import got there first
            return {"file": source, "duplicate_of": seen}
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
            play=PLAY,
            status="new",
            operator=maker.name if maker else "",
            maker_id=maker.id if maker else None,
        )
        session.add(made)
        session.flush()
        row = None
        if brief_id is None:  # a library asset at once; a brief's candidate waits for its release
            row = Release(
                brief_id=None,
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
                release_id=row.id if row else None,
                generation_id=made.id,
                source=source,
                sha256=sha,
                pixel_sha256=prints.pixel_sha256,
                tool=parsed.tool or "",
                parameters=parsed.raw,
                reproducible=recipe is not None,
                reason=reason,
                reproducibility=cls,
                imported_by=ctx.actor.name,
                imported_by_id=ctx.actor.id,
                at=now,
            )
        )
        if row is not None:
            stem = Path(source).stem.replace("_", " ").replace("-", " ")
            extra = [tools.shown(parsed.tool or ""), parsed.sampler, RENDITION, fmt, stem]
            fulltext.add(
                session,
                row.id,
                prompt=f"{parsed.prompt} {parsed.negative}",
                brief="",
                tags=" ".join([parsed.model, *extra]),
                alt_text="",
            )
    return {
        "asset": row.id if row else None,
        "image": made.id,
        "brief": brief_id,
        "file": source,
        "tool": parsed.tool,
        "model": parsed.model or None,
        "reproducible": recipe is not None,
        "reproducibility": cls,
        "reason": reason,
    }


# -- what is known of an image from elsewhere -------------------------------------------------------
def of_images(session: Session, generation_ids: list[int]) -> dict[int, Imported]:
    """The import records of those images that were brought in, by image id."""
    found: dict[int, Imported] = {}
    ids = sorted(set(generation_ids))
    for part in (ids[n : n + 500] for n in range(0, len(ids), 500)):
        for row in session.scalars(select(Imported).where(Imported.generation_id.in_(part))):
            found[row.generation_id] = row
    return found


def classes(session: Session, generation_ids: list[int]) -> dict[int, str]:
    """Each image's reproducibility class (``domain/reproducibility.py``), by image id."""
    imported = of_images(session, generation_ids)
    plays: dict[int, str] = {}
    ids = sorted(set(generation_ids))
    for part in (ids[n : n + 500] for n in range(0, len(ids), 500)):
        plays.update(session.execute(select(Generation.id, Generation.play).where(Generation.id.in_(part))).all())
    return {
        gid: imported[gid].reproducibility if gid in imported else reproducibility.of(plays.get(gid, ""))
        for gid in generation_ids
    }


def tool_of(session: Session, row: Generation) -> str | None:
    """The tool an image from elsewhere was made with (None for an image made here)."""
    if row.play != PLAY:
        return None
    found = of_images(session, [row.id]).get(row.id)
    return (found.tool if found else "") or "an unnamed tool"


def card_of(session: Session, row: Generation) -> dict:
    """What an image's card says of where it comes from: the tool, its reproducibility class in
    words, and, for an image from elsewhere, what the file said and why it cannot be made again."""
    found = of_images(session, [row.id]).get(row.id) if row.play == PLAY else None
    cls = found.reproducibility if found else reproducibility.of(row.play)
    doc = {
        "tool": tools.shown(found.tool) if found else tools.MADE_HERE,
        "reproducibility": cls,
        "reproducibility_words": reproducibility.words(cls),
    }
    if found is not None:
        doc |= {
            "source": found.source,
            "sha256": found.sha256,
            "reason": found.reason,
            "imported_by": found.imported_by,
        }
    return doc


def why_not(session: Session, asset_id: int) -> str | None:
    """Why an asset from an imported image cannot be reproduced (None when it can, or was made here)."""
    generation_id = session.scalar(select(Release.generation_id).where(Release.id == asset_id))
    row = session.scalar(select(Imported).where(Imported.generation_id == generation_id))
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
