"""A folder of TOML manifests in the studio, one per registered name: how models (``models/``), LoRAs
(``loras/``) and IP-Adapters and ControlNets (``adapters/``) are registered. Manifests are files, not
ledger rows, so a card finds its weights in a studio whose ledger is gone."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from pressroom.domain import names
from pressroom.errors import InputError, ModelError, NotFound
from pressroom.store import tomlout
from pressroom.store.files import write

if TYPE_CHECKING:
    from pressroom.store.studio import Studio

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Registry(Generic[M]):
    folder: str  # under the studio root
    what: str  # "LoRA", "adapter": how errors name one
    command: str  # the command that registers one (named in the manifest's header)
    manifest: type[M]
    field: str  # the option that names one (errors point at it)
    comments: dict[str, str] = field(default_factory=dict)  # a comment above each of these keys in the file
    exclude_none: bool = False  # leave out the keys whose value is None

    def path(self, studio: Studio, name: str) -> Path:
        """Where ``name``'s manifest is: every name, from any command or card, comes here."""
        names.check(name, f"{self.what} name", file=True, limit=64)
        return studio.inside(studio.root / self.folder / f"{name}.toml", f"{self.what} {name!r}")

    def save(self, studio: Studio, manifest: M, *, replace: bool) -> M:
        target = self.path(studio, manifest.name)
        if target.exists() and not replace:
            raise InputError(
                f"a {self.what} named {manifest.name!r} is registered already; replace it to register it again",
                field="replace",
            )
        text = tomlout.dumps(
            manifest.model_dump(exclude_none=self.exclude_none),
            comments=self.comments,
            header=f"pressroom {self.what} manifest for {manifest.name!r}. Written by `{self.command}`.",
        )
        write(target, text.encode(), scratch=studio.root)
        return manifest

    def read(self, studio: Studio, path: Path) -> M:
        """The manifest in ``path``; one whose paths are kept relative to the studio (a model's) is
        given the studio's root to find them from."""
        try:
            manifest = self.manifest.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
            names.check(manifest.name, f"its {self.what} name", file=True, limit=64)
        except (tomllib.TOMLDecodeError, ValidationError, InputError) as exc:
            raise ModelError(f"{self.what} manifest {path} is damaged: {exc}") from exc
        located = getattr(manifest, "located", None)
        return located(studio.root) if located is not None else manifest

    def all(self, studio: Studio) -> list[M]:
        folder = studio.root / self.folder
        return [self.read(studio, p) for p in sorted(folder.glob("*.toml"))] if folder.is_dir() else []

    def load(self, studio: Studio, name: str, *, field: str | None = None) -> M:
        path = self.path(studio, name)
        if not path.is_file():
            known = ", ".join(m.name for m in self.all(studio)) or "none yet"
            raise NotFound(
                f"unknown {self.what} {name!r} (registered: {known}); register it first", field=field or self.field
            )
        return self.read(studio, path)
