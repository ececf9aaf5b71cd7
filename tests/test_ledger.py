"""The ledger on SQLite and PostgreSQL: one schema, its rules in both, aware times, a movable studio,
and a one-line error for every bad ledger URL."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from playbook import SMALL, locked
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError
from test_release import approve, released

from pressroom.errors import LedgerAway
from pressroom.ledger import db
from pressroom.store.studio import Studio

pytestmark = pytest.mark.ledger_contract("the ledger itself: its URLs, migrations, pools and translated errors")

FTS5_SHADOWS = {"library_config", "library_content", "library_data", "library_docsize", "library_idx"}
TRIGGERS = {
    ("events_no_update", "events"),
    ("events_no_delete", "events"),
    ("recipes_immutable", "recipes"),
    ("reviews_no_update", "reviews"),
    ("reviews_no_delete", "reviews"),
    ("review_checks_no_update", "review_checks"),
    ("review_checks_no_delete", "review_checks"),
    ("chain_no_update", "chain"),
    ("chain_no_delete", "chain"),
    ("generations_maker_fixed", "generations"),
    ("recipes_status_fixed", "recipes"),
}


def _kind(column_type) -> str:
    try:
        return column_type.python_type.__name__
    except NotImplementedError:  # FTS5 columns have no type at all
        return type(column_type).__name__


def schema(studio: Studio) -> dict:
    """Tables, columns, keys, indexes, unique constraints and triggers, as comparable plain data."""
    with studio.session() as session:
        connection = session.connection()
        found = inspect(connection)
        tables = {}
        for table in found.get_table_names():
            if table in FTS5_SHADOWS:  # FTS5 keeps its index in these; PostgreSQL in a column and a GIN index
                continue
            columns = found.get_columns(table)
            if table == "library":  # FTS5 on SQLite: a virtual table of untyped columns; the full-text fields match
                tables[table] = {"columns": [c["name"] for c in columns if c["name"] != "document"]}
                continue
            tables[table] = {
                "columns": [(c["name"], c["nullable"], _kind(c["type"])) for c in columns],
                "primary key": found.get_pk_constraint(table)["constrained_columns"],
                "foreign keys": sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                    for f in found.get_foreign_keys(table)
                ),
                "indexes": sorted(
                    (
                        i["name"],
                        tuple(i["column_names"]),
                        bool(i["unique"]),
                        " ".join(str(w) for k, w in i.get("dialect_options", {}).items() if k.endswith("_where")),
                    )
                    for i in found.get_indexes(table)
                    if "duplicates_constraint" not in i
                ),
                "unique": sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(table)),
            }
        if connection.dialect.name == "sqlite":
            triggers = connection.exec_driver_sql("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
        else:
            triggers = connection.exec_driver_sql(
                "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal"
            )
        version = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    return {"tables": tables, "triggers": {tuple(t) for t in triggers}, "version": version}


def test_the_head_revision_read_from_the_files_is_alembics_own():
    from alembic.script import ScriptDirectory

    assert db.head_revision() == ScriptDirectory.from_config(db._alembic_config(None)).get_current_head()


def test_one_history_builds_the_same_schema_on_sqlite_and_postgresql(tmp_path, postgres):
    lite = Studio.init(tmp_path / "lite")
    url = postgres.new_url()
    server = Studio.init(tmp_path / "server", database_url=url)
    try:
        on_sqlite, on_postgres = schema(lite), schema(server)
    finally:
        lite.close()
        server.close()
        postgres.drop(url)
    assert on_sqlite["version"] == on_postgres["version"] == db.head_revision()
    assert on_sqlite["triggers"] == on_postgres["triggers"] == TRIGGERS
    assert sorted(on_sqlite["tables"]) == sorted(on_postgres["tables"])
    assert (
        on_sqlite["tables"]["library"]
        == on_postgres["tables"]["library"]
        == {"columns": ["release_id", "prompt", "brief", "tags", "alt_text"]}
    )
    for table, shape in on_sqlite["tables"].items():
        if table == "library":
            continue
        other = on_postgres["tables"][table]
        for part in ("columns", "primary key", "foreign keys", "unique"):
            assert shape[part] == other[part], (table, part)
        # the same indexes; a partial one is partial in both, on the same condition
        assert [i[:3] for i in shape["indexes"]] == [i[:3] for i in other["indexes"]], table
        for mine, theirs in zip(shape["indexes"], other["indexes"], strict=True):
            assert ("volume" in mine[3]) == ("volume" in theirs[3]) == (mine[0] == "ux_generations_volume"), mine


def test_the_volume_identity_is_unique_among_volume_images_only(cli, studio, tmp_path):
    brief, lock = locked(cli, tmp_path)
    made = json.loads(
        cli("volume", lock["recipe"], "--vary", "subject=a red boot", "--seeds", "1", "--as", "omar", "--json").out
    )["made"]
    fixed = cli("fix", made[0]["id"], "--refine", "--strength", "0.5", "--as", "omar", "--json")
    assert fixed.code == 0, fixed.err  # a fix keeps the volume image's identity: the index must let it be
    with studio.session() as session:
        rows = session.execute(
            text(
                "SELECT play, recipe_id, slot_value, seed FROM generations "
                "WHERE recipe_id = :r AND play IN ('volume', 'fix')"
            ),
            {"r": lock["recipe"]},
        ).all()
    assert sorted(r[0] for r in rows) == ["fix", "volume"] and len({r[1:] for r in rows}) == 1
    again = cli("volume", lock["recipe"], "--vary", "subject=a red boot", "--seeds", "1", "--as", "omar", "--json")
    assert json.loads(again.out)["skipped"] == 1
    recipe = lock["recipe"]
    with studio.session() as session:
        seed = session.scalar(
            text("SELECT seed FROM generations WHERE play = 'volume' AND recipe_id = :r"), {"r": recipe}
        )
    with pytest.raises(IntegrityError), studio.session() as session:  # the ledger itself refuses a second one
        session.execute(
            text(
                "INSERT INTO generations (created_at, model, seed, prompt, recipe, file_sha256, pixel_sha256, phash, "
                "dhash, ext, width, height, warnings, elapsed_s, recipe_id, slot_value, play) SELECT created_at, model, "
                "seed, prompt, recipe, file_sha256, pixel_sha256, phash, dhash, ext, width, height, warnings, elapsed_s, "
                "recipe_id, slot_value, play FROM generations WHERE play = 'volume' AND recipe_id = :r AND seed = :s"
            ),
            {"r": recipe, "s": seed},
        )


def test_every_timestamp_reads_back_aware_in_utc(cli, studio, tmp_path):
    from pressroom.ledger.db import Base, UTCDateTime
    from pressroom.ledger.tables import Style

    brief, lock = locked(cli, tmp_path)
    stamped = [
        (mapper.class_, column.key)
        for mapper in Base.registry.mappers
        for column in mapper.columns
        if isinstance(column.type, UTCDateTime)
    ]
    assert {cls.__tablename__ for cls, _ in stamped} >= {"generations", "events", "briefs", "recipes", "users"}
    plain = [
        (mapper.class_.__tablename__, column.key)
        for mapper in Base.registry.mappers
        for column in mapper.columns
        if column.type._type_affinity.__name__ == "DateTime" and not isinstance(column.type, UTCDateTime)
    ]
    assert plain == []  # no table keeps a timestamp any other way
    seen = 0
    with studio.session() as session:
        for cls, key in stamped:
            for value in session.scalars(select(getattr(cls, key))):
                if value is not None:
                    assert value.tzinfo is not None and value.utcoffset() == timedelta(0), (cls, key, value)
                    seen += 1
    assert seen > 10
    kolkata = timezone(timedelta(hours=5, minutes=30))
    moment = datetime(2026, 11, 21, 17, 0, tzinfo=kolkata)
    with studio.session() as session:
        session.add(Style(name="kolkata", style="s", negative="", note="", created_at=moment))
    with studio.session() as session:
        back = session.scalar(select(Style.created_at).where(Style.name == "kolkata"))
        assert back == moment and back.tzinfo == UTC and back.hour == 11 and back.minute == 30
        # a comparison in SQL means the same instant whatever zone the bound value is given in
        assert session.scalars(select(Style.name).where(Style.created_at == moment)).all() == ["kolkata"]
        assert session.scalars(select(Style.name).where(Style.created_at == back)).all() == ["kolkata"]
    with pytest.raises(StatementError, match="naive timestamp"), studio.session() as session:
        session.add(Style(name="naive", style="s", negative="", note="", created_at=datetime(2026, 1, 1)))
        session.flush()


def test_a_studio_folder_moved_elsewhere_keeps_working(cli, studio, tmp_path, monkeypatch):
    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"], "A crimson sneaker resting on emerald moss")
    files = released(cli, brief)
    generated = json.loads(
        cli("generate", "--prompt", "a lighthouse", "--seed", "3", "--steps", "2", *SMALL, "--json").out
    )[0]
    assert cli("recipe", "export", generated["id"]).code == 0  # into the studio's cards/
    old = studio.root
    studio.close()

    # nothing the studio keeps names where it was: not the ledger, not a model manifest
    with studio.session() as session:
        tables = [name for name in inspect(session.connection()).get_table_names() if name not in FTS5_SHADOWS]
        dump = json.dumps(
            [[list(row) for row in session.execute(text(f"SELECT * FROM {name}"))] for name in tables], default=str
        )
    studio.close()
    assert "releases/brief-" in dump and str(tmp_path) not in dump
    for manifest in (old / "models").glob("*.toml"):
        assert str(tmp_path) not in manifest.read_text(), manifest

    moved = tmp_path / "elsewhere" / "renamed"
    moved.parent.mkdir()
    shutil.move(old, moved)
    assert not old.exists()
    monkeypatch.setenv("PRESSROOM_STUDIO", str(moved))

    again = cli("generate", "--prompt", "a lighthouse", "--seed", "4", "--steps", "2", *SMALL, "--json")
    assert again.code == 0, again.err
    card = moved / "cards" / f"gen-{generated['id']}.toml"
    reproduced = cli("reproduce", card, "--json")
    assert reproduced.code == 0 and json.loads(reproduced.out)["verdict"] == "exact", reproduced.err
    shown = json.loads(cli("brief", "show", brief, "--json").out)
    lock_card = shown["recipes"][0]["card"]
    assert (
        lock_card.startswith(str(moved)) and json.loads(cli("reproduce", lock_card, "--json").out)["verdict"] == "exact"
    )
    found = json.loads(cli("search", "sneakers", "--json").out)["assets"]  # stemmed: the alt text says "sneaker"
    assert [f["asset"] for f in found] == [f["asset"] for f in files]
    for asset in found:
        assert asset["path"].startswith(str(moved)) and Path(asset["path"]).is_file()
    verified = json.loads(cli("verify", found[0]["path"], "--json").out)
    assert verified["c2pa"] == "Trusted"
    by_id = cli("reproduce", found[0]["asset"], "--json")
    assert by_id.code == 0 and json.loads(by_id.out)["verdict"] == "exact", by_id.err


def test_search_needs_every_word(cli, studio, tmp_path):
    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"], "A crimson sneaker resting on emerald moss")
    [master] = released(cli, brief)
    assert [a["asset"] for a in json.loads(cli("search", "Crimson MOSS", "--json").out)["assets"]] == [master["asset"]]
    assert json.loads(cli("search", "crimson zeppelin", "--json").out)["assets"] == []
    assert (
        json.loads(cli("search", 'crimson" OR "zeppelin', "--json").out)["assets"] == []
    )  # no query syntax gets through
    nothing = cli("search", "?!")
    assert nothing.code == 2 and nothing.err.strip() == "error: search needs at least one word"


def one_line_error(result) -> str:
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1, result.err
    return result.err.strip()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "ledger URL 'not a url' is not a database URL; give a URL like"),
        ("mysql://ann@db.example/pressroom", "names 'mysql'; pressroom keeps its ledger in SQLite or PostgreSQL"),
        ("postgresql+asyncpg://ann@db.example/pressroom", "use the postgresql+psycopg:// driver"),
        ("postgresql+psycopg://ann@db.example:5432", "names no database"),
        ("sqlite://", "names no file"),
        ("sqlite:////nonexistent/folder/ledger.sqlite", "the folder /nonexistent/folder does not exist"),
        (
            "postgresql+psycopg://ann:s3cret@/pressroom?host=/nonexistent/socket",
            "cannot reach the ledger postgresql+psycopg://ann:***@/pressroom?host=%2Fnonexistent%2Fsocket: ",
        ),
        (
            "postgresql://ann:s3cret@127.0.0.1:9/pressroom",
            "cannot reach the ledger postgresql+psycopg://ann:***@127.0.0.1:9/",
        ),
    ],
)
def test_a_bad_ledger_url_is_one_line_naming_it_and_the_fix(cli, tmp_path, url, expected):
    err = one_line_error(cli("init", tmp_path / "s", "--database", url))
    assert err.startswith("error: ") and expected in err and "s3cret" not in err
    assert "cannot reach" not in expected or "check that the server runs" in err
    assert not (tmp_path / "s" / "pressroom.toml").exists()  # nothing was made


def test_a_sqlite_ledger_path_is_inside_the_studio_unless_absolute(tmp_path):
    inside = Studio.init(tmp_path / "s", database_url="sqlite:///ledger/main.sqlite")
    inside.close()
    assert inside.ledger_path == tmp_path / "s" / "ledger" / "main.sqlite" and inside.ledger_path.is_file()
    assert 'url = "sqlite:///ledger/main.sqlite"' in (tmp_path / "s" / "pressroom.toml").read_text()
    outside = Studio.init(tmp_path / "t", database_url=f"sqlite:///{tmp_path}/shared.sqlite")
    outside.close()
    assert outside.ledger_path == tmp_path / "shared.sqlite" and outside.ledger_path.is_file()


def test_a_database_missing_on_a_running_server_is_one_line(cli, tmp_path, postgres):
    url = postgres.url("no_such_database")
    err = one_line_error(cli("init", tmp_path / "s", "--database", url))
    assert 'database "no_such_database" does not exist' in err and "the database exists" in err


def test_a_bad_url_in_the_config_names_the_config(cli, studio):
    config = studio.root / "pressroom.toml"
    studio.close()
    config.write_text(re.sub(r"^url = .*$", 'url = "oracle://x@y/z"', config.read_text(), count=1, flags=re.M))
    err = one_line_error(cli("generations"))
    assert f"[ledger] url in {config}" in err and "names 'oracle'" in err


def test_an_older_ledger_gets_the_ids_of_the_people_its_rows_name(tmp_path, new_ledger):
    """Revision 0008 fills each new person-id column from the names the rows carried before."""
    from alembic import command

    url = db.parse_url(new_ledger() or "sqlite:///ledger.sqlite", relative_to=tmp_path)
    engine = db.connect(url)
    try:
        command.upgrade(db._alembic_config(engine), "0007")
        now = datetime.now(UTC)
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO users (name, created_at) VALUES ('dana', :now), ('omar', :now)"), {"now": now}
            )
            connection.execute(
                text(
                    "INSERT INTO briefs (title, status, pause_reason, content_type, stakes, intended_use, director, "
                    "spec, missing, created_at, created_by, direction_approved_by) VALUES "
                    "('old', 'draft', '', '', '', '', 'dana', '{}', '[]', :now, 'omar', NULL)"
                ),
                {"now": now},
            )
        db.migrate(engine)
        with engine.connect() as connection:
            ids = dict(connection.execute(text("SELECT name, id FROM users")).all())
            row = connection.execute(
                text("SELECT director_id, created_by_id, direction_approved_by_id FROM briefs")
            ).one()
        assert tuple(row) == (ids["dana"], ids["omar"], None)
    finally:
        engine.dispose()


def _end_connections(ledgers, studio: Studio) -> None:
    """End, on the server, every connection the studio's pool holds (a restart, an idle timeout)."""
    name = studio.ledger_url.database
    ledgers.admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")


def _backend(studio: Studio) -> int:
    with studio.session() as session:
        return session.scalar(text("SELECT pg_backend_pid()"))


@pytest.mark.postgresql_only("the pool's check of a rested connection is PostgreSQL's; SQLite has no server")
def test_a_pooled_connection_ended_while_it_rested_is_replaced_before_use(studio, ledgers, monkeypatch):
    first = _backend(studio)
    _end_connections(ledgers, studio)
    monkeypatch.setattr(db, "PING_AFTER_S", 0.0)  # every connection back in the pool counts as rested
    second = _backend(studio)
    assert second != first  # the dead one was met on checkout and replaced; the session never saw it
    assert _backend(studio) == second  # the new one, checked and alive, is kept


@pytest.mark.postgresql_only("the pool's check of a rested connection is PostgreSQL's; SQLite has no server")
def test_a_connection_back_in_the_pool_moments_ago_goes_out_unchecked(studio, ledgers, monkeypatch):
    _backend(studio)
    _end_connections(ledgers, studio)
    monkeypatch.setattr(db, "PING_AFTER_S", 3600.0)
    with pytest.raises(LedgerAway) as away:  # not pinged: the statement itself meets the ended connection
        _backend(studio)
    assert isinstance(away.value.__cause__, OperationalError)  # said as the ledger away for now (503, exit 7)
    _backend(studio)  # which the pool then replaced


@pytest.mark.postgresql_only("transaction ids are PostgreSQL's")
def test_a_glance_runs_each_statement_in_its_own_transaction(studio):
    from pressroom.context import Context

    ctx = Context(studio)
    ask = text("SELECT txid_current()")
    with ctx.glance() as session:
        assert session.scalar(ask) != session.scalar(ask)
    with ctx.unit() as session:
        assert session.scalar(ask) == session.scalar(ask)
