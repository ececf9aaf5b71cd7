"""The registry of conditioning weights: IP-Adapters and ControlNets, one TOML manifest each in
``<studio>/adapters/NAME.toml``, registered and hashed like a model.

An IP-Adapter is a folder holding its weights (one ``.safetensors`` file at the top) and the image
encoder that reads the reference (``image_encoder/``, a diffusers/transformers folder). A ControlNet
is a diffusers ``ControlNetModel`` folder (``config.json`` and its weights), trained on one kind of
map: canny edges (pressroom computes them from the reference), depth or pose (supplied as images).
Recipes, cards and jobs name them by the SHA-256 of every file (``recipes.AdapterRef``); each use
checks the files against those hashes, re-hashing only a file whose size, times or inode changed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from pressroom.domain.recipes import CONTROLS, AdapterRef
from pressroom.errors import InputError, ModelMismatch, NotFound
from pressroom.store import manifests, models

if TYPE_CHECKING:
    from pressroom.store.studio import Studio

KINDS = ("ip-adapter", "controlnet")
ENCODER = "image_encoder"  # an IP-Adapter folder's image encoder


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    kind: Literal["ip-adapter", "controlnet"]
    control: Literal["", "canny", "depth", "pose"] = ""
    path: str
    files: dict[str, str]
    stamps: dict[str, list[int]] = Field(default_factory=dict)
    license: str = "unknown"
    commercial: bool | None = None
    added_at: str = ""

    def ref(self) -> AdapterRef:
        return AdapterRef(
            name=self.name,
            kind=self.kind,
            control=self.control,
            files=dict(self.files),
            license=self.license,
            commercial=self.commercial,
        )

    @property
    def weight_name(self) -> str:
        """An IP-Adapter's weights file (the one ``.safetensors`` at the folder's top)."""
        return next(rel for rel in sorted(self.files) if "/" not in rel and rel.endswith(".safetensors"))


REGISTRY = manifests.Registry("adapters", "adapter", "pressroom adapter add", Manifest, "reference")


def _check_folder(path: Path, kind: str) -> None:
    """Refuse a folder that cannot be the weights it is registered as, before hashing it."""
    if not path.is_dir():
        raise NotFound(f"path {path} is not a folder; give the {kind}'s folder", field="path")
    if kind == "controlnet":
        try:
            config = json.loads((path / "config.json").read_text())
        except (OSError, ValueError):
            raise InputError(
                f"{path} has no readable config.json; give a diffusers ControlNet folder (config.json and its weights)",
                field="path",
            ) from None
        if "ControlNet" not in str(config.get("_class_name", "")):
            raise InputError(
                f"{path}/config.json describes a {config.get('_class_name', 'model')}, not a ControlNet", field="path"
            )
        return
    tops = sorted(p.name for p in path.glob("*.safetensors"))
    if len(tops) != 1:
        raise InputError(
            f"an IP-Adapter folder holds one .safetensors file at its top (found {len(tops)} in {path}); "
            "put its weights there",
            field="path",
        )
    if not (path / ENCODER / "config.json").is_file():
        raise InputError(
            f"{path} has no {ENCODER}/ folder; an IP-Adapter needs the image encoder it was trained "
            "with beside its weights",
            field="path",
        )


def add(
    studio: Studio,
    name: str,
    *,
    path: Path,
    kind: str,
    control: str = "",
    license: str = "unknown",
    commercial: bool | None = None,
    replace: bool = False,
) -> Manifest:
    """Register IP-Adapter or ControlNet weights: every file hashed now, the licence recorded."""
    if not replace and REGISTRY.path(studio, name).exists():
        raise InputError(
            f"an adapter named {name!r} is registered already; replace it to register it again", field="replace"
        )
    if kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)} (got {kind!r})", field="kind")
    if kind == "controlnet" and control not in CONTROLS:
        raise InputError(
            f"control must name the map a ControlNet was trained on: one of {', '.join(CONTROLS)} (got {control!r})",
            field="control",
        )
    if kind == "ip-adapter" and control:
        raise InputError("control is for a ControlNet; an IP-Adapter reads the reference image itself", field="control")
    path = Path(path).expanduser().resolve()
    _check_folder(path, kind)
    files, stamps = models.hash_weights(path)
    manifest = Manifest(
        name=name,
        kind=kind,
        control=control,
        path=studio.relative(path),
        files=files,
        stamps=stamps,
        license=license,
        commercial=commercial,
        added_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return REGISTRY.save(studio, manifest, replace=True)


def folder_for(studio: Studio | None, adapter: AdapterRef) -> tuple[Path, Manifest]:
    """The weights' folder, checked against the hashes the recipe names: a registered adapter with
    those files (its own name first); one registered under the name with other files is refused."""
    if studio is None:
        raise NotFound(
            f"the recipe is conditioned by {adapter.kind} {adapter.name!r}; reproduce it with a studio "
            "that has it registered"
        )
    found = REGISTRY.all(studio)
    same = sorted((m for m in found if m.files == adapter.files), key=lambda m: m.name != adapter.name)
    if not same:
        named = next((m for m in found if m.name == adapter.name), None)
        if named is not None:
            raise ModelMismatch(
                f"{adapter.kind} {adapter.name!r} is registered with other files than the recipe names "
                f"(fingerprint {named.ref().fingerprint[:16]}, the recipe's {adapter.fingerprint[:16]}): "
                "use the exact weights the card names"
            )
        raise NotFound(
            f"no {adapter.kind} with the files the recipe names ({adapter.name!r}, fingerprint "
            f"{adapter.fingerprint[:16]}) is registered; register those weights first",
            field="reference",
        )
    manifest = same[0]
    root = studio.resolve(manifest.path)
    models.verify(root, manifest.files, manifest.stamps)
    return root, manifest


def summary(manifest: Manifest) -> dict:
    return {**manifest.model_dump(exclude={"stamps"}), "fingerprint": manifest.ref().fingerprint}
