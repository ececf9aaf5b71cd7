"""The database a test run keeps its ledgers in: SQLite files, or a PostgreSQL server of its own.

``PRESSROOM_TEST_DATABASE=postgresql`` runs the whole suite against a throwaway PostgreSQL
cluster that the run starts (Debian's ``postgresql`` package; as root the server runs as the
``postgres`` user, which PostgreSQL insists on) and stops at the end; unset, or ``sqlite``, every
studio keeps its own SQLite file. On PostgreSQL each test's studio gets its own database, a copy
of a migrated template database (``CREATE DATABASE ... TEMPLATE``), dropped after the test.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
import tomllib
from pathlib import Path

KIND = os.environ.get("PRESSROOM_TEST_DATABASE", "sqlite").strip().lower() or "sqlite"
if KIND not in ("sqlite", "postgresql"):
    raise SystemExit(f"PRESSROOM_TEST_DATABASE={KIND!r}: use sqlite or postgresql")
PORT = 5432  # only names the socket file, in a folder of this run's own: never clashes with another server


def config_url(root: Path) -> str:
    return tomllib.loads((root / "pressroom.toml").read_text())["ledger"]["url"]


class SQLiteLedgers:
    """Each studio's ledger is its own file, copied and removed with the studio folder."""

    kind = "sqlite"

    def new_url(self) -> str | None:
        return None  # the default: ledger.sqlite inside the studio

    def clone(self, template: Path, root: Path) -> None:
        return None  # the file came along with the folder

    def drop(self, url: str | None) -> None:
        pass

    def wipe(self, root: Path) -> None:
        """Lose the ledger (the studio makes a new, empty one on next use)."""
        for suffix in ("", "-wal", "-shm"):
            Path(f"{root / 'ledger.sqlite'}{suffix}").unlink(missing_ok=True)

    def untouched(self, root: Path) -> bool:
        """No ledger was made since ``wipe``: the file does not exist."""
        return not (root / "ledger.sqlite").exists()

    def stop(self) -> None:
        pass


def _bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parents[1].name))
    if not versions:
        raise RuntimeError("PostgreSQL is not installed: run scripts/system-packages.sh")
    return versions[-1].parent


class PostgresLedgers:
    """A throwaway PostgreSQL cluster listening on a socket in a private folder under /tmp."""

    kind = "postgresql"

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="pressroom-pg-"))
        self.names = itertools.count(1)
        as_root = os.geteuid() == 0
        self.runas = ["runuser", "-u", "postgres", "--"] if as_root else []
        if as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        bindir = _bindir()
        data = self.folder / "data"
        self._run(
            [bindir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]
        )
        options = (
            f"-p {PORT} -k {self.folder} -c listen_addresses='' -c fsync=off -c full_page_writes=off "
            "-c synchronous_commit=off -c max_connections=200"
        )
        self.pg_ctl = [bindir / "pg_ctl", "-D", data]
        self.options = options
        self.start()

    # the server's own output goes to its log, never to a pipe of ours (pg_ctl would wait on it)
    def start(self) -> None:
        """Start the server (again), with this cluster's options; returns once it takes connections."""
        self._run([*self.pg_ctl, "-o", self.options, "-l", self.folder / "server.log", "-w", "start"])

    def shut(self) -> None:
        """Stop the server as an administrator does (``-m fast``: every session is ended), keeping
        its databases; ``start`` brings it back."""
        self._run([*self.pg_ctl, "-m", "fast", "-w", "stop"])

    def restart(self) -> None:
        """``pg_ctl -m fast restart``: every session is ended, and the server is back when it returns."""
        self._run([*self.pg_ctl, "-o", self.options, "-l", self.folder / "server.log", "-m", "fast", "-w", "restart"])

    def _run(self, command: list) -> None:
        done = subprocess.run([*self.runas, *map(str, command)], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{command[0]} failed: {done.stdout}{done.stderr}")

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@/{name}?host={self.folder}&port={PORT}"

    def admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(
            host=str(self.folder), port=PORT, user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(statement)

    # copies use PostgreSQL's default strategy (WAL_LOG from version 15): FILE_COPY checkpoints
    # the whole server on each copy, and took 0.45 s a test under load against 0.13 s
    def new_url(self, template: str | None = None) -> str:
        name = f"ledger_{next(self.names)}"
        self.admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def clone(self, template: Path, root: Path) -> str:
        """Give the copy ``root`` of the studio ``template`` a copy of its ledger; returns its URL."""
        from sqlalchemy.engine import make_url

        old = config_url(template)
        new = self.new_url(template=make_url(old).database)
        config = root / "pressroom.toml"
        config.write_text(config.read_text().replace(old, new))
        return new

    def drop(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self.admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def copy(self, url: str, name: str) -> str:
        """A copy named ``name`` of the database at ``url`` (whose connections are ended first); returns ``name``."""
        from sqlalchemy.engine import make_url

        source = make_url(url).database
        self.admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{source}'")
        self.admin(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        return name

    def replace(self, url: str, template: str) -> None:
        """The database at ``url`` becomes a copy of the database ``template``."""
        from sqlalchemy.engine import make_url

        name = make_url(url).database
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    def wipe(self, root: Path) -> None:
        """Lose the ledger: drop the database and make an empty one of the same name."""
        from sqlalchemy.engine import make_url

        name = make_url(config_url(root)).database
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin(f'CREATE DATABASE "{name}"')

    def untouched(self, root: Path) -> bool:
        """No ledger was made since ``wipe``: the database holds no table."""
        import psycopg
        from sqlalchemy.engine import make_url

        with psycopg.connect(
            host=str(self.folder), port=PORT, user="postgres", dbname=make_url(config_url(root)).database
        ) as connection:
            return connection.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0

    def stop(self) -> None:
        self._run([*self.pg_ctl, "-m", "immediate", "stop"])
        shutil.rmtree(self.folder, ignore_errors=True)


def start():
    return PostgresLedgers() if KIND == "postgresql" else SQLiteLedgers()
