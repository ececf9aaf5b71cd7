"""The audit: does the ledger still hold what was written, by pressroom, in the order it was written?

It finds three things (:func:`findings`):
- a rule the database should enforce whose trigger is gone, disabled or changed (``triggers.RULES``);
- a link of the hash chain that was rewritten (its hash does not match its facts) or that does not
  follow the link before it (a link deleted, inserted or moved);
- a chained row that disagrees with its latest link: changed (an image's maker, a locked recipe's
  status, an event's detail ...), deleted, or written around pressroom (no link at all).

Approving an image and releasing are refused while the audit finds anything (``require_intact``).
That check runs on every approval and release, so it starts from what this process last found whole
(``Verified``, kept per ledger URL) instead of re-hashing the chain from its first link: the triggers
as always; the links up to the one verified last, exactly as stored then (one digest); the links
after it verified one by one, as the whole audit does; every chained row as stored (``chain.stored``,
no facts made) the same as then (one digest a table); and each row added since agreeing with its new
link. When any of that does not hold (something changed, an accepted break, a process's first
check), the whole audit judges, from the first link, and says what it finds.

The director resolves a break with ``accept``: the triggers are put back, each row's present
state is linked again (or recorded as gone), and an ``accept`` link records what was found, who
accepted it and why, and a digest of the chain as it stood, so the links before it are checked
against that digest from then on and the links after it pair by pair as before.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import marshal
import threading
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from pressroom.context import Context, utc_now
from pressroom.errors import InputError, Refused
from pressroom.ledger import chain, events, triggers

RESOLVE = "the audit shows what it finds, and a director resolves it by accepting it with a reason"


@dataclass(frozen=True)
class Finding:
    what: str  # trigger | link | row
    text: str  # one line saying what is wrong
    kind: str = ""  # for a row: its link kind, id and present facts ("null": gone)
    ref: int | None = None
    present: str | None = None
    rule: triggers.Rule | None = None

    def as_dict(self) -> dict:
        return {"what": self.what, "finding": self.text}


def _load(connection: Connection) -> list:
    L = chain.LINKS
    return list(
        connection.execute(sa.select(L.c.seq, L.c.kind, L.c.ref, L.c.facts, L.c.prev, L.c.hash).order_by(L.c.seq))
    )


def prefix_digest(links: list) -> str:
    """A digest of the links exactly as stored (what an accepted break vouches for)."""
    return chain.digest("\n".join(f"{s}|{k}|{'' if r is None else r}|{f}|{p}|{h}" for s, k, r, f, p, h in links))


def _name(kind: str, ref) -> str:
    return (
        f"{'review decision' if kind == 'review' else kind.replace('_', ' ')} {ref}"
        if ref is not None
        else f"{kind} link"
    )


def _links(links: list) -> list[Finding]:
    found = []
    accepted = max((i for i, link in enumerate(links) if link.kind == chain.ACCEPT), default=None)
    start = 0
    if accepted is not None:
        start = accepted + 1
        mark = links[accepted]
        try:
            vouched = json.loads(mark.facts).get("prefix")
        except (ValueError, AttributeError):
            vouched = None
        if vouched != prefix_digest(links[:accepted]):
            found.append(
                Finding(
                    "link", f"the links before the break accepted at link {mark.seq} were changed since it was accepted"
                )
            )
        if chain.link_hash(mark.prev, mark.seq, mark.kind, mark.ref, mark.facts) != mark.hash:
            found.append(Finding("link", f"link {mark.seq} (the accepted break) was rewritten"))
    for i in range(start, len(links)):
        link = links[i]
        before = links[i - 1] if i else None
        seq, prev = (before.seq + 1, before.hash) if before else (1, chain.GENESIS)
        if (link.seq, link.prev) != (seq, prev):
            found.append(
                Finding(
                    "link",
                    f"link {link.seq} ({_name(link.kind, link.ref)}) does not follow the link "
                    "before it: a link was deleted, inserted or moved",
                )
            )
        if chain.link_hash(link.prev, link.seq, link.kind, link.ref, link.facts) != link.hash:
            found.append(
                Finding(
                    "link",
                    f"link {link.seq} ({_name(link.kind, link.ref)}) was rewritten: its hash "
                    "does not match what it records",
                )
            )
    return found


def _changes(recorded: str, present: str) -> str:
    try:
        was, now = json.loads(recorded), json.loads(present)
    except ValueError:
        return "its facts"
    if not (isinstance(was, dict) and isinstance(now, dict)):
        return "its facts"
    keys = sorted(k for k in was.keys() | now.keys() if was.get(k) != now.get(k))

    def shown(value) -> str:
        text = json.dumps(value)
        return text if len(text) <= 40 else text[:37] + "..."

    return ", ".join(f"{k} {shown(was.get(k))} -> {shown(now.get(k))}" for k in keys) or "its facts"


def _rows(connection: Connection, links: list) -> list[Finding]:
    latest = {(link.kind, link.ref): link.facts for link in links if link.kind != chain.ACCEPT}
    found = []
    for kind in chain.KINDS:
        present = chain.facts(connection, kind)
        recorded = {ref: facts for (k, ref), facts in latest.items() if k == kind}
        for ref in sorted(present.keys() | recorded.keys()):
            now, then = present.get(ref), recorded.get(ref)
            name = _name(kind, ref)
            if then is None:
                text = f"{name} is not in the chain: it was written around pressroom"
            elif then == "null":
                text = None if now is None else f"{name} is back after it was accepted as gone"
            elif now is None:
                text = f"{name} was deleted"
            elif now != then:
                text = f"{name} was changed: {_changes(then, now)}"
            else:
                text = None
            if text:
                found.append(Finding("row", text, kind, ref, now if now is not None else "null"))
    return found


def findings(connection: Connection) -> list[Finding]:
    """Everything the audit finds wrong (none: the ledger is whole). Hold the chain lock first."""
    found = [
        Finding("trigger", f"the rule {rule.name} on {rule.table} ({rule.message}) {why}", rule=rule)
        for rule, why in triggers.missing(connection)
    ]
    links = _load(connection)
    return found + _links(links) + _rows(connection, links)


# -- the check from the last verified link ---------------------------------------------------------------
@dataclass(frozen=True)
class Verified:
    """What a check found whole: the last link then (``seq``, ``hash``); the digest of every link up
    to it as stored; and each chained table's rows up to a key (None: it had none), by the digest of
    those rows as ``chain.stored`` reads them."""

    seq: int
    hash: str
    links: str
    rows: dict[str, tuple[tuple | None, str]] = field(default_factory=dict)


EMPTY = hashlib.sha256().hexdigest()  # the digest of no rows
_verified: dict = {}  # this process's: ledger URL -> Verified
_verified_guard = threading.Lock()


def _remember(connection: Connection, state: Verified | None) -> None:
    with _verified_guard:
        if state is None:
            _verified.pop(connection.engine.url, None)
        else:
            _verified[connection.engine.url] = state


def _recalled(connection: Connection) -> Verified | None:
    with _verified_guard:
        return _verified.get(connection.engine.url)


def _fold(digest, rows: list[tuple]):
    """``digest`` (a running SHA-256) with ``rows`` added, each as its own marshal record (version 2:
    no back-references, so the same values always give the same bytes, and one record ends where the
    next begins): rows fold in the same in one go or as those verified first, then those added since."""
    digest.update(b"".join(map(marshal.dumps, rows, itertools.repeat(2))))
    return digest


def _read(connection: Connection) -> tuple[list[tuple], dict[str, list[tuple]]]:
    """The links and the chained rows, as stored (read before they are judged: a change after the
    reading is found at the next check)."""
    return chain.stored_links(connection), {table: chain.stored(connection, table) for table in chain.KEYS}


def _last(table: str, rows: list[tuple]) -> tuple | None:
    return rows[-1][: len(chain.KEYS[table])] if rows else None


def _state(links: list[tuple], tables: dict[str, list[tuple]]) -> Verified:
    seq, head = (links[-1][0], links[-1][5]) if links else (0, chain.GENESIS)
    return Verified(
        seq,
        head,
        _fold(hashlib.sha256(), links).hexdigest(),
        {table: (_last(table, rows), _fold(hashlib.sha256(), rows).hexdigest()) for table, rows in tables.items()},
    )


def _since(connection: Connection, known: Verified) -> Verified | None:
    """The ledger's state if it is whole judged from ``known``: the links up to it and the rows then
    unchanged, the links after it verified one by one, each row added since agreeing with its new link.
    None when this cannot tell, and the whole audit decides."""
    links, tables = _read(connection)
    split = bisect.bisect_right(links, known.seq, key=lambda link: link[0])
    digest = _fold(hashlib.sha256(), links[:split])
    if digest.hexdigest() != known.links:  # a link before it rewritten, deleted, inserted or moved
        return None
    seq, prev, latest = known.seq, known.hash, {}
    for link in links[split:]:
        at, kind, ref, facts, before, hashed = link
        if (
            kind == chain.ACCEPT
            or (at, before) != (seq + 1, prev)
            or chain.link_hash(before, at, kind, ref, facts) != hashed
        ):
            return None
        seq, prev = at, hashed
        latest[(kind, ref)] = facts
    touched, rows_now = set(latest), {}
    for table, rows in tables.items():
        keys, (upto, then) = len(chain.KEYS[table]), known.rows.get(table, (None, EMPTY))
        cut = 0 if upto is None else bisect.bisect_right(rows, upto, key=lambda row: row[:keys])
        folded = _fold(hashlib.sha256(), rows[:cut])
        if folded.hexdigest() != then:  # a row changed, deleted or slipped in among those verified
            return None
        for kind, column in chain.KIND_OF[table]:  # added since: each needs its new link
            where = chain.STORED[table].index(column)
            touched |= {(kind, row[where]) for row in rows[cut:]}
        rows_now[table] = (_last(table, rows), _fold(folded, rows[cut:]).hexdigest())
    for kind in chain.KINDS:
        refs = {ref for k, ref in touched if k == kind}
        present = chain.facts(connection, kind, refs) if refs else {}
        if any(latest.get((kind, ref)) != present.get(ref, "null") for ref in refs):  # no new link, or not this
            return None
    return Verified(seq, prev, _fold(digest, links[split:]).hexdigest(), rows_now)


def intact(connection: Connection) -> list[Finding]:
    """What ``require_intact`` finds: nothing when the ledger is whole judged from the last link this
    process verified (see the module's text), else what the whole audit finds. Hold the chain lock first."""
    known = _recalled(connection)
    if known is not None and not triggers.missing(connection):
        now = _since(connection, known)
        if now is not None:
            _remember(connection, now)
            return []
    links, tables = _read(connection)
    found = findings(connection)
    _remember(connection, None if found else _state(links, tables))
    return found


def require_intact(session: Session, doing: str) -> None:
    """Refuse ``doing`` (approve, release) while the audit finds anything; holds the chain lock."""
    connection = session.connection()
    chain.lock(connection)
    found = intact(connection)
    if found:
        more = f" and {len(found) - 1} more" if len(found) > 1 else ""
        raise Refused(f"cannot {doing}: the ledger shows tampering ({found[0].text}{more}); {RESOLVE}", field="ledger")


# -- use cases ------------------------------------------------------------------------------------
def audit(ctx: Context) -> dict:
    """What the audit finds; ``intact`` when nothing. Anyone may look."""
    with ctx.unit() as session:
        connection = session.connection()
        chain.lock(connection)
        found = findings(connection)
        size, head = chain.head(connection)
        if found:
            _remember(connection, None)  # the next approval audits it all again
    return {"intact": not found, "links": size, "head": head, "findings": [f.as_dict() for f in found]}


def accept(ctx: Context, reason: str) -> dict:
    """The director accepts what the audit finds: triggers back, rows linked as they are now, and an
    acknowledged break in the chain saying what was found, by whom and why."""
    if not reason.strip():
        raise InputError("say why the break is accepted (what was found and done about it)", field="reason")
    director = ctx.actor.require("director", "accept a break in the ledger's chain")
    with ctx.unit() as session:
        connection = session.connection()
        chain.lock(connection)
        found = findings(connection)
        if not found:
            raise Refused("nothing to accept: the audit finds the ledger whole")
        for finding in found:
            if finding.rule is not None:
                triggers.restore(connection, finding.rule)
        chain.append(connection, [(f.kind, f.ref, f.present) for f in found if f.what == "row"], locked=True)
        vouched = prefix_digest(_load(connection))
        mark = chain.canonical(
            {
                "by": director.id,
                "name": director.name,
                "reason": reason,
                "at": ctx.now(),
                "findings": [f.text for f in found],
                "prefix": vouched,
            }
        )
        head = chain.append(connection, [(chain.ACCEPT, None, mark)], locked=True)
        events.record(session, director, "audit.accept", findings=[f.text for f in found], reason=reason)
        _remember(connection, None)
    return {
        "accepted": [f.as_dict() for f in found],
        "by": director.name,
        "reason": reason,
        "head": head,
        "at": utc_now().isoformat(),
    }
