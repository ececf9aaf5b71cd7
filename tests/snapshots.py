"""Studios saved after an expensive, deterministic setup and put back instead of redoing it.

Many tests begin the same way: a brief taken through intake, a concept sprint, direction and a
lock on the real tiny model (``playbook.locked``), about six seconds each. The first test of a
pytest worker to ask for a setup runs it for real and saves the studio it left (its files, and
its ledger: a SQLite backup, or on PostgreSQL a database copied with ``CREATE DATABASE ...
TEMPLATE``); every later test that asks for the same setup from the same starting state gets
that studio put back into its own folder and ledger. The starting state is part of the key (the
studio's files and every ledger row), so a test that changed its studio first (a config line, a
model, a person) runs the setup for real. What the setup returned is kept with it.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import shutil
import sqlite3
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ledgers import config_url

from pressroom.store.studio import CONFIG_NAME, Studio

T = TypeVar("T")
LEDGER_FILES = ("ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm")
LEDGER = "postgresql+psycopg://SNAPSHOT"  # stands for a test's own database URL in a saved config
PASSING = ("tmp", ".lock")  # a process's scratch and lock files: never part of a studio's state


class Snapshots:
    def __init__(self, folder: Path, ledgers) -> None:
        self.folder = folder
        self.ledgers = ledgers
        self.saved: dict[str, tuple[Path, str | None, object]] = {}
        self.names = itertools.count(1)

    def reuse(self, studio: Studio, setup: str, make: Callable[[], T]) -> T:
        """``make()`` run on ``studio``, or its saved outcome put back when this worker ran it before
        from the same state; returns what ``make`` returned."""
        key = self._state(studio, setup)
        if key in self.saved:
            folder, database, result = self.saved[key]
            self._restore(studio, folder, database)
            return copy.deepcopy(result)
        result = make()
        self.saved[key] = (*self._save(studio), copy.deepcopy(result))
        return result

    def _files(self, root: Path):
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if (
                path.is_file()
                and relative.parts[0] not in PASSING
                and path.name not in PASSING
                and relative.as_posix() not in LEDGER_FILES
            ):
                yield relative, path

    def _state(self, studio: Studio, setup: str) -> str:
        """A digest of the setup's name, the studio's files and every row of its ledger."""
        digest = hashlib.sha256(setup.encode())
        url = config_url(studio.root) if self.ledgers.kind == "postgresql" else None
        for relative, path in self._files(studio.root):
            data = path.read_bytes()
            if relative.as_posix() == CONFIG_NAME and url:
                data = data.replace(url.encode(), LEDGER.encode())  # each test's own database
            digest.update(f"{relative.as_posix()}\0{len(data)}\0".encode() + data)
        from sqlalchemy import inspect, text

        with studio.session() as session:
            for table in sorted(inspect(session.get_bind()).get_table_names()):
                rows = session.execute(text(f'select * from "{table}"')).all()
                digest.update(f"{table}\0{sorted(map(repr, rows))}".encode())
        return digest.hexdigest()

    def _save(self, studio: Studio) -> tuple[Path, str | None]:
        studio.close()
        name = f"snapshot_{next(self.names)}"
        folder = self.folder / name
        folder.mkdir(parents=True)
        for relative, path in self._files(studio.root):
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, folder / relative)
        if self.ledgers.kind == "postgresql":
            url = config_url(studio.root)
            config = folder / CONFIG_NAME
            config.write_text(config.read_text().replace(url, LEDGER))
            return folder, self.ledgers.copy(url, name)
        with (
            sqlite3.connect(studio.root / "ledger.sqlite") as source,
            sqlite3.connect(folder / "ledger.sqlite") as copy,
        ):
            source.backup(copy)
        source.close()
        copy.close()
        return folder, None

    def _restore(self, studio: Studio, folder: Path, database: str | None) -> None:
        studio.close()
        url = config_url(studio.root) if database is not None else None
        for child in studio.root.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        shutil.copytree(folder, studio.root, dirs_exist_ok=True)
        config = studio.root / CONFIG_NAME
        if url is not None:
            config.write_text(config.read_text().replace(LEDGER, url))  # the test's own database
            self.ledgers.replace(url, database)
        studio.config = tomllib.loads(config.read_text())  # the setup may have changed it (a default model)
