"""The library's full-text index: SQLite FTS5 or a PostgreSQL tsvector, behind one interface.

One row per released file, with four fields (the prompt, the brief's words, tags, the alt
text). Words are stemmed the same way on both (Porter on SQLite, PostgreSQL's English
configuration): "boots" finds "boot". A query is a list of words that must all match; no
search syntax of either database reaches it. The table is made by migration 0004 (on SQLite,
0017 makes each row's rowid its release id, so that matches are read without the stored text).

Best match first is the database's own ranking (bm25 on SQLite, ts_rank on PostgreSQL) when at
most ``RANKED`` assets match. Ranking reads every match's stored words, which at tens of
thousands of matches costs far more than the search may (a word most assets share ranks them
all about alike anyway), so a broader query lists its matches newest first instead; ``matches``
says which order it gave.
"""

from __future__ import annotations

import re

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from .errors import InputError

RANKED = 1000  # at most this many matches are ranked by relevance; more are listed newest first


def words(query: str) -> list[str]:
    found = re.findall(r"[\w'-]+", query, re.UNICODE)
    if not found:
        raise InputError("search needs at least one word")
    return found


def add(session: Session, release_id: int, *, prompt: str, brief: str, tags: str, alt_text: str) -> None:
    """File a released asset under its words (the tsvector on PostgreSQL is computed from them)."""
    add_many(session, [{"id": release_id, "prompt": prompt, "brief": brief, "tags": tags, "alt": alt_text}])


def add_many(session: Session, entries: list[dict]) -> None:
    """File many assets at once: dicts of id, prompt, brief, tags and alt (one statement, many rows)."""
    rowid = "rowid, " if session.get_bind().dialect.name == "sqlite" else ""  # the release id (see 0017)
    session.execute(text(f"INSERT INTO library ({rowid}release_id, prompt, brief, tags, alt_text) "
                         f"VALUES ({':id, ' if rowid else ''}:id, :prompt, :brief, :tags, :alt)"), entries)


def matches(session: Session, query: str) -> tuple[np.ndarray, str]:
    """The ids of released assets whose fields hold every word of ``query``, and their order:
    ``"relevance"`` (best first; at most ``RANKED`` matches) or ``"newest"`` (newest first)."""
    terms = words(query)
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:
        # each word a quoted FTS5 term, so that no FTS syntax leaks through
        q = " ".join('"' + word.replace('"', '""') + '"' for word in terms)
        every = "SELECT group_concat(rowid) FROM library WHERE library MATCH :q"
        ranked = "SELECT rowid FROM library WHERE library MATCH :q ORDER BY rank, rowid"
    else:
        q = " ".join(terms)
        every = ("SELECT string_agg(release_id::text, ',') FROM library "
                 "WHERE document @@ plainto_tsquery('english', :q)")
        ranked = ("SELECT release_id FROM library, plainto_tsquery('english', :q) AS query "
                  "WHERE document @@ query ORDER BY ts_rank(document, query) DESC, release_id")
    found = session.execute(text(every), {"q": q}).scalar()
    ids = np.sort(np.fromstring(found, dtype=np.int64, sep=",")) if found else np.zeros(0, np.int64)
    if len(ids) > RANKED:
        return ids[::-1], "newest"
    if len(ids) > 1:
        ids = np.fromiter((row[0] for row in session.execute(text(ranked), {"q": q})), np.int64)
    return ids, "relevance"

