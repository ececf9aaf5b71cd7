"""The model registry: one TOML manifest per model in ``<studio>/models/NAME.toml``.

A manifest names where the weights are (a local diffusers folder, a single ``.safetensors``
checkpoint with a local config folder, or a hub id), the licence, and the full SHA-256 of
every file. Manifests are files, not ledger rows, so a card can find its weights even in a
studio whose ledger is gone. Weights are never copied: a manifest points at them, and each
use checks that they have not changed since they were hashed. Weights inside the studio (the
built-in tiny model's) are named relative to the studio folder, so the studio can be moved;
weights elsewhere keep their absolute path.

A manifest also names the engine that runs the model (``engine``, default ``diffusers``); a
recipe made from the model takes it, and the recipe's engine is what runs it from then on. A
model whose engine needs no weights (``fake``) is registered without any (format ``none``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from pressroom.domain import families
from pressroom.domain.recipes import ModelRef
from pressroom.errors import InputError, ModelError, ModelMismatch, NotFound
from pressroom.store import manifests
from pressroom.store.assets import sha256_file

if TYPE_CHECKING:
    from pressroom.store.studio import Studio


@dataclass(frozen=True)
class Builtin:
    """A built-in model made in the studio on first use: ``make`` builds and registers it; ``listed``
    is its manifest before that, without files (so that the model is listed, and picked, before it is made)."""

    make: Callable[[Studio], Manifest]
    listed: Callable[[Studio], Manifest]


# the built-in models made on first use, by name: they live with the engine that can make them
BUILDERS: dict[str, Builtin] = {}
SKIP_SUFFIXES = (".md", ".lock", ".metadata")
TINY = "tiny"
SKETCH = "sketch"
# The built-in drawing model ships inside the package, with the training card that made it
# (scripts/train_sketch.py wrote both; the card names the SHA-256 of every file).
SKETCH_DIR = Path(__file__).resolve().parents[1] / "builtin" / "sketch"  # shipped inside the package
# sketch's default steps: its pictures settle within a dozen DPM++ steps (bench/sketch_quality.py, 60 prompts:
# top-5 98 % at 15 steps and at 20, 88 % at 12), and each step is most of an image's time on a CPU
SKETCH_STEPS = 15
SKETCH_CARD = "training_card.md"


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    name: str
    format: Literal["diffusers", "single_file", "hub", "none"]
    engine: str = "diffusers"  # the engine that runs it; recipes made from this model take it
    path: str = ""
    config: str = ""
    hub_id: str = ""
    license: str = "unknown"
    commercial: bool | None = None
    size: int = 512  # the default width and height: the model's native size unless --size says otherwise
    steps: int = (
        families.DEFAULT_STEPS
    )  # the default denoising steps of an image made with it (FLUX schnell: 4; sketch: its own)
    family: str = ""  # ``families``: sd, sdxl, sd3, flux, other ("" before families were recorded: sd)
    variant: str = ""  # flux: dev or schnell
    multiple: int = 8  # width and height must be multiples of this (16 for SD3 and FLUX)
    builtin: bool = False
    pipeline: str = ""  # the diffusers pipeline class named in model_index.json
    note: str = ""
    added_at: str = ""
    files: dict[str, str] = Field(default_factory=dict)
    stamps: dict[str, list[int]] = Field(default_factory=dict)
    _root: Path | None = PrivateAttr(default=None)  # the studio folder that relative paths are in

    def located(self, root: Path) -> Manifest:
        """This manifest, its relative paths taken inside the studio folder ``root``."""
        self._root = root
        return self

    def where(self, stored: str) -> Path:
        return self._root / stored if self._root else Path(stored)

    @property
    def weights_format(self) -> Literal["diffusers", "single_file", "none"]:
        return "diffusers" if self.format == "hub" else self.format

    @property
    def kind(self) -> families.Family:
        return families.get(self.family)

    def ref(self) -> ModelRef:
        return ModelRef(
            name=self.name,
            format=self.weights_format,
            source=self.hub_id or self.path,
            license=self.license,
            commercial=self.commercial,
            files=dict(self.files),
        )


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
        and not p.name.endswith(SKIP_SUFFIXES)
    )


def _rel(root: Path, path: Path) -> str:
    return path.name if root.is_file() else path.relative_to(root).as_posix()


def stamp(stat: os.stat_result) -> list[int]:
    """What says a file is unchanged since it was hashed: size, mtime, and the inode and its change
    time, which no edit can put back (``os.utime`` restores an mtime but sets the change time to now;
    a replaced file has a new inode). A copied or restored studio re-hashes once, which is safe."""
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]


def hash_weights(root: Path) -> tuple[dict[str, str], dict[str, list[int]]]:
    """SHA-256 of every file under ``root`` (or of the file itself), with the stamps of ``stamp``."""
    hashes, stamps = {}, {}
    for path in _files(root):
        stat = path.stat()
        rel = _rel(root, path)
        hashes[rel] = sha256_file(path)
        stamps[rel] = stamp(stat)
    if not hashes:
        raise InputError(f"path {root} holds no files to hash; give the folder or file of the weights", field="path")
    return hashes, stamps


REGISTRY = manifests.Registry(
    "models",
    "model",
    "pressroom model add",
    Manifest,
    "model",
    comments={
        "files": "SHA-256 of every file; the first 10 hex digits of a checkpoint's are A1111's short hash.",
        "stamps": "size, mtime, ctime and inode of each file when it was hashed: a change triggers a re-hash.",
    },
    exclude_none=True,
)


def load(studio: Studio, name: str, *, field: str = "model") -> Manifest:
    """The model registered as ``name`` (``field`` names the input it came from, for the error)."""
    if name == SKETCH:  # registered on first use, and kept pointing at the installed package
        return ensure_sketch(studio)
    if name in BUILDERS and not REGISTRY.path(studio, name).is_file():
        return BUILDERS[name].make(studio)  # a built-in model built on first use (engines.tiny registers tiny's)
    return REGISTRY.load(studio, name, field=field)


def catalogue(studio: Studio) -> list[Manifest]:
    """Every model a command may name, by name: the registered ones and the built-in ones not made yet."""
    made = {manifest.name: manifest for manifest in REGISTRY.all(studio)}
    waiting = {name: builtin.listed(studio) for name, builtin in BUILDERS.items() if name not in made}
    return [manifest for _, manifest in sorted({**waiting, **made}.items())]


UPSCALERS = {"StableDiffusionUpscalePipeline": 4}


def pipeline_class(index: Path) -> str:
    import json

    try:
        return str(json.loads(index.read_text()).get("_class_name", ""))
    except (OSError, ValueError):
        return ""


def upscaler(studio: Studio, name: str | None = None) -> Manifest | None:
    """The studio's upscaler model: the one named, else the first registered, else None."""
    if name:
        manifest = load(studio, name, field="upscaler")
        if manifest.pipeline not in UPSCALERS:
            raise InputError(
                f"upscaler {name!r} is a {manifest.pipeline or 'model'}, not an upscaler ({', '.join(UPSCALERS)})",
                field="upscaler",
            )
        return manifest
    return next((m for m in REGISTRY.all(studio) if m.pipeline in UPSCALERS), None)


def builtin_default() -> str:
    """The model a new studio draws with: sketch where this install ships its weights, else tiny."""
    return SKETCH if (SKETCH_DIR / SKETCH_CARD).is_file() else TINY


def sketch_card(folder: Path | None = None) -> dict:
    """The training card shipped with the sketch model: how it was made, and its files' hashes."""
    import json

    folder = folder or SKETCH_DIR
    try:
        text = (folder / SKETCH_CARD).read_text(encoding="utf-8")
        return json.loads(text[text.index("```json") + 7 : text.rindex("```")])
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"the built-in sketch model's training card {folder / SKETCH_CARD} is missing or "
            f"damaged ({exc}); this install ships no sketch weights: train them with "
            "scripts/train_sketch.py, or use the tiny model"
        ) from exc


def ensure_sketch(studio: Studio) -> Manifest:
    """Register the built-in sketch model (its weights stay in the package) once, every file hashed
    and checked against the hashes its training card recorded."""
    path = REGISTRY.path(studio, SKETCH)
    if path.is_file():
        manifest = REGISTRY.read(studio, path)
        if not manifest.builtin or manifest.where(manifest.path) == SKETCH_DIR or not SKETCH_DIR.is_dir():
            return manifest  # a model of the studio's own registered under this name is left alone
        if manifest.files != sketch_card()["files"]:  # another version of pressroom shipped other weights
            return manifest
        # the same weights, installed elsewhere (a new virtual environment): point at them there
        manifest = manifest.model_copy(update={"path": studio.relative(SKETCH_DIR), "stamps": {}}).located(studio.root)
        REGISTRY.save(studio, manifest, replace=True)
        return manifest
    card = sketch_card()
    files, stamps = hash_weights(SKETCH_DIR)
    if files != card["files"]:
        changed = sorted(set(files.items()) ^ set(card["files"].items()))
        raise ModelMismatch(
            f"the built-in sketch model's files differ from its training card "
            f"({', '.join(sorted({rel for rel, _ in changed}))}); reinstall pressroom"
        )
    manifest = Manifest(
        name=SKETCH,
        format="diffusers",
        path=studio.relative(SKETCH_DIR),
        license="Apache-2.0",
        commercial=True,
        size=128,
        steps=SKETCH_STEPS,
        builtin=True,
        files=files,
        stamps=stamps,
        pipeline=pipeline_class(SKETCH_DIR / "model_index.json"),
        added_at=datetime.now(UTC).isoformat(timespec="seconds"),
        note=(
            f"built-in: draws {card['data']['subjects']} emoji subjects on named backgrounds at 32x32, shown at "
            f"4x; trained by scripts/train_sketch.py ({card['steps']} steps); see {SKETCH_CARD} in its folder"
        ),
    ).located(studio.root)
    REGISTRY.save(studio, manifest, replace=True)
    return manifest


def local_path(studio: Studio, manifest: Manifest) -> Path:
    """Where the weights are on disk, downloading (and then hashing) a hub model on first use."""
    if manifest.format == "none":
        raise ModelError(
            f"model {manifest.name!r} has no weights (the {manifest.engine} engine runs it without); "
            "register it again with its weights",
            field="model",
        )
    if manifest.format != "hub":
        return manifest.where(manifest.path)
    if manifest.path and manifest.where(manifest.path).exists():
        return manifest.where(manifest.path)
    try:
        from huggingface_hub import snapshot_download

        folder = Path(snapshot_download(manifest.hub_id))
    except Exception as exc:  # network, auth, offline mode: all end the same for the user
        raise ModelError(f"cannot download {manifest.hub_id!r} for model {manifest.name!r}: {exc}") from exc
    files, stamps = hash_weights(folder)
    updated = manifest.model_copy(
        update={"path": studio.relative(folder), "files": files, "stamps": stamps, "note": ""}
    )
    REGISTRY.save(studio, updated, replace=True)
    manifest.__dict__.update(updated.__dict__)
    return folder


def verify(root: Path, expected: dict[str, str], stamps: dict[str, list[int]] | None = None) -> None:
    """Refuse weights whose files differ from ``expected``; ``stamps`` skip re-hashing unchanged files."""
    if not root.exists():
        raise NotFound(f"the model weights are gone from {root}")
    found = {_rel(root, p): p for p in _files(root)}
    for rel, sha in sorted(expected.items()):
        if rel not in found:
            raise ModelMismatch(f"model file {rel} is missing from {root} (expected sha256 {sha})")
        path = found[rel]
        stat = path.stat()
        if stamps and stamps.get(rel) == stamp(stat):
            continue
        actual = sha256_file(path)
        if actual != sha:
            raise ModelMismatch(
                f"model file {rel} has sha256 {actual}, but {sha} is expected: "
                "the weights changed; use the exact weights the card names"
            )


def checked_path(studio: Studio | None, manifest: Manifest, ref: ModelRef | None = None) -> Path:
    """The manifest's weights on disk, checked against its hashes and, if given, a recipe's."""
    root = local_path(studio, manifest)
    verify(root, manifest.files, manifest.stamps)
    if ref is not None and ref.files and ref.files != manifest.files:
        verify(root, ref.files)
    return root


def manifest_for(studio: Studio | None, ref: ModelRef, model_path: Path | None = None) -> Manifest:
    """The model a recipe names: at ``model_path``, else a studio model with the same hashes, else by name.

    With hashes in the recipe, the weights must match every one of them (``checked_path`` with
    the ref); a studio model of the same name with other hashes is refused, not silently used.
    """
    if model_path is not None:
        root = Path(model_path).expanduser().resolve()
        if not root.exists():
            raise NotFound(f"model-path {root} does not exist", field="model_path")
        fmt = "single_file" if root.is_file() else "diffusers"
        return Manifest(
            name=ref.name, format=fmt, path=str(root), files=ref.files, license=ref.license, commercial=ref.commercial
        )
    if studio is None:
        raise InputError(
            f"no studio to find model {ref.name!r} in; give the path of its weights or a studio that has them",
            field="model_path",
        )
    if ref.files:
        same = [m for m in REGISTRY.all(studio) if m.files and m.ref().fingerprint == ref.fingerprint]
        same.sort(key=lambda m: m.name != ref.name)  # the same name first, then any with these hashes
        if same:
            return same[0]
    return load(studio, ref.name)


# -- use cases ------------------------------------------------------------------------------------
def summary(manifest: Manifest) -> dict:
    ref = manifest.ref()
    return {
        "name": manifest.name,
        "format": manifest.format,
        "engine": manifest.engine,
        "source": manifest.hub_id or manifest.path,
        "license": manifest.license,
        "commercial": manifest.commercial,
        "family": manifest.family,
        "variant": manifest.variant,
        "size": manifest.size,
        "steps": manifest.steps,
        "multiple": manifest.multiple,
        "short_hash": ref.short_hash if manifest.files else "",
        "fingerprint": ref.fingerprint if manifest.files else "",
        "files": manifest.files,
        "note": manifest.note,
    }
