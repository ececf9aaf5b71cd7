"""A studio on disk: its config, its ledger and its asset store.

Layout of a studio folder::

    pressroom.toml     the config (the marker a studio is found by)
    ledger.sqlite      the SQLite ledger (WAL), migrated by Alembic
    assets/            content-addressed files (images), see ``assets.py``
    models/            one TOML manifest per registered model, see ``models.py``
    weights/           weights pressroom made itself (the built-in ``tiny`` model)
    cards/             recipe cards exported without ``-o``

A command finds its studio from ``--studio``, then ``PRESSROOM_STUDIO``, then the current
folder and its parents, the way git finds a repository.
"""

from __future__ import annotations

import os
import tomllib
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Iterator

from .assets import AssetStore, atomic_write
from .errors import StudioError

CONFIG_NAME = "pressroom.toml"
ENV_VAR = "PRESSROOM_STUDIO"

CONFIG_TEMPLATE = """\
# pressroom studio configuration.
[studio]
name = {name}
# The model used when a command names none. `tiny` is built in: random weights, its images
# are noise-like; it exists so everything can be tried and tested without a real model.
default_model = "tiny"
"""


class Studio:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        config_path = self.root / CONFIG_NAME
        try:
            self.config = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise StudioError(
                f"{self.root} is not a studio (no {CONFIG_NAME}); create one with `pressroom init {self.root}`"
            ) from exc
        except tomllib.TOMLDecodeError as exc:
            raise StudioError(f"{config_path} is not valid TOML: {exc}") from exc

    # -- places -------------------------------------------------------------------------
    @property
    def ledger_path(self) -> Path:
        return self.root / "ledger.sqlite"

    @property
    def assets(self) -> AssetStore:
        return AssetStore(self.root / "assets")

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def weights_dir(self) -> Path:
        return self.root / "weights"

    @property
    def cards_dir(self) -> Path:
        return self.root / "cards"

    @property
    def default_model(self) -> str:
        return self.config.get("studio", {}).get("default_model", "tiny")

    # -- ledger -------------------------------------------------------------------------
    @cached_property
    def _sessionmaker(self):
        from . import db

        db.load_tables()
        engine = db.connect(self.ledger_path)
        db.migrate(engine)
        return db.sessions(engine)

    @contextmanager
    def session(self) -> Iterator["Session"]:  # noqa: F821
        """A ledger session that commits on success and rolls back on any error."""
        with self._sessionmaker() as session:
            with session.begin():
                yield session

    def migrate(self) -> None:
        """Create the ledger if needed and bring it to the newest schema (done on first use anyway)."""
        self._sessionmaker  # noqa: B018 - building the sessionmaker migrates

    def close(self) -> None:
        if "_sessionmaker" in self.__dict__:
            self._sessionmaker.kw["bind"].dispose()
            del self.__dict__["_sessionmaker"]

    # -- creation and discovery ------------------------------------------------------------
    @classmethod
    def init(cls, path: Path, *, name: str | None = None) -> "Studio":
        """Create a studio at ``path`` (the folder may exist but must not hold a studio)."""
        root = Path(path).resolve()
        if (root / CONFIG_NAME).exists():
            raise StudioError(f"{root} already holds a studio ({CONFIG_NAME} exists)")
        if root.exists() and not root.is_dir():
            raise StudioError(f"{root} exists and is not a folder; choose another path")
        try:
            root.mkdir(parents=True, exist_ok=True)
            for folder in ("assets", "models", "weights", "cards"):
                (root / folder).mkdir(exist_ok=True)
            title = name or root.name
            quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
            atomic_write(root / CONFIG_NAME, CONFIG_TEMPLATE.format(name=quoted).encode())
        except OSError as exc:
            raise StudioError(f"cannot create a studio at {root}: {exc.strerror}") from exc
        studio = cls(root)
        studio.migrate()
        return studio

    @classmethod
    def find(cls, explicit: Path | None = None, start: Path | None = None) -> "Studio":
        if explicit is not None:
            return cls(explicit)
        env = os.environ.get(ENV_VAR)
        if env:
            return cls(Path(env))
        here = Path(start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / CONFIG_NAME).is_file():
                return cls(folder)
        raise StudioError(
            f"no studio in {here} or its parents; run `pressroom init`, pass --studio PATH "
            f"or set {ENV_VAR}"
        )


def create(path: Path, *, name: str | None = None) -> dict:
    """A new studio, ready to use: its ledger, its signing chain and the built-in tiny model."""
    from . import models, signing
    from .errors import ModelError

    studio = Studio.init(path, name=name)
    keys = signing.create(studio)
    try:
        tiny = models.ensure_tiny(studio)
        note = f"built-in model tiny registered ({tiny.ref().short_hash}; random weights, noise-like images)"
    except ModelError as exc:
        note = f"tiny model not built: {exc}"
    return {"studio": str(studio.root), "ledger": str(studio.ledger_path), "assets": str(studio.assets.root),
            "keys": str(keys), "note": note}
