"""The ledger's index of the asset store: one row per stored file, written with its owner's row.

A file is written (atomically) inside the transaction that records it, while that transaction
holds the store lock (``lock``); a crash between the two leaves a file with no row, which
``sweep`` removes. The sweep holds the same lock exclusively, so it never sees a file that a
live process has written and is about to record: every file it finds unrecorded is garbage,
whatever its age.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import db
from .db import Base
from .studio import Studio

# the PostgreSQL advisory lock that writers share and the sweep takes alone ("pres" in ASCII)
STORE_LOCK = 0x70726573


class StoredFile(Base):
    __tablename__ = "assets"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    ext: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def lock(session: Session, *, exclusive: bool = False) -> None:
    """Hold the store lock until this session's transaction ends: shared by writers, exclusive
    for the sweep. SQLite has one writer at a time, so there it is the write lock itself."""
    db.begin_immediate(session)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        shared = "" if exclusive else "_shared"
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock{shared}({STORE_LOCK})")


def put(studio: Studio, session: Session, data: bytes, ext: str, kind: str) -> str:
    """Store ``data`` and record it in this session's transaction; returns its SHA-256."""
    lock(session)
    sha = studio.assets.put(data, ext)
    if session.get(StoredFile, sha) is None:
        session.add(StoredFile(sha256=sha, ext=ext, kind=kind, created_at=datetime.now(timezone.utc)))
    return sha


def sweep(studio: Studio) -> int:
    """Remove files the ledger does not know (left by a killed process); returns how many."""
    with studio.session() as session:
        lock(session, exclusive=True)
        known = set(session.scalars(select(StoredFile.sha256)))
        # no writer is between writing a file and recording it while the lock is held: no age to spare
        return len(studio.assets.sweep(known, older_than_s=0))
