"""The library's columns in memory: every released asset's look (pHash) and facets, as numpy arrays.

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

import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

EPOCH = date(1970, 1, 1)
FACETS = ("model", "brief", "reviewer", "status", "channel", "date")


def _stamp(session: "Session") -> tuple:
    row = session.execute(text("SELECT (SELECT max(id) FROM events), (SELECT max(id) FROM releases), "
                               "(SELECT count(*) FROM releases)")).one()
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
    codes: dict[str, Codes] = field(default_factory=lambda: {"model": Codes(), "channel": Codes(),
                                                            "status": Codes(), "reviewer": Codes()})

    # -- reading ------------------------------------------------------------------------------
    def rows_of(self, release_ids: np.ndarray) -> np.ndarray:
        """Positions in the columns of the given release ids, in their order (ids not held are dropped)."""
        if not len(self.ids):
            return np.zeros(0, np.int64)
        rows = np.minimum(np.searchsorted(self.ids, release_ids), len(self.ids) - 1)
        return rows[self.ids[rows] == release_ids]

    def where(self, rows: np.ndarray, *, model=None, brief=None, status=None, channel=None, reviewer=None,
              since: date | None = None) -> np.ndarray:
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
        out["reviewer"] = _named(np.bincount(by, minlength=len(self.codes["reviewer"].names)),
                                 self.codes["reviewer"].names)
        for name, column, label in (("brief", self.brief[rows], str),
                                    ("date", self.day[rows], lambda d: (EPOCH.fromordinal(EPOCH.toordinal() + int(d)))
                                     .isoformat())):
            values, counts = np.unique(column, return_counts=True)
            order = np.lexsort((values, -counts))
            out[name] = {label(values[i]) if not (name == "brief" and values[i] == 0) else "none": int(counts[i])
                         for i in order}
        return out

    def nearest(self, probe: int, *, limit: int, max_distance: int, exclude: int | None = None
                ) -> list[tuple[int, int]]:
        """(distance, release id) of the assets whose pHash is within ``max_distance`` bits, nearest first."""
        distance = np.bitwise_count(self.phash ^ np.uint64(probe & ((1 << 64) - 1))).astype(np.int64)
        near = np.flatnonzero(distance <= max_distance)
        if exclude is not None:
            near = near[self.ids[near] != exclude]
        order = near[np.lexsort((self.ids[near], distance[near]))][:limit]
        return [(int(distance[i]), int(self.ids[i])) for i in order]

    # -- filling ------------------------------------------------------------------------------
    def _append(self, session: "Session", after: int) -> None:
        rows = session.execute(text(
            "SELECT r.id, r.phash, r.generation_id, r.brief_id, r.at, g.model, r.rendition, g.status "
            "FROM releases r JOIN generations g ON g.id = r.generation_id WHERE r.id > :after ORDER BY r.id"),
            {"after": after}).all()
        if not rows:
            return
        ids, phashes, generations, briefs, ats, models, channels, statuses = zip(*rows)
        model, channel, status = self.codes["model"], self.codes["channel"], self.codes["status"]
        self.ids = np.concatenate([self.ids, np.fromiter(ids, np.int64, len(rows))])
        self.phash = np.concatenate([self.phash, np.fromiter((phash_int(p) for p in phashes), np.int64,
                                                            len(rows)).view(np.uint64)])
        self.generation = np.concatenate([self.generation, np.fromiter(generations, np.int64, len(rows))])
        self.brief = np.concatenate([self.brief, np.fromiter((b or 0 for b in briefs), np.int64, len(rows))])
        self.day = np.concatenate([self.day, np.fromiter((_day(a) for a in ats), np.int64, len(rows))])
        self.model = np.concatenate([self.model, np.fromiter(map(model.code, models), np.int32, len(rows))])
        self.channel = np.concatenate([self.channel, np.fromiter(map(channel.code, channels), np.int32, len(rows))])
        self.status = np.concatenate([self.status, np.fromiter(map(status.code, statuses), np.int32, len(rows))])
        self._reviewers(session, after, len(self.ids) - len(rows))

    def _reviewers(self, session: "Session", after: int, first_row: int) -> None:
        """The reviewers of the assets released after release ``after`` (held from ``first_row`` on)."""
        pairs = session.execute(text(
            "SELECT DISTINCT v.generation_id, v.reviewer FROM reviews v WHERE v.generation_id IN "
            "(SELECT r.generation_id FROM releases r WHERE r.id > :after)"), {"after": after}).all()
        reviewer = self.codes["reviewer"]
        by_generation: dict[int, list[int]] = {}
        for generation_id, name in pairs:
            by_generation.setdefault(generation_id, []).append(reviewer.code(name))
        rows, who = [], []
        for row, generation_id in enumerate(self.generation[first_row:].tolist(), start=first_row):
            for code in by_generation.get(generation_id, ()):
                rows.append(row)
                who.append(code)
        self.reviewed_row = np.concatenate([self.reviewed_row, np.asarray(rows, np.int64)])
        self.reviewed_by = np.concatenate([self.reviewed_by, np.asarray(who, np.int32)])


def _day(value) -> int:
    if isinstance(value, str):  # SQLite hands back its UTC wall time as text through a plain text() query
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return (value.date() - EPOCH).days


def _named(counts: np.ndarray, names: list[str]) -> dict[str, int]:
    order = np.lexsort((np.arange(len(counts)), -counts))
    return {names[i]: int(counts[i]) for i in order if counts[i]}


_held: dict[str, Shelves] = {}
_lock = threading.Lock()


def current(session: "Session") -> Shelves:
    """The columns of this ledger's library as they are now (read again only where it changed)."""
    key = session.get_bind().url.render_as_string(hide_password=False)
    stamp = _stamp(session)
    with _lock:
        held = _held.get(key)
        if held is not None and held.stamp == stamp:
            return held
        if held is None or not _grown(session, held, stamp):
            held = Shelves()
        held._append(session, held.stamp[1] if held.stamp else 0)
        held.stamp = stamp
        _held[key] = held
        return held


def _grown(session: "Session", held: Shelves, stamp: tuple) -> bool:
    """Whether the ledger changed since ``held`` was read only by new releases after the newest held."""
    events, newest, count = stamp
    if newest < held.stamp[1] or (events != held.stamp[0] and not _only_releases(session, held.stamp[0])):
        return False
    return len(held.ids) + _count_after(session, held.stamp[1]) == count


def _only_releases(session: "Session", since_event: int) -> bool:
    """Whether every event after ``since_event`` is a release (nothing else changed what is held)."""
    other = session.execute(text("SELECT count(*) FROM events WHERE id > :e AND action <> 'release'"),
                            {"e": since_event}).scalar()
    return not other


def _count_after(session: "Session", newest: int) -> int:
    return session.execute(text("SELECT count(*) FROM releases WHERE id > :n"), {"n": newest}).scalar() or 0


def forget() -> None:
    """Drop every ledger's columns (the next query reads them again)."""
    with _lock:
        _held.clear()
