"""An image's lineage: the images it was made from (a fix's parent, that one's parent ...) and
those made from it. One walk for the gate's separation of duties, a mark raised on a parent and
the versions a page compares."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pressroom.ledger.tables import Generation


def ancestors(session: Session, row: Generation) -> list[Generation]:
    """The images ``row`` was made from, its parent first (a loop in the rows ends the walk)."""
    found, seen = [], {row.id}
    while row.parent_id is not None and row.parent_id not in seen:
        row = session.get(Generation, row.parent_id)
        if row is None:
            break
        seen.add(row.id)
        found.append(row)
    return found


def descendants(session: Session, generation_id: int) -> list[int]:
    """The ids of every image made from ``generation_id``, directly or through others."""
    found, frontier = [], [generation_id]
    while frontier:
        children = list(session.scalars(select(Generation.id).where(Generation.parent_id.in_(frontier))))
        children = [c for c in children if c not in found and c != generation_id]
        found += children
        frontier = children
    return found
