"""The library's full-text index: SQLite FTS5 or a PostgreSQL tsvector, behind one interface.

One row per released file, with four fields (the prompt, the brief's words, tags, the alt
text). Words are stemmed the same way on both (Porter on SQLite, PostgreSQL's English
configuration): "boots" finds "boot". A query is a list of words that must all match; no
search syntax of either database reaches it. The table is made by migration 0004.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.orm import Session

from .errors import InputError


def words(query: str) -> list[str]:
    found = re.findall(r"[\w'-]+", query, re.UNICODE)
    if not found:
        raise InputError("search needs at least one word")
    return found


def add(session: Session, release_id: int, *, prompt: str, brief: str, tags: str, alt_text: str) -> None:
    """File a released asset under its words (the tsvector on PostgreSQL is computed from them)."""
    session.execute(text("INSERT INTO library (release_id, prompt, brief, tags, alt_text) "
                         "VALUES (:id, :prompt, :brief, :tags, :alt)"),
                    {"id": release_id, "prompt": prompt, "brief": brief, "tags": tags, "alt": alt_text})


def find(session: Session, query: str) -> list[int]:
    """The ids of released assets whose fields hold every word of ``query``, best match first."""
    terms = words(query)
    if session.get_bind().dialect.name == "sqlite":
        # each word a quoted FTS5 term, so that no FTS syntax leaks through
        match = " ".join('"' + word.replace('"', '""') + '"' for word in terms)
        rows = session.execute(text("SELECT release_id FROM library WHERE library MATCH :q ORDER BY rank"),
                               {"q": match})
    else:
        rows = session.execute(text("SELECT release_id FROM library, plainto_tsquery('english', :q) AS query "
                                    "WHERE document @@ query ORDER BY ts_rank(document, query) DESC, release_id"),
                               {"q": " ".join(terms)})
    return [row[0] for row in rows]
