import sqlite3

import pytest

from pressroom.errors import StudioError
from pressroom.ledger import db
from pressroom.store.studio import Studio

pytestmark = pytest.mark.ledger_contract("a studio's ledger made, found and opened")


@pytest.mark.sqlite_only("checks the default ledger: the SQLite file in the studio, its WAL and foreign keys")
def test_init_creates_config_ledger_and_store(tmp_path):
    studio = Studio.init(tmp_path / "s", name="acme")
    for name in ("pressroom.toml", "ledger.sqlite", "assets", "models", "weights", "cards"):
        assert (studio.root / name).exists(), name
    assert studio.config["studio"]["name"] == "acme"
    assert studio.default_model == "sketch"  # the built-in drawing model ships with pressroom
    with studio.session() as session:
        assert session.connection().exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert session.connection().exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    studio.close()
    raw = sqlite3.connect(studio.ledger_path)
    assert raw.execute("select version_num from alembic_version").fetchone()[0] == db.head_revision()


def test_init_refuses_an_existing_studio(tmp_path, new_ledger):
    Studio.init(tmp_path / "s", database_url=new_ledger()).close()
    with pytest.raises(StudioError, match="already holds a studio"):
        Studio.init(tmp_path / "s", database_url=new_ledger())


def test_find_walks_up_like_git_and_honours_the_environment(tmp_path, monkeypatch, new_ledger):
    studio = Studio.init(tmp_path / "s", database_url=new_ledger())
    nested = studio.root / "cards" / "deep"
    nested.mkdir()
    monkeypatch.delenv("PRESSROOM_STUDIO", raising=False)
    assert Studio.find(start=nested).root == studio.root
    monkeypatch.setenv("PRESSROOM_STUDIO", str(studio.root))
    assert Studio.find(start=tmp_path).root == studio.root
    assert Studio.find(studio.root).root == studio.root


def test_no_studio_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    from pressroom.cli import main

    monkeypatch.delenv("PRESSROOM_STUDIO", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["generations"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no studio in") and "pressroom init" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
