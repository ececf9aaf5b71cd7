"""What an engine job names by content, found on this machine.

An engine job (``engines.base.Job``) names its model by the SHA-256 of every weight file and
its input images by the SHA-256 of their files. The process that runs it hands the engine a
``Resolver`` over its own store: weights through the studio's model manifests (or the one
folder given with ``--model-path``), checked against the hashes before use; images from the
studio's content-addressed asset store. A studio folder can move, and a worker on another host
resolves the same job through its own store root.

One resolver serves one run (a ``generate`` call, one reproduction): it remembers what it
found and checked, so a batch after the first costs no lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pressroom.errors import NotFound
from pressroom.store import imagefiles, models
from pressroom.store.assets import sha256_file

if TYPE_CHECKING:
    from PIL.Image import Image

    from pressroom.domain.recipes import AdapterRef, LoraRef, ModelRef
    from pressroom.store.studio import Studio


@dataclass(frozen=True)
class Weights:
    path: Path  # a diffusers folder or a single-file checkpoint
    config: Path | None = None  # a single-file checkpoint's local diffusers config folder


class Resolver:
    def __init__(
        self, studio: Studio | None = None, *, model_path: Path | None = None, images: Path | None = None
    ) -> None:
        self.studio = studio
        self.model_path = model_path
        self.images = images  # a card's images folder (``cards.images_beside``), looked in after the store
        self._manifests: dict[str, models.Manifest] = {}
        self._weights: dict[str, Weights] = {}
        self._loras: dict[str, Path] = {}
        self._adapters: dict[str, tuple[Path, str]] = {}

    def manifest(self, model: ModelRef) -> models.Manifest:
        """The registered model a recipe or job names (by its hashes first, then by name)."""
        key = model.identity().model_dump_json()
        if key not in self._manifests:
            self._manifests[key] = models.manifest_for(self.studio, model, self.model_path)
        return self._manifests[key]

    def weights(self, model: ModelRef) -> Weights:
        """The model's files on disk, every one checked against the SHA-256 the job names."""
        key = model.identity().model_dump_json()
        if key not in self._weights:
            manifest = self.manifest(model)
            root = models.checked_path(self.studio, manifest, model)
            self._weights[key] = Weights(root, Path(manifest.config) if manifest.config else None)
        return self._weights[key]

    def lora(self, lora: LoraRef) -> Path:
        """A LoRA's file by the SHA-256 the job names, checked (``loras.file_for``)."""
        from pressroom.store import loras

        key = lora.sha256
        if key not in self._loras:
            self._loras[key] = loras.file_for(self.studio, lora)
        return self._loras[key]

    def adapter(self, adapter: AdapterRef) -> tuple[Path, str]:
        """An IP-Adapter's or ControlNet's folder, every file checked against the hashes the job
        names (``adapters.folder_for``), and an IP-Adapter's weights file name in it."""
        from pressroom.store import adapters

        key = adapter.fingerprint
        if key not in self._adapters:
            root, manifest = adapters.folder_for(self.studio, adapter)
            self._adapters[key] = (root, manifest.weight_name if adapter.kind == "ip-adapter" else "")
        return self._adapters[key]

    def image(self, sha256: str) -> Image:
        """A stored image (a parent, a mask, a reference) by the SHA-256 of its file, loaded: from the
        studio's store, else from the card's images folder (checked against the hash)."""
        path = self.studio.assets.find(sha256) if self.studio is not None else None
        if path is None and self.images is not None:
            beside = sorted(self.images.glob(f"{sha256}.*")) if self.images.is_dir() else []
            path = next((p for p in beside if sha256_file(p) == sha256), None)
        if path is None:
            where = [f"the asset store of {self.studio.root}"] if self.studio is not None else []
            where += [f"{self.images}"] if self.images is not None else []
            raise NotFound(
                f"image {sha256} that the recipe reads is not in {' nor in '.join(where)}; export the card "
                "again with its images to take them along"
                if where
                else f"this recipe reads image {sha256[:12]} (a parent or a reference); "
                "reproduce it with the studio that stores it, or a card exported with its images",
                field="card",
            )
        return imagefiles.load(path, f"stored image {sha256[:12]}")
