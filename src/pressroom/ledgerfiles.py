"""The ledger's index of the asset store: one row per stored file, written with its owner's row.

A file is written (atomically) before the transaction that records it commits; a crash between
the two leaves a file with no row, which ``sweep`` removes.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base, UTCDateTime
from .studio import Studio


class StoredFile(Base):
    __tablename__ = "assets"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    ext: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


def put(studio: Studio, session: Session, data: bytes, ext: str, kind: str) -> str:
    """Store ``data`` and record it in this session's transaction; returns its SHA-256."""
    sha = studio.assets.put(data, ext)
    if session.get(StoredFile, sha) is None:
        session.add(StoredFile(sha256=sha, ext=ext, kind=kind, created_at=datetime.now(timezone.utc)))
    return sha


def sweep(studio: Studio) -> int:
    """Remove files the ledger does not know (left by a killed process); returns how many."""
    with studio.session() as session:
        known = set(session.scalars(select(StoredFile.sha256)))
    return len(studio.assets.sweep(known))
