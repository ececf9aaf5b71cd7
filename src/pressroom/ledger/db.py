"""The ledger: SQLite or PostgreSQL through SQLAlchemy 2, migrated by Alembic.

A studio's ledger is named by a URL (``[ledger] url`` in ``pressroom.toml``): by default the
studio's own SQLite file, or a PostgreSQL database a team shares
(``postgresql+psycopg://user@host:5432/db``, or ``...@/db?host=/socket/dir`` over a socket).
A SQLite connection turns foreign keys on and uses WAL, so a reader never blocks the writer
and a killed process leaves the ledger consistent; a PostgreSQL pool checks a connection
that has sat idle before it hands it out. A ledger that is away for now (a server restarting, a
connection cut, a read-only ledger: ``away``) is ``LedgerAway`` to the layers above
(``translated``). Every table is declared in ``pressroom.ledger.tables``
on the one ``Base`` defined here, with ``UTCDateTime`` for
every timestamp; schema changes are Alembic revisions under ``pressroom/migrations/versions``,
one history for both databases.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from sqlalchemy import BigInteger, DateTime, create_engine, event, inspect
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from pressroom.errors import Conflict, InputError, LedgerAway, StudioError, Unavailable

MIGRATIONS = Path(__file__).with_name("migrations")
DIALECTS = ("sqlite", "postgresql")
URL_FIX = 'give a URL like "sqlite:///ledger.sqlite" (a file in the studio) or "postgresql+psycopg://user@host:5432/db"'


class Base(DeclarativeBase):
    pass


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and read back timezone-aware (UTC) on every database.

    SQLite keeps no zone: the value is written as its UTC wall time and given UTC back on
    reading; PostgreSQL keeps a ``timestamptz`` and the value is read back converted to UTC.
    A naive value is refused rather than guessed at."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive timestamp {value.isoformat()}: the ledger stores aware (UTC) times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# -- ledger URLs ---------------------------------------------------------------------------------
def describe(url: URL) -> str:
    """The URL as shown to a person: the password masked."""
    return url.render_as_string(hide_password=True)


def parse_url(text: str, *, relative_to: Path) -> URL:
    """A ledger URL, checked; a relative SQLite path is taken inside ``relative_to`` (the studio)."""
    try:
        url = make_url(text.strip())
    except (ArgumentError, ValueError):
        raise StudioError(f"ledger URL {text!r} is not a database URL; {URL_FIX}") from None
    backend = url.get_backend_name()
    if backend not in DIALECTS:
        raise StudioError(
            f"ledger URL {describe(url)} names {backend!r}; pressroom keeps its ledger in SQLite "
            f"or PostgreSQL: {URL_FIX}"
        )
    if backend == "sqlite":
        if url.get_driver_name() != "pysqlite":
            raise StudioError(f"ledger URL {describe(url)}: use the plain sqlite:/// driver")
        if not url.database or url.database == ":memory:":
            raise StudioError(
                f"ledger URL {describe(url)} names no file; give sqlite:///FILE, e.g. "
                "sqlite:///ledger.sqlite for a file in the studio"
            )
        return url.set(database=str(relative_to / url.database))  # an absolute path stays as it is
    if url.drivername == "postgresql":  # the plain scheme means psycopg (3) here, the driver pressroom ships
        url = url.set(drivername="postgresql+psycopg")
    if url.get_driver_name() != "psycopg":
        raise StudioError(
            f"ledger URL {describe(url)}: use the postgresql+psycopg:// driver (psycopg 3, installed with pressroom)"
        )
    if not url.database:
        raise StudioError(
            f"ledger URL {describe(url)} names no database; add it after the host, e.g. "
            "postgresql+psycopg://user@host:5432/pressroom"
        )
    return url


def ledger_file(url: URL) -> Path | None:
    """The SQLite file of a ledger, or None for a database server."""
    return Path(url.database) if url.get_backend_name() == "sqlite" else None


# -- engines -------------------------------------------------------------------------------------
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _driver_transactions_off(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # pysqlite begins nothing itself; the "begin" event does


def _begin_immediate(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


POOL_SIZE, POOL_OVERFLOW = 5, 10  # connections a process keeps, and may open beyond them when busy


def connect(url: URL, *, transactional_ddl: bool = False) -> Engine:
    """An engine for a ledger URL from ``parse_url`` (nothing is opened yet).

    ``transactional_ddl`` (SQLite; what migrations run on): pysqlite opens a transaction only
    before INSERT, UPDATE or DELETE, so a CREATE or ALTER outside one commits on its own and a
    kill in the middle of a migration leaves half a schema. Here the driver's own transaction
    handling is turned off and every transaction begins with ``BEGIN IMMEDIATE``, so DDL commits
    or rolls back with the rest, and a second process migrating at once waits its turn."""
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
        event.listen(engine, "connect", _sqlite_pragmas)
        if transactional_ddl:
            event.listen(engine, "connect", _driver_transactions_off)
            event.listen(engine, "begin", _begin_immediate)
        return engine
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, connect_args={"connect_timeout": 10})
    _ping_when_rested(engine)
    return engine


PING_AFTER_S = 10.0  # a pooled PostgreSQL connection idle this long is pinged before it is handed out


def _ping_when_rested(engine: Engine) -> None:
    """Check a pooled connection (one round trip) before handing it out only when it has sat idle
    for ``PING_AFTER_S``: a server restarted, or a connection ended by an idle timeout, while it
    rested is met here and replaced, and a request never sees it. A connection back in the pool
    moments ago goes straight out: under load, a ping before every transaction was a round trip
    through a busy server for each of a request's transactions (the check pgbouncer's
    ``server_check_delay`` skips in the same way)."""

    @event.listens_for(engine, "checkin")
    def rested(dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def wakes(dbapi_connection, record, proxy) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PING_AFTER_S:
            return  # new, or used moments ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"a pooled connection no longer answers: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__


def reach(engine: Engine) -> None:
    """Open one connection, or say in one line why the ledger cannot be reached and what to do."""
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as exc:
        if full_disk(exc, engine.url):
            raise Unavailable(FULL) from exc
        where = (
            "check that its folder exists and is writable"
            if engine.url.get_backend_name() == "sqlite"
            else "check that the server runs, the database exists and the user may connect, or fix "
            "[ledger] url in pressroom.toml"
        )
        raise StudioError(f"cannot reach the ledger {describe(engine.url)}: {_first_line(exc)}; {where}") from exc


# -- migrations ----------------------------------------------------------------------------------
def _alembic_config(engine: Engine):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


REVISION = re.compile(r'^(down_)?revision\s*=\s*(?:"([^"]*)"|None)\s*$', re.M)


@cache
def head_revision() -> str:
    """The newest revision of the migrations, read from their files' ``revision`` lines (asking
    Alembic would import it and load every migration: a quarter of a second on each command)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for down, value in REVISION.findall(path.read_text(encoding="utf-8")):
            if value:
                (parents if down else revisions).add(value)
    [head] = revisions - parents
    return head


def current_revision(engine: Engine) -> str | None:
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return row[0] if row else None


def migrate(engine: Engine) -> None:
    """Bring the ledger to the newest schema; a no-op when it is there already.

    The whole upgrade is one transaction (``migrations/env.py``), DDL included on SQLite too
    (``connect(transactional_ddl=True)``): a process killed in the middle leaves the ledger as it
    was before, and the next command (or ``init`` run again) migrates it from there."""
    reach(engine)
    try:
        if current_revision(engine) == head_revision():
            return
        from alembic import command

        runner = connect(engine.url, transactional_ddl=True) if engine.dialect.name == "sqlite" else engine
        try:
            command.upgrade(_alembic_config(runner), "head")
        finally:
            if runner is not engine:
                runner.dispose()
    except SQLAlchemyError as exc:
        raise StudioError(f"cannot migrate the ledger {describe(engine.url)}: {_first_line(exc)}") from exc


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def taken(message: str, field: str | None = None) -> Iterator[None]:
    """Turn a unique-constraint violation (a concurrent writer got there first) into a Conflict."""
    try:
        yield
    except IntegrityError as exc:
        raise Conflict(message, field=field) from exc


LARGEST = 2**63 - 1  # the largest whole number a ledger column holds (SQLite and PostgreSQL)


FULL = (
    "the disk holding the ledger is full: nothing of this step was stored; "
    "free some space and run the same command again"
)


@contextmanager
def translated(url: URL | None = None) -> Iterator[None]:
    """Turn what the database refuses because of what was asked (a number too large for it, a full
    disk) into one error that says so; the transaction has been rolled back by then."""
    try:
        yield
    except OverflowError as exc:  # SQLite's driver refuses integers past 64 bits before sending them
        if "SQLite INTEGER" not in str(exc):
            raise
        raise InputError(
            f"a number given is larger than the ledger holds (at most {LARGEST}); check the ids and counts given"
        ) from exc
    except DataError as exc:  # PostgreSQL: a value out of its column's range
        raise InputError(f"the ledger refused a value: {_first_line(exc.orig or exc)}") from exc
    except DBAPIError as exc:
        if away(exc):
            reason = away_message(exc)
            raise LedgerAway(f"{reason}; try again in a moment", reason=reason) from exc
        if isinstance(exc, OperationalError) and full_disk(exc, url):
            raise Unavailable(FULL) from exc
        raise


# SQLSTATEs of a PostgreSQL server that is away for now: a connection exception (08...), the server
# shutting down, restarting or starting up (57P01 .. 57P05), no connection slot left (53300)
AWAY_SQLSTATES = ("08", "57P", "53300")
READ_ONLY_SQLSTATE = "25006"  # a read-only transaction: a hot standby, default_transaction_read_only


def away(exc: BaseException) -> bool:
    """Whether an error means the ledger is away for now rather than that anything asked was wrong:
    its server cannot be reached, has cut the connection or is restarting, or the ledger is
    read-only (a read-only SQLite file or file system; a PostgreSQL standby or read-only
    transaction). The one place this is decided: ``translated`` turns these into ``LedgerAway``
    (which counts as away too), the server answers them 503 and a worker waits them out.

    A pool that lost its connections this way is renewed by itself: SQLAlchemy invalidates the
    whole pool on a disconnection, and a connection that rested is pinged (``_ping_when_rested``)."""
    return _away_as(exc) is not None


def away_message(exc: BaseException) -> str:
    """An error that ``away`` recognises in one line: what is away and the database's own words."""
    if isinstance(exc, LedgerAway):
        return exc.reason
    return f"the ledger is {_away_as(exc) or 'out of reach'} for now ({_first_line(exc)})"


def _away_as(exc: BaseException) -> str | None:
    """'read-only', 'out of reach', or None when the error is not the ledger being away."""
    if isinstance(exc, LedgerAway):
        return "out of reach"
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    if str(getattr(orig, "sqlite_errorname", "")).startswith("SQLITE_READONLY"):
        return "read-only"  # "attempt to write a readonly database"
    state = getattr(orig, "sqlstate", "")  # "" for SQLite, whose errors carry none
    if state == READ_ONLY_SQLSTATE:
        return "read-only"
    if exc.connection_invalidated or (state and state.startswith(AWAY_SQLSTATES)):
        return "out of reach"
    if state is None and isinstance(exc, OperationalError) and type(orig).__module__.startswith("psycopg"):
        return "out of reach"  # libpq's own: no server at the address, or the connection lost mid-way
    return None


def full_disk(exc: BaseException, url: URL | None = None) -> bool:
    """Whether a database error comes from a full disk: SQLite says so (SQLITE_FULL), or fails to
    write its journal ("disk I/O error") on a disk with no room left; PostgreSQL's 53100."""
    import shutil

    orig = getattr(exc, "orig", exc)
    if "database or disk is full" in str(orig) or getattr(orig, "sqlstate", None) == "53100":
        return True
    if url is None or url.get_backend_name() != "sqlite" or not url.database or "disk I/O error" not in str(orig):
        return False
    try:
        return shutil.disk_usage(Path(url.database).parent).free < 1 << 20
    except OSError:
        return False


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


def serialize(session: Session, key: int) -> None:
    """Hold a lock named ``key`` until this session's transaction ends, so two transactions that
    read and then write the same thing (a count, then a row) take turns: a PostgreSQL advisory
    lock, SQLite's write lock (one for the whole file)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({int(key)})")
    else:
        begin_immediate(session)
