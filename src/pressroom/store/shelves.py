"""The library's columns in memory: every released asset's look (pHash) and facets, as numpy arrays
(and, on PostgreSQL, the full-text index's lexemes: ``fulltext.Postings``).

``search`` needs, for every asset a query matches, its model, brief, channel, day, cull status
and reviewers (to filter and to count facets), and ``similar`` needs every asset's pHash. Read
row by row from the ledger that costs seconds at 100,000 assets; held as columns it is a few
array operations. One ``Shelves`` is kept per ledger (per process) and read again when the
ledger changed since it was read: its stamp is the newest event (every cull, review and
release records one, in the same transaction as the change), the newest release and the number
of releases. New releases alone are read incrementally (rows after the newest one held);
anything else (a cull, a review) reads the columns again.
"""

from __future__ import annotations

import io
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import text

from pressroom.ledger import fulltext

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

EPOCH = date(1970, 1, 1)
FACETS = ("model", "brief", "reviewer", "status", "channel", "date")


def _stamp(session: Session) -> tuple:
    row = session.execute(text("SELECT (SELECT max(id) FROM events), (SELECT max(id) FROM releases)")).one()
    return tuple(value or 0 for value in row)


def phash_int(value: str) -> int:
    """A 16-hex-digit pHash as the signed 64-bit integer numpy keeps it as."""
    number = int(value, 16)
    return number - (1 << 64) if number >= 1 << 63 else number


@dataclass
class Codes:
    """A column of strings kept as small integers: ``names[code]``."""

    names: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)

    def code(self, name: str) -> int:
        found = self.index.get(name)
        if found is None:
            found = self.index[name] = len(self.names)
            self.names.append(name)
        return found


@dataclass
class Shelves:
    stamp: tuple = ()
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # release ids, ascending
    phash: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    generation: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    brief: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # 0: none
    day: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # days since 1970-01-01
    model: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    channel: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    status: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    # reviewers, one pair per (asset, reviewer): the asset's position in ``ids`` and the reviewer's code
    reviewed_row: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    reviewed_by: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    codes: dict[str, Codes] = field(
        default_factory=lambda: {"model": Codes(), "channel": Codes(), "status": Codes(), "reviewer": Codes()}
    )
    words: fulltext.Postings | None = None  # PostgreSQL: the full-text index's lexemes (``fulltext``)

    # -- reading ------------------------------------------------------------------------------
    def rows_of(self, release_ids: np.ndarray) -> np.ndarray:
        """Positions in the columns of the given release ids, in their order (ids not held are dropped)."""
        if not len(self.ids):
            return np.zeros(0, np.int64)
        rows = np.minimum(np.searchsorted(self.ids, release_ids), len(self.ids) - 1)
        return rows[self.ids[rows] == release_ids]

    def where(
        self,
        rows: np.ndarray,
        *,
        model=None,
        brief=None,
        status=None,
        channel=None,
        reviewer=None,
        since: date | None = None,
    ) -> np.ndarray:
        """The rows among ``rows`` that pass every filter given (order kept)."""
        keep = np.ones(len(rows), dtype=bool)
        for name, wanted in (("model", model), ("status", status), ("channel", channel)):
            if wanted is not None:
                code = self.codes[name].index.get(wanted, -1)
                keep &= getattr(self, name)[rows] == code
        if brief is not None:
            keep &= self.brief[rows] == brief
        if since is not None:
            keep &= self.day[rows] >= (since - EPOCH).days
        if reviewer is not None:
            code = self.codes["reviewer"].index.get(reviewer, -1)
            reviewed = np.zeros(len(self.ids), dtype=bool)
            reviewed[self.reviewed_row[self.reviewed_by == code]] = True
            keep &= reviewed[rows]
        return rows[keep]

    def facets(self, rows: np.ndarray) -> dict[str, dict[str, int]]:
        """For each facet, how many of ``rows`` have each value, most first."""
        out: dict[str, dict[str, int]] = {}
        for name in ("model", "status", "channel"):
            counts = np.bincount(getattr(self, name)[rows], minlength=len(self.codes[name].names))
            out[name] = _named(counts, self.codes[name].names)
        chosen = np.zeros(len(self.ids), dtype=bool)
        chosen[rows] = True
        by = self.reviewed_by[chosen[self.reviewed_row]]
        out["reviewer"] = _named(
            np.bincount(by, minlength=len(self.codes["reviewer"].names)), self.codes["reviewer"].names
        )
        for name, column in (("brief", self.brief[rows]), ("date", self.day[rows])):
            low = int(column.min()) if len(column) else 0
            counts = np.bincount(column - low)
            values = np.flatnonzero(counts) + low
            labels = (
                values.astype("datetime64[D]").astype(str).tolist()
                if name == "date"
                else ["none" if v == 0 else str(v) for v in values.tolist()]
            )
            out[name] = _named(counts[values - low], labels)
        return out

    def nearest(
        self, probe: int, *, limit: int, max_distance: int, exclude: int | None = None
    ) -> list[tuple[int, int]]:
        """(distance, release id) of the assets whose pHash is within ``max_distance`` bits, nearest first."""
        distance = np.bitwise_count(self.phash ^ np.uint64(probe & ((1 << 64) - 1))).astype(np.int64)
        near = np.flatnonzero(distance <= max_distance)
        if exclude is not None:
            near = near[self.ids[near] != exclude]
        order = near[np.lexsort((self.ids[near], distance[near]))][:limit]
        return [(int(distance[i]), int(self.ids[i])) for i in order]

    # -- filling ------------------------------------------------------------------------------
    def _append(self, session: Session, after: int, words_after: int | None = None) -> None:
        """Add the releases after release ``after``: each column read as one aggregated string (no
        Python object per row), then parsed by numpy. ``words_after``: the newest release whose
        lexemes are held already, when they were kept from columns read before."""
        sqlite = session.get_bind().dialect.name == "sqlite"
        row = session.execute(text(COLUMNS_SQLITE if sqlite else COLUMNS_POSTGRES), {"after": after}).one()
        if not row.n:
            return
        ints = {
            name: np.fromstring(getattr(row, name), dtype=np.int64, sep=",")
            for name in ("ids", "generations", "briefs", "days")
        }
        self.ids = np.concatenate([self.ids, ints["ids"]])
        self.generation = np.concatenate([self.generation, ints["generations"]])
        self.brief = np.concatenate([self.brief, ints["briefs"]])
        self.day = np.concatenate([self.day, ints["days"]])
        self.phash = np.concatenate([self.phash, np.frombuffer(bytes.fromhex(row.phashes), ">u8").astype(np.uint64)])
        for name, joined in (("model", row.models), ("channel", row.channels), ("status", row.statuses)):
            setattr(self, name, np.concatenate([getattr(self, name), self._coded(name, joined)]))
        pairs = session.execute(text(REVIEWERS_SQLITE if sqlite else REVIEWERS_POSTGRES), {"after": after}).one()
        if pairs.ids:
            self.reviewed_row = np.concatenate(
                [self.reviewed_row, np.searchsorted(self.ids, np.fromstring(pairs.ids, dtype=np.int64, sep=","))]
            )
            self.reviewed_by = np.concatenate([self.reviewed_by, self._coded("reviewer", pairs.names)])
        if not sqlite:
            self.words = self.words or fulltext.Postings()
            self.words.append(session, after if words_after is None else words_after, int(self.ids[-1]))

    def _coded(self, name: str, joined: str) -> np.ndarray:
        values, inverse = np.unique(np.array(joined.split(SEP)), return_inverse=True)
        codes = np.array([self.codes[name].code(str(v)) for v in values], dtype=np.int32)
        return codes[inverse.reshape(-1)]


SEP = "\x1f"  # between names in an aggregated column (no model, channel, status or person name holds it)
COLUMNS_SQLITE = """
SELECT count(*) AS n, group_concat(id) AS ids, group_concat(generation_id) AS generations,
       group_concat(brief) AS briefs, group_concat(day) AS days, group_concat(phash, '') AS phashes,
       group_concat(model, char(31)) AS models, group_concat(rendition, char(31)) AS channels,
       group_concat(status, char(31)) AS statuses
FROM (SELECT r.id, r.generation_id, coalesce(r.brief_id, 0) AS brief,
             CAST(julianday(r.at) - 2440587.5 AS INTEGER) AS day, r.phash, g.model, r.rendition, g.status
      FROM releases r JOIN generations g ON g.id = r.generation_id WHERE r.id > :after ORDER BY r.id)"""
COLUMNS_POSTGRES = """
SELECT count(*) AS n, string_agg(r.id::text, ',' ORDER BY r.id) AS ids,
       string_agg(r.generation_id::text, ',' ORDER BY r.id) AS generations,
       string_agg(coalesce(r.brief_id, 0)::text, ',' ORDER BY r.id) AS briefs,
       string_agg(((r.at AT TIME ZONE 'UTC')::date - DATE '1970-01-01')::text, ',' ORDER BY r.id) AS days,
       string_agg(r.phash, '' ORDER BY r.id) AS phashes, string_agg(g.model, chr(31) ORDER BY r.id) AS models,
       string_agg(r.rendition, chr(31) ORDER BY r.id) AS channels,
       string_agg(g.status, chr(31) ORDER BY r.id) AS statuses
FROM releases r JOIN generations g ON g.id = r.generation_id WHERE r.id > :after"""
REVIEWERS_SQLITE = """
SELECT group_concat(id) AS ids, group_concat(reviewer, char(31)) AS names
FROM (SELECT DISTINCT r.id, v.reviewer FROM releases r JOIN reviews v ON v.generation_id = r.generation_id
      WHERE r.id > :after)"""
REVIEWERS_POSTGRES = """
SELECT string_agg(id::text, ',') AS ids, string_agg(reviewer, chr(31)) AS names
FROM (SELECT DISTINCT r.id, v.reviewer FROM releases r JOIN reviews v ON v.generation_id = r.generation_id
      WHERE r.id > :after) AS pairs"""


def _named(counts: np.ndarray, names: list[str]) -> dict[str, int]:
    order = np.lexsort((np.arange(len(counts)), -counts))
    order = order[counts[order] > 0]
    return dict(zip([names[i] for i in order.tolist()], counts[order].tolist()))


_held: dict[str, Shelves] = {}
_lock = threading.Lock()


def current(session: Session, cache: Path | None = None, scratch: Path | None = None) -> Shelves:
    """The columns of this ledger's library as they are now (read again only where it changed).

    ``cache``: a file the columns are kept in between processes (a command line reads them from it
    instead of the ledger when the ledger's stamp and its number of releases agree with it), written
    atomically through the studio's temporary place ``scratch``; a cache that cannot be read or
    written is only a slower query."""
    key = session.get_bind().url.render_as_string(hide_password=False)
    stamp = _stamp(session)
    with _lock:
        held = _held.get(key)
        if held is None and cache is not None:
            held = _saved(cache)
            if held is not None and not _agrees(session, held):
                held = None
        if held is not None and held.stamp == stamp:
            _held[key] = held
            return held
        if held is None or not _grown(session, held, stamp):
            # a cull or a review changed the columns; the library's words change only by new releases
            words = held.words if held is not None and _agrees(session, held) else None
            after = held.stamp[1] if words is not None else None
            held = Shelves(words=words)
            held._append(session, 0, after)
        else:
            held._append(session, held.stamp[1] if held.stamp else 0)
        held.stamp = stamp
        _held[key] = held
        if cache is not None:
            _save(cache, held, scratch)
        return held


ARRAYS = ("ids", "phash", "generation", "brief", "day", "model", "channel", "status", "reviewed_row", "reviewed_by")


def _saved(path: Path) -> Shelves | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            held = Shelves(stamp=tuple(int(v) for v in data["stamp"]), **{name: data[name] for name in ARRAYS})
            for name in held.codes:
                names = [str(v) for v in data[f"names_{name}"]]
                held.codes[name] = Codes(names, {n: i for i, n in enumerate(names)})
            if "word_names" in data:
                held.words = fulltext.Postings.from_arrays(data["word_names"], data["word_sizes"], data["word_ids"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    return held if len(held.stamp) == 2 and all(len(getattr(held, n)) == len(held.ids) for n in ARRAYS[:8]) else None


def _agrees(session: Session, held: Shelves) -> bool:
    """Whether the ledger holds as many releases up to the newest held as ``held`` does (and, on
    PostgreSQL, whether ``held`` has their lexemes: a file written before it kept them has not)."""
    if session.get_bind().dialect.name != "sqlite" and held.words is None and len(held.ids):
        return False
    count = session.execute(text("SELECT count(*) FROM releases WHERE id <= :n"), {"n": held.stamp[1]}).scalar()
    return (count or 0) == len(held.ids)


def _save(path: Path, held: Shelves, scratch: Path | None) -> None:
    from pressroom.errors import PressroomError
    from pressroom.store import files

    buffer = io.BytesIO()
    np.savez(
        buffer,
        stamp=np.array(held.stamp, dtype=np.int64),
        **{name: getattr(held, name) for name in ARRAYS},
        **{f"names_{name}": np.array(codes.names, dtype=str) for name, codes in held.codes.items()},
        **(held.words.arrays() if held.words is not None else {}),
    )
    try:
        files.write(path, buffer.getvalue(), scratch=scratch)
    except (OSError, PressroomError):
        pass  # a read-only or full studio: the next process reads the ledger instead


def _grown(session: Session, held: Shelves, stamp: tuple) -> bool:
    """Whether the ledger changed since ``held`` was read only by new releases after the newest held."""
    events, newest = stamp
    if newest < held.stamp[1] or (events != held.stamp[0] and not _only_releases(session, held.stamp[0])):
        return False
    count = session.execute(text("SELECT count(*) FROM releases")).scalar() or 0
    return len(held.ids) + _count_after(session, held.stamp[1]) == count


def _only_releases(session: Session, since_event: int) -> bool:
    """Whether every event after ``since_event`` is a release (nothing else changed what is held)."""
    other = session.execute(
        text("SELECT count(*) FROM events WHERE id > :e AND action <> 'release'"), {"e": since_event}
    ).scalar()
    return not other


def _count_after(session: Session, newest: int) -> int:
    return session.execute(text("SELECT count(*) FROM releases WHERE id > :n"), {"n": newest}).scalar() or 0


def forget() -> None:
    """Drop every ledger's columns (the next query reads them again)."""
    with _lock:
        _held.clear()
