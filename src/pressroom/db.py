"""The ledger: a SQLite file opened through SQLAlchemy 2, migrated by Alembic.

Every connection turns foreign keys on and uses WAL, so a reader never blocks the writer
and a killed process leaves the ledger consistent. Tables are declared in the module of the
concept they hold (``generations.Generation`` ...) on the one ``Base`` defined here; schema
changes are Alembic revisions under ``pressroom/migrations/versions``.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import BigInteger, create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from .errors import Conflict, StudioError

MIGRATIONS = Path(__file__).with_name("migrations")


class Base(DeclarativeBase):
    pass


# the modules that declare tables; all are imported before the first session so that every
# foreign key resolves, whichever command runs
TABLE_MODULES = ("generations", "people", "events", "briefs", "styles", "lockin", "concepts", "culls",
                 "ledgerfiles", "reviews", "releases", "jobs.queue", "jobs.worker")


def load_tables() -> None:
    from importlib import import_module

    for name in TABLE_MODULES:
        import_module(f"pressroom.{name}")


def _on_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def connect(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _on_connect)
    return engine


def _alembic_config(engine: Engine):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    config = _alembic_config(None)  # type: ignore[arg-type]
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision(engine: Engine) -> str | None:
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return row[0] if row else None


def migrate(engine: Engine) -> None:
    """Bring the ledger to the newest schema; a no-op when it is there already."""
    try:
        if current_revision(engine) == head_revision():
            return
        from alembic import command

        command.upgrade(_alembic_config(engine), "head")
    except SQLAlchemyError as exc:
        raise StudioError(f"cannot migrate the ledger {engine.url.database}: {exc}") from exc


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def taken(message: str, field: str | None = None) -> Iterator[None]:
    """Turn a unique-constraint violation (a concurrent writer got there first) into a Conflict."""
    try:
        yield
    except IntegrityError as exc:
        raise Conflict(message, field=field) from exc


class Unsigned64(TypeDecorator):
    """An unsigned 64-bit integer (0 .. 2**64-1, such as a seed) kept in a signed BIGINT column.

    SQLite and PostgreSQL integers are signed 64-bit, so values from 2**63 up are stored as their
    two's complement (negative) and mapped back when read. The mapping is one-to-one, so equality
    queries and unique indexes work on the stored values as they would on the originals; ordering
    does not (2**63 sorts before 0).
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not 0 <= value < 2**64:
            raise ValueError(f"{value} is outside the unsigned 64-bit range 0 .. 2**64-1")
        return value - 2**64 if value >= 2**63 else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value + 2**64 if value < 0 else value


def begin_immediate(session: Session) -> None:
    """Take SQLite's write lock now, at the start of this session's transaction.

    A deferred SQLite transaction that reads and later writes can fail at once with "database
    is locked" when another process wrote in between; one that begins immediately waits its turn
    (busy_timeout) and then holds the lock until it ends. Call it before the transaction writes;
    once it has written, SQLite holds the lock already and this is a no-op. Other dialects lock
    rows instead (``FOR UPDATE``), so this does nothing there.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
