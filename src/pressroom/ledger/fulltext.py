"""The library's full-text index: SQLite FTS5 or a PostgreSQL tsvector, behind one interface.

One row per released file, with four fields (the prompt, the brief's words, tags, the alt
text). Words are stemmed the same way on both (Porter on SQLite, PostgreSQL's English
configuration): "boots" finds "boot". A query is a list of words that must all match; no
search syntax of either database reaches it. The table is made by migration 0004 (on SQLite,
0017 makes each row's rowid its release id, so that matches are read without the stored text).

On PostgreSQL the matches are not read from the table: a GIN bitmap scan visits every matching
row's page, about 40 ms at 50,000 matches. The library's columns in memory (``shelves``) hold the
same index turned around instead (``Postings``: for each lexeme of the stored tsvectors, the ids
of the assets holding it), and PostgreSQL only turns the query into lexemes with its own parser and
stemmer, so a query matches exactly what ``document @@ plainto_tsquery(...)`` matches.

Best match first is the database's own ranking (bm25 on SQLite, ts_rank on PostgreSQL) when at
most ``RANKED`` assets match. Ranking reads every match's stored words, which at tens of
thousands of matches costs far more than the search may (a word most assets share ranks them
all about alike anyway), so a broader query lists its matches newest first instead; ``matches``
says which order it gave.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from pressroom.errors import InputError

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
    session.execute(
        text(
            f"INSERT INTO library ({rowid}release_id, prompt, brief, tags, alt_text) "
            f"VALUES ({':id, ' if rowid else ''}:id, :prompt, :brief, :tags, :alt)"
        ),
        entries,
    )


NONE = np.zeros(0, np.int64)
SEP = "\x1f"  # between lexemes in one string (no lexeme holds it)
# each lexeme of the library's tsvectors with the ids of the assets after :after that hold it (sorted
# here: ordering them in the aggregate doubles the server's time)
POSTINGS = """
SELECT lexeme, string_agg(release_id::text, ',') AS ids
FROM library, unnest(tsvector_to_array(document)) AS lexeme
WHERE release_id > :after AND release_id <= :upto GROUP BY lexeme"""
# the lexemes plainto_tsquery makes of a query (the same parser and stemmer, stop words dropped)
LEXEMES = "SELECT array_to_string(tsvector_to_array(to_tsvector('english', :q)), chr(31))"


@dataclass
class Postings:
    """PostgreSQL's full-text index turned around: for each lexeme, the release ids holding it."""

    lists: dict[str, np.ndarray] = field(default_factory=dict)

    def append(self, session: Session, after: int, upto: int) -> None:
        """Add the assets after release ``after`` up to ``upto`` (all newer than any held, so each list
        stays sorted; ``upto`` is the newest asset the columns read, so both hold the same assets)."""
        for lexeme, joined in session.execute(text(POSTINGS), {"after": after, "upto": upto}):
            new = np.sort(np.fromstring(joined, dtype=np.int64, sep=","))
            held = self.lists.get(lexeme)
            self.lists[lexeme] = new if held is None else np.concatenate([held, new])

    def holding(self, lexemes: list[str]) -> np.ndarray:
        """The ids, ascending, of the assets holding every one of ``lexemes`` (none for no lexeme)."""
        found = [self.lists.get(lexeme) for lexeme in lexemes]
        if not found or any(ids is None for ids in found):
            return NONE
        found.sort(key=len)
        ids = found[0]
        for other in found[1:]:
            ids = np.intersect1d(ids, other, assume_unique=True)
        return ids

    def arrays(self) -> dict[str, np.ndarray]:
        names = list(self.lists)
        sizes = np.array([len(self.lists[name]) for name in names], dtype=np.int64)
        return {
            "word_names": np.array(names, dtype=str),
            "word_sizes": sizes,
            "word_ids": np.concatenate([self.lists[name] for name in names]) if names else NONE,
        }

    @classmethod
    def from_arrays(cls, names: np.ndarray, sizes: np.ndarray, ids: np.ndarray) -> Postings:
        ends = np.cumsum(sizes)
        return cls({str(name): ids[end - size : end] for name, size, end in zip(names, sizes.tolist(), ends.tolist())})


def matches(session: Session, query: str, postings: Postings | None = None) -> tuple[np.ndarray, str]:
    """The ids of released assets whose fields hold every word of ``query``, and their order:
    ``"relevance"`` (best first; at most ``RANKED`` matches) or ``"newest"`` (newest first).
    ``postings``: on PostgreSQL, the library's lexemes in memory (see the module's note)."""
    terms = words(query)
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:
        # each word a quoted FTS5 term, so that no FTS syntax leaks through
        q = " ".join('"' + word.replace('"', '""') + '"' for word in terms)
        every = "SELECT group_concat(rowid) FROM library WHERE library MATCH :q"
        ranked = "SELECT rowid FROM library WHERE library MATCH :q ORDER BY rank, rowid"
    else:
        q = " ".join(terms)
        every = "SELECT string_agg(release_id::text, ',') FROM library WHERE document @@ plainto_tsquery('english', :q)"
        ranked = (
            "SELECT release_id FROM library, plainto_tsquery('english', :q) AS query "
            "WHERE document @@ query ORDER BY ts_rank(document, query) DESC, release_id"
        )
    if postings is not None and not sqlite:
        lexemes = session.execute(text(LEXEMES), {"q": q}).scalar()
        ids = postings.holding(lexemes.split(SEP) if lexemes else [])
    else:
        found = session.execute(text(every), {"q": q}).scalar()
        ids = np.sort(np.fromstring(found, dtype=np.int64, sep=",")) if found else NONE
    if len(ids) > RANKED:
        return ids[::-1], "newest"
    if len(ids) > 1:
        ids = np.fromiter((row[0] for row in session.execute(text(ranked), {"q": q})), np.int64)
    return ids, "relevance"
