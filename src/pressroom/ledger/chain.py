"""The ledger's hash chain: every event, review decision, image, recipe and person, in one line.

Each link records the facts of one row as they were written (an event's fields; a review
decision with its checks, the image's id, maker and recipe, the reviewer; an image's maker,
parent and file; a recipe's status and content; a person's name and roles) and its hash commits
to those facts and to the link before it. Changing a row, deleting one or writing one around
pressroom leaves it disagreeing with its link; changing, deleting or reordering a link breaks
the hashes after it. ``pressroom audit`` (:mod:`.audit`) walks both.

Links are written by the ledger session itself: every transaction that adds a chained row
appends one link per row (one SHA-256 each) just before it commits, holding the chain lock
(SQLite's write lock, which the transaction holds already; a PostgreSQL advisory lock), so two
writers never fork the chain. Each kind's facts are read back from the database with one query,
the same code the audit uses, so what was hashed is exactly what the audit compares.

The chain cannot stop someone who may write the database from rewriting all of it from some
point on; it makes any edit that is not such a rewrite visible, and every rewrite needs the
append-only triggers dropped, which the audit also finds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Integer, String, Text, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from pressroom.ledger.db import UTCDateTime

GENESIS = "0" * 64
CHAIN_LOCK = 0x63686169  # the PostgreSQL advisory lock appenders take ("chai")
ACCEPT = "accept"  # a director's acknowledged break: what it found and the chain as it stood


LINKS = sa.table(
    "chain",
    sa.column("seq", Integer),
    sa.column("kind", String),
    sa.column("ref", Integer),
    sa.column("facts", Text),
    sa.column("prev", String),
    sa.column("hash", String),
    sa.column("at", UTCDateTime()),
)

# the rows the chain records, as light table shapes (the migration that made the chain uses them too)
_T = {
    "events": sa.table(
        "events",
        *(sa.column(c) for c in ("id", "actor", "actor_id", "channel", "action", "brief_id")),
        sa.column("at", UTCDateTime()),
        sa.column("objects", sa.JSON),
        sa.column("detail", sa.JSON),
    ),
    "reviews": sa.table(
        "reviews",
        *(
            sa.column(c)
            for c in ("id", "generation_id", "reviewer", "reviewer_id", "decision", "note", "alt_text", "stakes")
        ),
        sa.column("at", UTCDateTime()),
    ),
    "review_checks": sa.table(
        "review_checks", *(sa.column(c) for c in ("id", "review_id", "item", "result", "reason"))
    ),
    "generations": sa.table(
        "generations",
        *(sa.column(c) for c in ("id", "maker_id", "parent_id", "recipe_id", "file_sha256", "pixel_sha256")),
        sa.column("recipe", sa.JSON),
    ),
    "recipes": sa.table(
        "recipes",
        *(
            sa.column(c)
            for c in ("id", "brief_id", "version", "parent_id", "status", "slot", "hero_generation_id", "locked_by_id")
        ),
        sa.column("recipe", sa.JSON),
    ),
    "users": sa.table("users", *(sa.column(c) for c in ("id", "name", "admin", "password_hash"))),
    "user_roles": sa.table("user_roles", sa.column("user_id"), sa.column("role")),
    "api_tokens": sa.table(
        "api_tokens",
        *(sa.column(c) for c in ("id", "user_id", "label", "secret_sha256")),
        *(sa.column(c, UTCDateTime()) for c in ("created_at", "revoked_at")),
    ),
    "auth_sessions": sa.table(
        "auth_sessions",
        *(sa.column(c) for c in ("id", "user_id", "secret_sha256")),
        *(sa.column(c, UTCDateTime()) for c in ("created_at", "expires_at", "revoked_at")),
    ),
    "invites": sa.table(
        "invites",
        *(sa.column(c) for c in ("id", "user_id", "secret_sha256", "created_by_id")),
        *(sa.column(c, UTCDateTime()) for c in ("created_at", "expires_at", "used_at")),
    ),
    "guest_shares": sa.table(
        "guest_shares",
        *(sa.column(c) for c in ("id", "brief_id", "guest", "email", "secret_sha256", "created_by_id")),
        sa.column("images", sa.JSON),
        *(sa.column(c, UTCDateTime()) for c in ("created_at", "expires_at", "revoked_at")),
    ),
    "client_decisions": sa.table(
        "client_decisions",
        *(sa.column(c) for c in ("id", "share_id", "generation_id", "decision", "note", "guest", "email")),
        sa.column("at", UTCDateTime()),
    ),
}
# the kinds whose facts are their table's row as it stands, column for column
WHOLE_ROWS = {
    "token": "api_tokens",
    "session": "auth_sessions",
    "invite": "invites",
    "guest_share": "guest_shares",
    "client_decision": "client_decisions",
}
# which kind of link a table's rows belong to, and the column naming that link's row
KIND_OF = {
    "events": (("event", "id"),),
    "reviews": (("review", "id"),),
    "review_checks": (("review", "review_id"),),
    "generations": (("generation", "id"),),
    "recipes": (("recipe", "id"),),
    "users": (("user", "id"), ("account", "id")),
    "user_roles": (("user", "user_id"),),
    "api_tokens": (("token", "id"),),
    "auth_sessions": (("session", "id"),),
    "invites": (("invite", "id"),),
    "guest_shares": (("guest_share", "id"),),
    "client_decisions": (("client_decision", "id"),),
}
# the order a backfill writes them in; "account" (a person's admin right and password), "token",
# "session" and "invite" are the facts that grant power, chained since migration 0019; a guest
# share (a link that opens images to a client) and a client's decision since 0023
KINDS = (
    "user",
    "account",
    "token",
    "session",
    "invite",
    "guest_share",
    "generation",
    "recipe",
    "review",
    "client_decision",
    "event",
)
# each chained table's key, and the columns ``stored`` reads of it: the key, then the rest its facts use
KEYS = {
    "events": ("id",),
    "reviews": ("id",),
    "review_checks": ("id",),
    "generations": ("id",),
    "recipes": ("id",),
    "users": ("id",),
    "user_roles": ("user_id", "role"),
    "api_tokens": ("id",),
    "auth_sessions": ("id",),
    "invites": ("id",),
    "guest_shares": ("id",),
    "client_decisions": ("id",),
}
STORED = {table: (*keys, *(c.name for c in _T[table].c if c.name not in keys)) for table, keys in KEYS.items()}
# rows whose facts change with the work (a person renamed, given a role or a password, a token or a
# session revoked, an invite used, a guest link revoked) get a new link each time
RESTATED = ("users", "user_roles", "api_tokens", "auth_sessions", "invites", "guest_shares")


def canonical(value) -> str:
    def plain(item):
        if isinstance(item, datetime):
            return item.astimezone(UTC).isoformat()
        raise TypeError(f"{type(item).__name__} is not a ledger value")

    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=plain)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def link_hash(prev: str, seq: int, kind: str, ref: int | None, facts: str) -> str:
    return digest(f"{prev}\n{seq}\n{kind}\n{'' if ref is None else ref}\n{facts}")


# -- facts: what a link records of its row, read from the database ----------------------------------------
def _where(column, ids: Iterable[int] | None):
    return sa.true() if ids is None else column.in_(sorted(ids))


def facts(connection: Connection, kind: str, ids: Iterable[int] | None = None) -> dict[int, str]:
    """The canonical facts of each row of ``kind`` (those of ``ids``, or all), by row id."""
    ids = None if ids is None else list(ids)
    found: dict[int, dict] = {}
    if kind == "event":
        t = _T["events"]
        for row in connection.execute(sa.select(t).where(_where(t.c.id, ids))).mappings():
            found[row["id"]] = dict(row)
    elif kind == "review":
        t, g, c = _T["reviews"], _T["generations"], _T["review_checks"]
        query = (
            sa.select(t, g.c.maker_id, g.c.recipe_id, g.c.recipe.label("generation_recipe"))
            .select_from(t.outerjoin(g, g.c.id == t.c.generation_id))
            .where(_where(t.c.id, ids))
        )
        for row in connection.execute(query).mappings():
            item = dict(row)
            item["generation_recipe"] = digest(canonical(item["generation_recipe"]))
            found[row["id"]] = {**item, "checks": []}
        checks = sa.select(c).where(_where(c.c.review_id, ids)).order_by(c.c.id)
        for row in connection.execute(checks).mappings():
            if row["review_id"] in found:
                found[row["review_id"]]["checks"].append([row["id"], row["item"], row["result"], row["reason"]])
            else:  # a check whose decision is gone: keep it visible under that decision's id
                found[row["review_id"]] = {"orphan_checks": [row["id"]]}
    elif kind == "generation":
        t = _T["generations"]
        query = sa.select(t.c.id, t.c.maker_id, t.c.parent_id, t.c.file_sha256, t.c.pixel_sha256, t.c.recipe)
        for row in connection.execute(query.where(_where(t.c.id, ids))).mappings():
            found[row["id"]] = {**row, "recipe": digest(canonical(row["recipe"]))}
    elif kind == "recipe":
        t = _T["recipes"]
        for row in connection.execute(sa.select(t).where(_where(t.c.id, ids))).mappings():
            found[row["id"]] = {**row, "recipe": digest(canonical(row["recipe"]))}
    elif kind in WHOLE_ROWS:
        t = _T[WHOLE_ROWS[kind]]
        for row in connection.execute(sa.select(t).where(_where(t.c.id, ids))).mappings():
            found[row["id"]] = dict(row)
    elif kind == "account":  # the password as a digest of its hash: the link need not hold the hash
        t = _T["users"]
        query = sa.select(t.c.id, t.c.admin, t.c.password_hash).where(_where(t.c.id, ids))
        for row in connection.execute(query).mappings():
            hashed = row["password_hash"]
            found[row["id"]] = {
                "id": row["id"],
                "admin": bool(row["admin"]),
                "password": None if hashed is None else digest(hashed),
            }
    elif kind == "user":
        t, r = _T["users"], _T["user_roles"]
        for row in connection.execute(sa.select(t.c.id, t.c.name).where(_where(t.c.id, ids))).mappings():
            found[row["id"]] = {**row, "roles": []}
        for row in connection.execute(sa.select(r).where(_where(r.c.user_id, ids))).mappings():
            found.setdefault(row["user_id"], {"id": row["user_id"], "name": None, "roles": []})["roles"].append(
                row["role"]
            )
        for item in found.values():
            item["roles"].sort()
    else:
        raise ValueError(f"no chained kind {kind!r}")
    return {ref: canonical(item) for ref, item in found.items()}


def _rows(connection: Connection, query) -> list[tuple]:
    cursor = connection.connection.cursor()  # the driver's rows as they come (a third faster than Rows)
    try:
        cursor.execute(str(query.compile(dialect=connection.dialect)))
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def stored(connection: Connection, table: str) -> list[tuple]:
    """The rows of a chained table as the database holds them, in key order: the key, then every
    column its links' facts are made from, JSON and times as their text, numbers and text as the
    driver hands them back. Cheaper than ``facts`` (nothing is parsed or made canonical): what the
    audit reads to tell whether rows changed since it last found them whole."""
    t, keys = _T[table], KEYS[table]
    columns = [
        sa.column(n) if isinstance(t.c[n].type, sa.types.NullType) else sa.cast(sa.column(n), Text)
        for n in STORED[table]
    ]
    rows = _rows(connection, sa.select(*columns).select_from(sa.table(table)).order_by(*(sa.column(k) for k in keys)))
    rows.sort(key=lambda row: row[: len(keys)])  # Python's order, whatever the collation (cheap: near sorted)
    return rows


def stored_links(connection: Connection) -> list[tuple]:
    """Every link as (seq, kind, ref, facts, prev, hash), by seq, as the database holds it."""
    L = LINKS
    return _rows(connection, sa.select(L.c.seq, L.c.kind, L.c.ref, L.c.facts, L.c.prev, L.c.hash).order_by(L.c.seq))


# -- appending ----------------------------------------------------------------------------------------
def lock(connection: Connection) -> None:
    """Hold the chain lock until this transaction ends. SQLite: its write lock, taken now."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK})")
    elif not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def head(connection: Connection) -> tuple[int, str]:
    """The last link's (seq, hash); (0, GENESIS) for an empty chain."""
    row = connection.execute(sa.select(LINKS.c.seq, LINKS.c.hash).order_by(LINKS.c.seq.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def append(connection: Connection, entries: Iterable[tuple[str, int | None, str]], *, locked: bool = False) -> str:
    """Append (kind, ref, facts) links in order, holding the chain lock (``locked``: held already,
    or no other writer can be about, as in a migration); returns the new head hash."""
    entries = list(entries)
    if not locked:
        lock(connection)
    seq, prev = head(connection)
    now = datetime.now(UTC)
    rows = []
    for kind, ref, text in entries:
        seq += 1
        current = link_hash(prev, seq, kind, ref, text)
        rows.append({"seq": seq, "kind": kind, "ref": ref, "facts": text, "prev": prev, "hash": current, "at": now})
        prev = current
    if rows:
        connection.execute(sa.insert(LINKS), rows)
    return prev


def record(connection: Connection, pending: dict[str, set[int]], *, locked: bool = False) -> None:
    """Append a link for each pending row (by kind), with its facts as the database holds them now."""
    entries = []
    for kind in KINDS:
        refs = pending.get(kind)
        if not refs:
            continue
        known = facts(connection, kind, refs)
        entries += [(kind, ref, known.get(ref, "null")) for ref in sorted(refs)]
    append(connection, entries, locked=locked)


def backfill(connection: Connection, kinds: Iterable[str] = KINDS) -> None:
    """Chain every row of ``kinds`` already in the ledger (once, when the chain or a kind is made)."""
    record(connection, {kind: set(facts(connection, kind)) for kind in kinds}, locked=True)


# -- the session hook ----------------------------------------------------------------------------------
PENDING = "pressroom.chain_pending"


def _table(obj) -> str:
    table = getattr(obj, "__table__", None)
    return table.name if table is not None else ""


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _context) -> None:
    pending = session.info.setdefault(PENDING, {})
    changed = [o for o in [*session.dirty, *session.deleted] if _table(o) in RESTATED]
    for obj in [*session.new, *changed]:
        table = _table(obj)
        if table not in KIND_OF:
            continue
        for kind, column in KIND_OF[table]:
            ref = getattr(obj, column)
            if ref is not None:
                pending.setdefault(kind, set()).add(ref)


@event.listens_for(Session, "before_commit")
def _append(session: Session) -> None:
    session.flush()
    pending = session.info.pop(PENDING, None)
    if pending:
        record(session.connection(), pending)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(PENDING, None)
