"""A studio made by release 0.1.0 opens unchanged with the code of this tree (issue 22).

``tests/data/studio-0.1.0.tar.gz`` was written by release 0.1.0 (commit 7e28557, before
``src/pressroom`` was split into layered packages) with ``tests/data/make_release_studio.py``: the
fake model ``quick``, four people, brief 1 taken through a concept sprint, direction, lock, review
and release, and a volume run queued but not run. Its ``expected.json`` holds what that release
read back from it. Each test unpacks its own copy and opens it with the new code: no migration, the
same tables upgraded only as each revision since says, the same rows through the new plays, the chain intact, the old queued job run by the
new worker, the engines' entry points, and the old cards and released file still reproducing and
verifying.

When a later revision is added, ``test_the_studio_opens_with_only_the_upgrades_since_the_release``
fails by design until ``UPGRADES`` says what the revision changes (its columns, indexes and links).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tarfile
from importlib import metadata
from pathlib import Path

import pytest

import pressroom.plays  # noqa: F401 - registers the job kinds the plays own with the worker
from pressroom.context import Context
from pressroom.jobs import generations as generations_
from pressroom.jobs import kinds, queue, worker
from pressroom.ledger import db
from pressroom.plays import audit, briefs, events, library, people, releases, reproduction, reviews, volume
from pressroom.plays import images as image_plays
from pressroom.store import cards, provenance, signing
from pressroom.store.studio import Studio

pytestmark = pytest.mark.sqlite_only("a studio made by release 0.1.0 holds its SQLite ledger")

TARBALL = Path(__file__).parent / "data" / "studio-0.1.0.tar.gz"

# what release 0.1.0's pyproject.toml announced (commit 7e28557)
RELEASE_ENGINES = {"diffusers": "pressroom.engines.diffusers_plugin", "fake": "pressroom.engines.fake"}
RELEASE_SCRIPT = "pressroom.cli:main"
# the job kinds release 0.1.0's worker ran (jobs/worker.py HANDLERS at 7e28557)
RELEASE_JOB_KINDS = {"concept", "fix", "lock", "volume"}


@pytest.fixture
def old(tmp_path) -> tuple[Path, dict]:
    """The release's studio unpacked into ``tmp_path``, and what the release read back from it."""
    with tarfile.open(TARBALL) as tar:
        tar.extractall(tmp_path, filter="data")
    root = tmp_path / "studio"
    assert (root / "pressroom.toml").is_file() and (root / "ledger.sqlite").is_file()
    return root, json.loads((root / "expected.json").read_text())


@pytest.fixture
def opened(old):
    """The old studio opened by the new code; a Context acting as each of its people."""
    root, expected = old
    studio = Studio(root)
    ctx = Context(studio)
    as_ = {name: ctx.acting_as(people.actor(ctx, name, "python")) for name in ("dana", "omar", "rita", "kim")}
    yield studio, ctx, as_, expected
    studio.close()


# -- raw looks at the SQLite file, with no pressroom code in between --------------------------------
def _sqlite(root: Path, query: str, *args) -> list[tuple]:
    connection = sqlite3.connect(root / "ledger.sqlite")
    try:
        return connection.execute(query, args).fetchall()
    finally:
        connection.close()


def _schema(root: Path) -> list[tuple]:
    return sorted(_sqlite(root, "SELECT type, name, tbl_name, sql FROM sqlite_master"), key=repr)


def _tables(root: Path) -> list[str]:
    return sorted(name for (name,) in _sqlite(root, "SELECT name FROM sqlite_master WHERE type = 'table'"))


def _revision(root: Path) -> list[tuple]:
    return _sqlite(root, "SELECT version_num FROM alembic_version")


def _counts(root: Path, tables: list[str]) -> dict[str, int]:
    return {t: _sqlite(root, f'SELECT count(*) FROM "{t}"')[0][0] for t in tables}


def _columns(root: Path, table: str) -> set[str]:
    return {row[1] for row in _sqlite(root, f'PRAGMA table_info("{table}")')}


def _relative(value, root: Path):
    """``value`` (JSON-like) with the studio's folder written ``<studio>``, as the release's reads are."""
    return json.loads(json.dumps(value, default=str).replace(str(root.resolve()), "<studio>"))


def _holds(new, old, where: str = "") -> None:
    """``new`` says everything ``old`` said, the same way (new keys in a dict are allowed)."""
    if isinstance(old, dict):
        assert isinstance(new, dict), f"{where}: {new!r} is no longer a mapping"
        for key, value in old.items():
            assert key in new, f"{where}: {key!r} is gone (had {value!r})"
            _holds(new[key], value, f"{where}.{key}")
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), f"{where}: {new!r} != {old!r}"
        for i, (a, b) in enumerate(zip(new, old, strict=True)):
            _holds(a, b, f"{where}[{i}]")
    else:
        assert new == old, f"{where}: {new!r} != {old!r}"


# -- the tests ----------------------------------------------------------------------------------
# what each revision after the release changes, and nothing else: its new columns and indexes,
# and the links it adds to the chain (one per row of the kinds it chains)
UPGRADES = {
    "0019": {
        "columns": {"sign_in_failures": {"address"}},
        "indexes": {"ix_sign_in_failures_address_at"},
        "chained": ("users", "api_tokens", "auth_sessions", "invites"),  # an account link per person ...
    },
    "0020": {"tables": {"mark_replies"}, "indexes": {"ix_mark_replies_mark_id"}},
    "0021": {
        "tables": {"notices", "outbox"},
        "columns": {"users": {"email"}},
        "indexes": {"ix_notices_user_read", "ix_outbox_state_next"},
    },
    "0022": {"tables": {"assignments"}, "indexes": {"ix_assignments_brief"}},
    "0023": {
        "tables": {"guest_shares", "client_decisions"},
        "columns": {"marks": {"guest_share_id"}},  # and mark_replies, made since the release (0020)
        "indexes": {"ix_guest_shares_brief", "ix_client_decisions_generation", "sqlite_autoindex_guest_shares_1"},
    },
    "0024": {
        "tables": {"notice_prefs", "reminders"},
        "columns": {"users": {"digest"}},
        "indexes": {"ux_notice_prefs_user_kind", "ux_reminders_once"},
    },
    "0025": {
        "tables": {"post_handouts", "post_returns"},
        "indexes": {"ix_post_handouts_generation", "ix_post_returns_generation", "ix_post_returns_parent"},
    },
    # release_id may be empty and tool is longer, so the imports table is rebuilt (its rows kept)
    "0026": {"columns": {"imports": {"generation_id", "reproducibility"}}, "indexes": {"ix_imports_generation"}},
}


def test_the_studio_opens_with_only_the_upgrades_since_the_release(old):
    root, expected = old
    before, tables = _schema(root), _tables(root)
    assert _revision(root) == [(expected["alembic_revision"],)]
    assert tables == expected["tables"]
    columns_before = {table: _columns(root, table) for table in tables}
    assert db.head_revision() == max(UPGRADES), "a revision this test does not know: add it to UPGRADES"

    studio = Studio(root)
    studio.migrate()
    with studio.session() as session:  # the new code reads its own ledger
        assert db.current_revision(session.get_bind()) == db.head_revision()
    studio.close()

    assert _revision(root) == [(db.head_revision(),)]
    made = set().union(*(u.get("tables", set()) for u in UPGRADES.values()))
    assert _tables(root) == sorted([*expected["tables"], *made]), "an upgrade made or dropped another table"
    added_columns = {
        table: _columns(root, table) - columns_before[table]
        for table in tables
        if _columns(root, table) != columns_before[table]
    }
    upgraded: dict[str, set] = {}  # two revisions may add columns to one table
    for u in UPGRADES.values():
        for t, c in u.get("columns", {}).items():
            upgraded.setdefault(t, set()).update(c)
    assert added_columns == upgraded
    indexes = {row[1] for row in _schema(root) if row[0] == "index"} - {row[1] for row in before if row[0] == "index"}
    assert indexes == set().union(*(u["indexes"] for u in UPGRADES.values()))
    changed = {"sign_in_failures", *made, *(t for u in UPGRADES.values() for t in u.get("columns", {}))}
    untouched = [row for row in before if row[2] not in changed]
    assert [row for row in _schema(root) if row[2] not in changed] == untouched
    counts = _counts(root, tables)
    chained = sum(expected["counts"][table] for u in UPGRADES.values() for table in u.get("chained", ()))
    assert counts == {**expected["counts"], "chain": expected["counts"]["chain"] + chained}, "an upgrade wrote rows"


def test_every_table_the_new_code_declares_is_one_the_release_made(old):
    root, expected = old
    old_tables = set(expected["tables"]).union(*(u.get("tables", set()) for u in UPGRADES.values()))
    declared = db.Base.metadata.tables
    assert set(declared) <= old_tables, f"tables the release never made: {sorted(set(declared) - old_tables)}"
    made = set().union(*(u.get("tables", set()) for u in UPGRADES.values()))
    for name, table in declared.items():
        if name in made:  # a revision since the release makes it whole
            continue
        upgraded = {c for u in UPGRADES.values() for c in u.get("columns", {}).get(name, ())}  # added by a revision
        missing = {c.name for c in table.columns} - _columns(root, name) - upgraded
        assert not missing, f"table {name}: columns the release never made: {sorted(missing)}"
    # the release's tables the ORM does not declare: Alembic's own, and the full-text index SQLite keeps
    undeclared = {t for t in old_tables - set(declared) if t != "library" and not t.startswith("library_")}
    assert undeclared == {"alembic_version"}, f"tables of the release the new code no longer maps: {sorted(undeclared)}"


def test_the_ledger_reads_back_through_the_new_plays(opened):
    studio, ctx, as_, expected = opened
    was, root = expected["reads"], studio.root
    _holds(_relative(people.people(ctx), root), was["people"], "people")
    _holds(_relative(events.log(ctx), root), was["events"], "events")
    _holds(_relative(briefs.show(ctx, expected["brief"]), root), was["brief"], "brief")
    _holds(_relative(image_plays.listing(ctx), root), was["images"], "generations")
    _holds(_relative(releases.released(as_["kim"], expected["brief"]), root), was["released"], "released")
    jobs = [
        {k: j[k] for k in ("id", "kind", "state", "progress", "requester", "payload", "result", "error")}
        for j in (row.as_dict() for row in queue.listing(studio))
    ]
    _holds(_relative(jobs, root), was["jobs"], "jobs")
    with ctx.unit() as session:
        gate = reviews.status(studio, session, expected["hero"]).as_dict()
    _holds(_relative(gate, root), was["gate"], "review gate")
    assert gate["result"] == expected["review_result"] == "approved"
    sheet = reviews.sheet(as_["rita"], expected["hero"])  # the review sheet, pre-checks run on the old image
    assert sheet["status"]["result"] == "approved" and sheet["findings"]
    recipes = briefs.show(ctx, expected["brief"])["recipes"]
    assert [(r["recipe"], r["status"], r["verdict"], r["hero"]) for r in recipes] == [
        (expected["recipe"], "locked", "exact", expected["hero"])
    ]
    assert Path(recipes[0]["card"]) == root / expected["lock_card"]


def test_the_audit_finds_the_release_chain_intact(opened, capsys):
    studio, ctx, as_, expected = opened
    report = audit.audit(ctx)
    assert report["findings"] == [] and report["intact"] is True, report["findings"]
    assert report["links"] > expected["counts"]["chain"]  # the upgrades chained the facts that grant power
    with ctx.unit() as session:
        audit.require_intact(session, "release brief 1")  # what release and approval check first
    studio.close()
    # the `pressroom audit` command, through the console script the release announced
    [script] = [ep for ep in metadata.entry_points(group="console_scripts") if ep.name == "pressroom"]
    assert script.value == RELEASE_SCRIPT
    capsys.readouterr()
    code = script.load()(["audit", "--studio", str(studio.root), "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert json.loads(out)["intact"] is True


def test_the_queued_volume_job_runs_on_the_new_worker(opened):
    studio, ctx, as_, expected = opened
    assert RELEASE_JOB_KINDS <= set(kinds.known()), f"kinds with no handler: {RELEASE_JOB_KINDS - set(kinds.known())}"
    waiting = expected["queued_job"]
    job = queue.get(studio, waiting["id"])
    assert (job.kind, job.state, job.payload) == ("volume", "queued", waiting["payload"])
    links = audit.audit(ctx)["links"]

    assert worker.serve(studio, until_idle=True) == 1
    job = queue.get(studio, waiting["id"])
    assert (job.state, job.error) == ("done", None)
    run = volume.outcome(studio, job)
    assert len(run.made) == waiting["payload"]["seeds"] == 2 and run.skipped == 0
    assert {(r.recipe_id, r.slot_value) for r in run.made} == {(expected["recipe"], "a red boot")}
    assert len({r.seed for r in run.made}) == 2
    assert all(r.path(studio).is_file() for r in run.made)
    before = {row["id"] for row in expected["reads"]["images"]}
    after = {row.id for row in generations_.listing(studio)}
    assert after - before == {r.id for r in run.made}
    report = audit.audit(ctx)  # the new rows are chained onto the release's chain
    assert report["intact"] is True and report["links"] > links, report


def test_the_engines_entry_points_still_load():
    found = {ep.name: ep for ep in metadata.entry_points(group="pressroom")}
    assert {name: found[name].value for name in RELEASE_ENGINES if name in found} == RELEASE_ENGINES
    for name in RELEASE_ENGINES:
        plugin = found[name].load()
        assert callable(getattr(plugin, "pressroom_register_engines", None)), name
    from pressroom import engines

    assert set(RELEASE_ENGINES) <= set(engines.names())
    assert engines.get("fake") is not None


def test_the_release_cards_reproduce_exactly(opened):
    studio, ctx, as_, expected = opened
    for name in (expected["lock_card"], expected["concept_card"]):
        card = cards.read(studio.root / name)
        assert card.file_sha256, name
        done = reproduction.reproduce(card, studio=studio)
        # compared with the stored image the release made, not only with the card's hashes
        assert done.expected.startswith("stored image"), (name, done.expected)
        assert done.comparison.verdict == "exact", (name, done.comparison)
    concept = cards.read(studio.root / expected["concept_card"])
    made = {row["id"]: row for row in expected["reads"]["images"]}[expected["concept_card_generation"]]
    assert concept.file_sha256 == made["sha256"]


def test_the_released_file_verifies_and_reproduces(opened):
    studio, ctx, as_, expected = opened
    shipped = expected["released"]
    path = studio.root / shipped["path"]
    assert releases.asset(ctx, shipped["id"])["path"] == str(path)
    [row] = expected["reads"]["released"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == row["sha256"], "the released file changed"

    doc = library.verify_file(ctx, path)
    assert (doc["c2pa"], doc["failures"]) == ("Trusted", []), doc
    assert doc["recipe"] and doc["recipe"]["model"]["name"] == "quick"
    assert doc["recipe"]["seed"] == row["lineage"]["seed"]
    checked = provenance.verify(path, signing.trust_anchors(studio))
    assert checked.state == "Trusted" and checked.review and checked.review["decision"] == "approved", checked

    again = reproduction.reproduce_asset(ctx, shipped["id"])
    assert again.comparison.verdict == "exact", again.comparison
