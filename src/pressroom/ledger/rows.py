"""Get a row by its primary key, or say that it does not exist: one message per kind of row.

``get(session, Generation, 7)`` is the row, or ``NotFound("no generation 7", field="generation")``.
The noun is the word people use for the row; the field is the input that named it, by default the
noun (a play whose parameter has another name passes ``field=``). The front ends add how to find
the ones that exist (the CLI a listing command, a page a link).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.orm import Session

from pressroom.errors import NotFound
from pressroom.ledger.tables import (
    ApiToken,
    Assignment,
    Brief,
    Generation,
    GuestShare,
    Job,
    LockedRecipe,
    Mark,
    Notice,
    Release,
)

T = TypeVar("T")

# table -> (what a missing one is called, the field that names one by default)
NOUNS: dict[type, tuple[str, str]] = {
    Generation: ("generation", "generation"),
    Brief: ("brief", "brief"),
    LockedRecipe: ("recipe", "recipe"),
    Job: ("job", "job"),
    Mark: ("mark", "mark"),
    Release: ("released asset", "asset"),
    ApiToken: ("token", "token"),
    Assignment: ("assignment", "assignment"),
    Notice: ("notice", "notice"),
    GuestShare: ("client link", "share"),
}


def missing(table: type, key: Any, *, field: str | None = None) -> NotFound:
    """The error for a ``table`` row ``key`` that does not exist (to raise where the caller needs it)."""
    noun, default = NOUNS[table]
    return NotFound(f"no {noun} {key}", field=field or default)


def get(session: Session, table: type[T], key: Any, *, field: str | None = None, **options: Any) -> T:
    """The ``table`` row with primary key ``key`` (``options`` go to ``Session.get``, e.g.
    ``with_for_update``), or :func:`missing`'s NotFound."""
    row = session.get(table, key, **options)
    if row is None:
        raise missing(table, key, field=field)
    return row
