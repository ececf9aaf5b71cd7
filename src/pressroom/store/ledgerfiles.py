"""The ledger's index of the asset store: one row per stored file, written with its owner's row.

A file is written (atomically) only once its rows are flushed, inside the transaction that records
it and while that transaction holds the store lock (``lock``): a row the ledger refuses never leaves
a file behind, and a transaction that rolls back removes the files it newly wrote, unless the ledger
went away (``db.away``: the COMMIT may have landed, and the file is kept). A crash between writing
the file and committing, or a COMMIT that did not land, leaves a file with no row, which ``sweep``
removes. The sweep holds
the same lock exclusively, so it never sees a file that a live process has written and is about to
record: every file it finds unrecorded is garbage, whatever its age.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from pressroom.errors import NotFound
from pressroom.ledger import db
from pressroom.ledger.tables import StoredFile
from pressroom.store.assets import sha256_bytes
from pressroom.store.studio import NEW_FILES, Studio

# the PostgreSQL advisory lock that writers share and the sweep takes alone ("pres" in ASCII)
STORE_LOCK = 0x70726573


def lock(session: Session, *, exclusive: bool = False) -> None:
    """Hold the store lock until this session's transaction ends: shared by writers, exclusive
    for the sweep. SQLite has one writer at a time, so there it is the write lock itself."""
    db.begin_immediate(session)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        shared = "" if exclusive else "_shared"
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock{shared}({STORE_LOCK})")


def put(studio: Studio, session: Session, data: bytes, ext: str, kind: str) -> str:
    """Record ``data`` in this session's transaction and store it; returns its SHA-256.

    Add the rows that refer to the file first: they are flushed before the file is written.
    """
    lock(session)
    sha = sha256_bytes(data)
    if session.get(StoredFile, sha) is None:
        session.add(StoredFile(sha256=sha, ext=ext, kind=kind, created_at=datetime.now(UTC)))
    session.flush()
    target = studio.assets.path(sha, ext)
    if not target.exists():
        session.info.setdefault(NEW_FILES, []).append(target)
    studio.assets.put(data, ext)
    return sha


def stored(studio: Studio, sha256: str, kind: str | tuple[str, ...]) -> Path:
    """Where the studio keeps a file of ``kind`` (or of one of several kinds) it recorded (a contact
    sheet, a mask, a reference image), by its SHA-256."""
    kinds = (kind,) if isinstance(kind, str) else kind
    with studio.session() as session:
        row = session.get(StoredFile, sha256) if SHA256.fullmatch(sha256) else None
    if row is None or row.kind not in kinds:
        raise NotFound(f"no {kinds[0]} {sha256[:64]!r} in this studio")
    return studio.assets.path(row.sha256, row.ext)


SHA256 = re.compile(r"[0-9a-f]{64}")


def sweep(studio: Studio) -> int:
    """Remove files the ledger does not know (left by a killed process); returns how many."""
    with studio.session() as session:
        lock(session, exclusive=True)
        known = set(session.scalars(select(StoredFile.sha256)))
        # no writer is between writing a file and recording it while the lock is held: no age to spare
        return len(studio.assets.sweep(known, older_than_s=0))
