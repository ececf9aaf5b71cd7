"""The ledger's index of the asset store: one row per stored file, written with its owner's row.

A file is written (atomically) only once its rows are flushed, so a row the ledger refuses never
leaves a file behind, and a transaction that rolls back removes the files it newly wrote. A crash
between writing the file and committing leaves a file with no row, which ``sweep`` removes.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .assets import sha256_bytes
from .db import Base
from .studio import Studio


class StoredFile(Base):
    __tablename__ = "assets"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    ext: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def put(studio: Studio, session: Session, data: bytes, ext: str, kind: str) -> str:
    """Record ``data`` in this session's transaction and store it; returns its SHA-256.

    Add the rows that refer to the file first: they are flushed before the file is written.
    """
    sha = sha256_bytes(data)
    if session.get(StoredFile, sha) is None:
        session.add(StoredFile(sha256=sha, ext=ext, kind=kind, created_at=datetime.now(timezone.utc)))
    session.flush()
    target = studio.assets.path(sha, ext)
    if not target.exists():
        session.info.setdefault(NEW_FILES, []).append(target)
    studio.assets.put(data, ext)
    return sha


NEW_FILES = "pressroom.new_files"  # files this transaction wrote, removed if it rolls back


@event.listens_for(Session, "after_commit")
def _keep_new_files(session: Session) -> None:
    session.info.pop(NEW_FILES, None)


@event.listens_for(Session, "after_rollback")
def _remove_new_files(session: Session) -> None:
    for path in session.info.pop(NEW_FILES, []):
        path.unlink(missing_ok=True)


def sweep(studio: Studio) -> int:
    """Remove files the ledger does not know (left by a killed process); returns how many."""
    with studio.session() as session:
        known = set(session.scalars(select(StoredFile.sha256)))
    return len(studio.assets.sweep(known))
