"""A folder of TOML manifests in the studio, one per registered name: how LoRAs (``loras/``) and
IP-Adapters and ControlNets (``adapters/``) are registered. Manifests are files, not ledger rows, so
a card finds its weights in a studio whose ledger is gone."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
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
            manifest.model_dump(),
            header=f"pressroom {self.what} manifest for {manifest.name!r}. Written by `{self.command}`.",
        )
        write(target, text.encode(), scratch=studio.root)
        return manifest

    def read(self, path: Path) -> M:
        try:
            return self.manifest.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, ValidationError) as exc:
            raise ModelError(f"{self.what} manifest {path} is damaged: {exc}") from exc

    def all(self, studio: Studio) -> list[M]:
        folder = studio.root / self.folder
        return [self.read(p) for p in sorted(folder.glob("*.toml"))] if folder.is_dir() else []

    def load(self, studio: Studio, name: str) -> M:
        path = self.path(studio, name)
        if not path.is_file():
            known = ", ".join(m.name for m in self.all(studio)) or "none yet"
            raise NotFound(f"unknown {self.what} {name!r} (registered: {known}); register it first", field=self.field)
        return self.read(path)
