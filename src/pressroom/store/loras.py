"""The LoRA registry: one TOML manifest per LoRA in ``<studio>/loras/NAME.toml``, like a model's.

A LoRA is a single ``.safetensors`` file, registered with its licence and trigger words and named
everywhere (recipes, cards, jobs) by the full SHA-256 of the file and the weight it is applied at.
Manifests are files, not ledger rows, so a card finds its LoRAs in a studio whose ledger is gone;
the file is never copied, and each use checks it against its hash (re-hashing only when its size,
times or inode changed, as for model weights). A1111's ``Lora hashes`` entry is the SHA-256 of
the tensor data after the safetensors header, first 12 hex digits.
"""

from __future__ import annotations

import hashlib
import struct
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pressroom.domain.recipes import LoraRef
from pressroom.errors import InputError, ModelMismatch, NotFound
from pressroom.store import manifests
from pressroom.store.assets import sha256_file
from pressroom.store.models import stamp

if TYPE_CHECKING:
    from pressroom.store.studio import Studio


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    path: str
    sha256: str
    a1111_hash: str
    license: str = "unknown"
    commercial: bool | None = None
    trigger: str = ""  # words the LoRA was trained to answer to; pressroom shows them, never adds them
    added_at: str = ""
    stamp: list[int] = Field(default_factory=list)

    def ref(self, weight: float = 1.0) -> LoraRef:
        try:
            return LoraRef(
                name=self.name,
                sha256=self.sha256,
                weight=weight,
                a1111_hash=self.a1111_hash,
                license=self.license,
                commercial=self.commercial,
            )
        except ValidationError as exc:
            raise InputError(f"LoRA weight {weight} is out of range: {exc.errors()[0]['msg']}", field="lora") from None


REGISTRY = manifests.Registry("loras", "LoRA", "pressroom lora add", Manifest, "lora")


def tensor_hash(path: Path) -> str:
    """A1111's LoRA hash: SHA-256 of the file after its safetensors header, 12 hex digits."""
    with open(path, "rb") as handle:
        head = handle.read(8)
        if len(head) < 8:
            raise InputError(f"{path} is not a safetensors file (too short)", field="path")
        (length,) = struct.unpack("<Q", head)
        handle.seek(8 + length)
        digest = hashlib.sha256()
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def add(
    studio: Studio,
    name: str,
    *,
    path: Path,
    license: str = "unknown",
    commercial: bool | None = None,
    trigger: str = "",
    replace: bool = False,
) -> Manifest:
    """Register a LoRA file: hashed now, its licence and trigger words recorded."""
    if not replace and REGISTRY.path(studio, name).exists():
        raise InputError(
            f"a LoRA named {name!r} is registered already; replace it to register it again", field="replace"
        )
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise NotFound(f"path {path} is not a file; give the LoRA's .safetensors file", field="path")
    if path.suffix != ".safetensors":
        raise InputError(f"path {path} is not a .safetensors file; LoRAs are registered as safetensors", field="path")
    manifest = Manifest(
        name=name,
        path=studio.relative(path),
        sha256=sha256_file(path),
        a1111_hash=tensor_hash(path),
        license=license,
        commercial=commercial,
        trigger=trigger.strip(),
        stamp=stamp(path.stat()),
        added_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return REGISTRY.save(studio, manifest, replace=True)


def all_loras(studio: Studio) -> list[Manifest]:
    return REGISTRY.all(studio)


def load(studio: Studio, name: str) -> Manifest:
    return REGISTRY.load(studio, name)


def parse(option: str) -> tuple[str, float]:
    """``NAME`` or ``NAME:WEIGHT`` (``--lora``) as a name and a weight (default 1)."""
    name, _, weight = option.partition(":")
    try:
        return name.strip(), float(weight) if weight else 1.0
    except ValueError:
        raise InputError(
            f"lora {option!r}: the weight after ':' must be a number, e.g. {name}:0.8", field="lora"
        ) from None


def refs(studio: Studio, options: list[str]) -> list[LoraRef]:
    """The LoRAs ``--lora NAME[:WEIGHT]`` options name, each once."""
    chosen = [parse(option) for option in options]
    seen = [name for name, _ in chosen]
    twice = next((name for name in seen if seen.count(name) > 1), None)
    if twice is not None:
        raise InputError(f"lora {twice!r} is named twice; name each LoRA once", field="lora")
    return [load(studio, name).ref(weight) for name, weight in chosen]


def file_for(studio: Studio | None, lora: LoraRef) -> Path:
    """The LoRA's file, checked against the SHA-256 the recipe names: a registered LoRA with that
    hash (its own name first); one registered under the name with another hash is refused."""
    if studio is None:
        raise NotFound(f"the recipe applies LoRA {lora.name!r}; reproduce it with a studio that has it registered")
    found = all_loras(studio)
    same = sorted((m for m in found if m.sha256 == lora.sha256), key=lambda m: m.name != lora.name)
    if not same:
        named = next((m for m in found if m.name == lora.name), None)
        if named is not None:
            raise ModelMismatch(
                f"LoRA {lora.name!r} is registered with sha256 {named.sha256}, but the recipe names "
                f"{lora.sha256}: use the exact LoRA file the card names"
            )
        raise NotFound(
            f"no LoRA with sha256 {lora.sha256} ({lora.name!r}) is registered; register that file first", field="lora"
        )
    manifest = same[0]
    path = studio.resolve(manifest.path) if not Path(manifest.path).is_absolute() else Path(manifest.path)
    if not path.is_file():
        raise NotFound(f"LoRA {manifest.name!r}'s file is gone from {path}")
    if stamp(path.stat()) != manifest.stamp and sha256_file(path) != lora.sha256:
        raise ModelMismatch(
            f"LoRA {manifest.name!r}'s file {path} changed since it was registered (its sha256 is no "
            f"longer {lora.sha256}); use the exact LoRA file the card names"
        )
    return path


def summary(manifest: Manifest) -> dict:
    return manifest.model_dump(exclude={"stamp"})
