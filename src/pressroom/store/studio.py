"""A studio on disk: its config, its ledger and its asset store.

Layout of a studio folder::

    pressroom.toml     the config (the marker a studio is found by)
    ledger.sqlite      the SQLite ledger (WAL), migrated by Alembic, unless [ledger] url names
                       a PostgreSQL database
    assets/            content-addressed files (images), see ``assets.py``
    models/            one TOML manifest per registered model, see ``models.py``
    weights/           weights pressroom made itself (the built-in ``tiny`` model)
    cards/             recipe cards exported without ``-o``

A command finds its studio from ``--studio``, then ``PRESSROOM_STUDIO``, then the current
folder and its parents, the way git finds a repository.

Nothing in the ledger or a model manifest holds an absolute path to a file inside the studio:
such paths are stored relative to the studio folder (``relative``) and found through it
(``resolve``), so the folder can be moved or copied, and another host can mount it elsewhere.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from pressroom.errors import StudioError
from pressroom.store.assets import AssetStore
from pressroom.store.files import write

CONFIG_NAME = "pressroom.toml"
UNFINISHED = ".init-unfinished"  # there while `pressroom init` has not finished making the studio
ENV_VAR = "PRESSROOM_STUDIO"
CONFIG_KEY = "pressroom.config"  # the studio's settings, on each of its ledger sessions

CONFIG_TEMPLATE = """\
# pressroom studio configuration.
[studio]
name = {name}
# The model used when a command names none. Two are built in: `sketch` draws emoji-like subjects
# on the backgrounds and in the places a prompt names (128x128, about a second an image on a CPU);
# `tiny` has random weights and noise-like images, for fast tests.
default_model = {model}

[ledger]
# Where the ledger lives: a SQLite file (a relative path is inside this folder), or a PostgreSQL
# database a team shares, e.g. "postgresql+psycopg://user@host:5432/pressroom" (leave the
# password out and give it with PGPASSWORD or ~/.pgpass).
url = {url}
"""
DEFAULT_LEDGER = "sqlite:///ledger.sqlite"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


NEW_FILES = "pressroom.new_files"  # files a transaction stored in the studio, removed if it rolls back


@event.listens_for(Session, "after_commit")
def _keep_new_files(session: Session) -> None:
    session.info.pop(NEW_FILES, None)


@event.listens_for(Session, "after_rollback")
def _remove_new_files(session: Session) -> None:
    from pressroom.ledger import db

    new = session.info.pop(NEW_FILES, [])
    if db.away(sys.exc_info()[1]):
        # the connection was lost, perhaps during the COMMIT, which may have landed: the files stay,
        # and the next sweep (``ledgerfiles.sweep``) removes those that no row recorded
        return
    for path in new:
        path.unlink(missing_ok=True)


class Studio:
    def __init__(self, root: Path, *, unfinished: bool = False) -> None:
        self.root = Path(root).resolve()
        config_path = self.root / CONFIG_NAME
        if not unfinished and (self.root / UNFINISHED).exists():
            raise StudioError(
                f"the studio at {self.root} was not finished (pressroom init was stopped); run "
                f"`pressroom init {self.root}` again to finish it"
            )
        try:
            self.config = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise StudioError(
                f"{self.root} is not a studio (no {CONFIG_NAME}); create one with `pressroom init {self.root}`"
            ) from exc
        except tomllib.TOMLDecodeError as exc:
            raise StudioError(f"{config_path} is not valid TOML: {exc}") from exc

    # -- places -------------------------------------------------------------------------
    @cached_property
    def ledger_url(self) -> URL:  # noqa: F821
        """The ledger's URL from ``[ledger] url`` (default: ``ledger.sqlite`` in the studio)."""
        from pressroom.ledger import db

        text = str(self.config.get("ledger", {}).get("url", DEFAULT_LEDGER))
        try:
            return db.parse_url(text, relative_to=self.root)
        except StudioError as exc:
            raise StudioError(f"[ledger] url in {self.root / CONFIG_NAME}: {exc}") from None

    @property
    def ledger_path(self) -> Path | None:
        """The SQLite ledger file, or None when the ledger is on a database server."""
        from pressroom.ledger import db

        return db.ledger_file(self.ledger_url)

    @property
    def ledger_label(self) -> str:
        """Where the ledger is, as shown to a person (a file, or the URL with its password masked)."""
        from pressroom.ledger import db

        return str(self.ledger_path) if self.ledger_path else db.describe(self.ledger_url)

    def relative(self, path: Path) -> str:
        """How a path is stored: relative to the studio when inside it, else as given (absolute)."""
        path = Path(path).resolve()
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def inside(self, path: Path, what: str = "a path") -> Path:
        """``path`` resolved (links followed), refused unless it lies inside the studio folder.

        Every file pressroom makes from a name (a model's manifest, a released rendition, a
        proof) goes through here, so no name, link or config entry can send a write elsewhere."""
        resolved = (self.root / path).resolve()
        if not resolved.is_relative_to(self.root):
            raise StudioError(
                f"{what} {path} leads outside the studio ({resolved}); pressroom writes only inside {self.root}"
            )
        return resolved

    def resolve(self, stored: str) -> Path:
        """The file a stored path names (an absolute one stays as it is)."""
        return self.root / stored

    @property
    def assets(self) -> AssetStore:
        return AssetStore(self.root / "assets", scratch=self.root)

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
        # importing these declares every table (tables) and links every row in the hash chain as it
        # is written (chain)
        from pressroom.ledger import chain, db, tables  # noqa: F401

        engine = db.connect(self.ledger_url)
        db.migrate(engine)
        return db.sessions(engine)

    @cached_property
    def _autocommit(self):
        """The ledger's engine with each statement its own transaction (the pool is the same)."""
        return self._sessionmaker.kw["bind"].execution_options(isolation_level="AUTOCOMMIT")

    @contextmanager
    def session(self, *, autocommit: bool = False) -> Iterator[Session]:  # noqa: F821
        """A ledger session that commits on success and rolls back on any error.

        ``autocommit``: every statement commits as it runs, with no BEGIN or COMMIT around them
        (on PostgreSQL, two round trips fewer): for a read of one statement, or a few that need
        not see one moment together."""
        from pressroom.ledger import db

        session = self._sessionmaker(bind=self._autocommit) if autocommit else self._sessionmaker()
        session.info[CONFIG_KEY] = self.config  # for what runs inside a transaction (the notices' webhooks)
        with session, db.translated(self.ledger_url):
            with session.begin():
                yield session

    def migrate(self) -> None:
        """Create the ledger if needed and bring it to the newest schema (done on first use anyway)."""
        self._sessionmaker  # noqa: B018 - building the sessionmaker migrates

    def close(self) -> None:
        if "_sessionmaker" in self.__dict__:
            self._sessionmaker.kw["bind"].dispose()
            del self.__dict__["_sessionmaker"]
            self.__dict__.pop("_autocommit", None)

    # -- creation and discovery ------------------------------------------------------------
    @classmethod
    def init(
        cls,
        path: Path,
        *,
        name: str | None = None,
        database_url: str | None = None,
        finish: Callable[[Studio], None] | None = None,
        default_model: str | None = None,
    ) -> Studio:
        """Create a studio at ``path`` (the folder may exist but must not hold a studio).

        ``database_url`` names the ledger (default: ``ledger.sqlite`` in the studio); ``default_model`` the
        model a command that names none uses (default: sketch where this install ships it, else tiny); a database
        server must be reachable before anything is created. ``finish(studio)`` completes it
        (keys, models) before it counts as made. Until then the folder holds ``UNFINISHED``, every
        other command refuses it, and running ``init`` again resumes: the config written stays,
        the ledger migrates from where it was (each upgrade is one transaction), and ``finish``
        runs again, so it must be safe to repeat."""
        from pressroom.ledger import db
        from pressroom.store import scratch

        root = Path(path).resolve()
        resuming = (root / UNFINISHED).is_file()
        if (root / CONFIG_NAME).exists() and not resuming:
            raise StudioError(f"{root} already holds a studio ({CONFIG_NAME} exists)")
        if root.exists() and not root.is_dir():
            raise StudioError(f"{root} exists and is not a folder; choose another path")
        if resuming and (root / CONFIG_NAME).exists():
            database_url = str(cls(root, unfinished=True).config.get("ledger", {}).get("url", DEFAULT_LEDGER))
        scratch.sweep(root)  # what an init killed before it left its mark may have left
        url_text = database_url or DEFAULT_LEDGER
        url = db.parse_url(url_text, relative_to=root)
        ledger_file = db.ledger_file(url)
        if ledger_file is not None:
            if not ledger_file.parent.is_relative_to(root) and not ledger_file.parent.is_dir():
                raise StudioError(
                    f"ledger URL {db.describe(url)}: the folder {ledger_file.parent} does not exist; "
                    "create it or give another path"
                )
        else:
            engine = db.connect(url)
            try:
                db.reach(engine)
            finally:
                engine.dispose()
        try:
            root.mkdir(parents=True, exist_ok=True)
            if not resuming:
                write(
                    root / UNFINISHED,
                    b"pressroom init has not finished this studio; run it again to finish\n",
                    scratch=root,
                )
            for folder in ("assets", "models", "weights", "cards"):
                (root / folder).mkdir(exist_ok=True)
            if ledger_file is not None:
                ledger_file.parent.mkdir(parents=True, exist_ok=True)
            if not (root / CONFIG_NAME).exists():
                from pressroom.store.models import builtin_default

                config = CONFIG_TEMPLATE.format(
                    name=_toml_string(name or root.name),
                    url=_toml_string(url_text),
                    model=_toml_string(default_model or builtin_default()),
                )
                write(root / CONFIG_NAME, config.encode(), scratch=root)
        except OSError as exc:
            raise StudioError(f"cannot create a studio at {root}: {exc.strerror}") from exc
        studio = cls(root, unfinished=True)
        studio.migrate()
        if finish is not None:
            finish(studio)
        (root / UNFINISHED).unlink()
        return studio

    @classmethod
    def find(cls, explicit: Path | None = None, start: Path | None = None) -> Studio:
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
            f"no studio in {here} or its parents; run `pressroom init`, pass --studio PATH or set {ENV_VAR}"
        )
