"""Issue 13, class 3: every crash is recoverable by running the same command again.

Each test runs a real ``pressroom`` process and SIGKILLs it at a chosen point (``crashpoint.py``:
inside a migration before it commits, before a file is renamed into place, while a release signs),
then runs the very same command again and checks that the studio works and holds nothing
half-made: the ledger at the newest schema, no file without its whole content, nothing left in the
studio's temporary place. Runs on SQLite and on PostgreSQL (``PRESSROOM_TEST_DATABASE``).
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from playbook import locked
from quickmodel import default_to_quick
from test_release import approve

from pressroom.ledger import db
from pressroom.plays import models as model_plays
from pressroom.store.assets import sha256_file
from pressroom.store.studio import CONFIG_NAME, CONFIG_TEMPLATE, DEFAULT_LEDGER, UNFINISHED, Studio, _toml_string

pytestmark = pytest.mark.ledger_contract("a killed process leaves the ledger consistent and the next run finishes it")

HERE = Path(__file__).parent
STEP = "alembic.runtime.migration:HeadMaintainer.update_to_step"  # after a revision's DDL, before its commit


def pressroom(*args, kill_at: str | None = None, studio: Path | None = None) -> subprocess.CompletedProcess:
    """The real command line in a new process; ``kill_at`` (see crashpoint.py) SIGKILLs it on the way."""
    env = {k: v for k, v in os.environ.items() if k not in ("PRESSROOM_STUDIO", "PRESSROOM_USER")}
    if studio is not None:
        env["PRESSROOM_STUDIO"] = str(studio)
    head = [str(HERE / "crashpoint.py"), kill_at, "--"] if kill_at else ["-m", "pressroom.cli"]
    return subprocess.run(
        [sys.executable, *head, *map(str, args)], env=env, capture_output=True, text=True, timeout=900
    )


def killed(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == -signal.SIGKILL, f"not killed ({result.returncode}): {result.stderr[-3000:]}"


def ran(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def revision(root: Path) -> str | None:
    engine = db.connect(Studio(root, unfinished=True).ledger_url)
    try:
        return db.current_revision(engine)
    finally:
        engine.dispose()


def leftovers(root: Path) -> list[str]:
    folder = root / "tmp"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def assert_whole_studio(root: Path) -> None:
    """A finished, working studio with nothing half-written in it."""
    from cryptography import x509

    from pressroom.store import models

    assert not (root / UNFINISHED).exists()
    assert leftovers(root) == []
    assert revision(root) == db.head_revision()
    keys = root / "keys"
    assert stat.S_IMODE((keys / "signer.key").stat().st_mode) == 0o600
    assert len(x509.load_pem_x509_certificates((keys / "chain.pem").read_bytes())) == 2
    x509.load_pem_x509_certificate((keys / "root.pem").read_bytes())
    studio = Studio(root)
    try:
        assert models.REGISTRY.path(studio, models.SKETCH).is_file()  # the default model, every file checked
        assert not (studio.weights_dir / "tiny-v1").exists()  # made on first use (test_models.py)
    finally:
        studio.close()
    from pressroom.cli import main

    assert (
        main(
            ["generate", "--prompt", "a shoe", "--steps", "1", "--width", "64", "--height", "64", "--studio", str(root)]
        )
        == 0
    )


def database_args(new_ledger) -> list[str]:
    url = new_ledger()
    return ["--database", url] if url else []


INIT_KILLS = [  # in the order one init reaches them
    f"{STEP}::1",  # inside the very first migration (a later one: the upgrade test below)
    "os:replace:signer.key:1",  # the private key written to its temporary file
]


@pytest.mark.long_running
def test_an_init_killed_at_each_step_in_turn_is_finished_by_running_it_again(tmp_path, new_ledger):
    """One init killed inside its first migration; run again, killed as it writes the private key; run
    again, finished. Each run is the same command again and resumes where the last one died."""
    root = tmp_path / "studio"
    command = ["init", root, *database_args(new_ledger)]
    for kill_at in INIT_KILLS:
        killed(pressroom(*command, kill_at=kill_at))
        if "signer.key" in kill_at:
            assert revision(root) == db.head_revision()  # the run after the killed migration migrated it all
            made = [p for p in (root / "tmp").iterdir()]  # the key is private from the moment its file exists
            assert made and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in made)
            assert not (root / "keys" / "signer.key").exists()
        if (root / CONFIG_NAME).exists():  # every other command sends the user back to init, in one line
            refused = pressroom("generations", studio=root)
            assert refused.returncode != 0 and "run `pressroom init" in refused.stderr
            assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    ran(pressroom(*command))
    assert_whole_studio(root)
    again = pressroom(*command)  # a finished studio is not made twice
    assert again.returncode != 0 and "already holds a studio" in again.stderr


@pytest.mark.parametrize("step", [1, 3])
def test_an_upgrade_killed_midway_leaves_the_old_schema_and_the_next_command_finishes_it(tmp_path, new_ledger, step):
    from alembic import command

    root = tmp_path / "old"
    root.mkdir()
    url = new_ledger() or DEFAULT_LEDGER
    (root / CONFIG_NAME).write_text(CONFIG_TEMPLATE.format(name='"old"', url=_toml_string(url), model='"tiny"'))
    engine = db.connect(Studio(root).ledger_url)
    command.upgrade(db._alembic_config(engine), "0003")  # a studio made by an older pressroom
    engine.dispose()
    add = ["user", "add", "dana", "--role", "director"]
    killed(pressroom(*add, kill_at=f"{STEP}::{step}", studio=root))
    assert revision(root) == "0003"  # the whole upgrade rolled back: no table half there
    ran(pressroom(*add, studio=root))
    assert revision(root) == db.head_revision()
    listed = ran(pressroom("user", "list", "--json", studio=root))
    assert [u["name"] for u in json.loads(listed.stdout)] == ["dana"]


def test_two_commands_upgrading_one_ledger_at_once_both_work(tmp_path, new_ledger):
    """The second waits for the first's upgrade (one transaction, under a lock) and finds nothing to do."""
    from alembic import command

    root = tmp_path / "old"
    root.mkdir()
    url = new_ledger() or DEFAULT_LEDGER
    (root / CONFIG_NAME).write_text(CONFIG_TEMPLATE.format(name='"old"', url=_toml_string(url), model='"tiny"'))
    engine = db.connect(Studio(root).ledger_url)
    command.upgrade(db._alembic_config(engine), "0002")
    engine.dispose()
    env = {**os.environ, "PRESSROOM_STUDIO": str(root)}
    both = [
        subprocess.Popen(
            [sys.executable, "-m", "pressroom.cli", "user", "list", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for process in both:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0 and json.loads(out) == [], err
    assert revision(root) == db.head_revision()


def _release_files(root: Path) -> tuple[dict[str, str], set[str]]:
    """(path -> sha256 of every release row, every file under releases/)."""
    from sqlalchemy import select

    from pressroom.ledger.tables import Release

    studio = Studio(root)
    try:
        with studio.session() as session:
            rows = {r.path: r.sha256 for r in session.scalars(select(Release))}
    finally:
        studio.close()
    on_disk = {p.relative_to(root).as_posix() for p in (root / "releases").rglob("*") if p.is_file()}
    return rows, on_disk


@pytest.mark.parametrize(
    "kill_at",
    [
        "pressroom.store.provenance:sign::1",  # the unsigned full-size master waits in the temporary place
        "os:replace:/releases/:2",  # the master out, a rendition's row claimed, its file not yet in place
    ],
    ids=["signing-master", "writing-rendition"],
)
def test_a_killed_release_is_finished_by_running_it_again(cli, studio, tmp_path, kill_at):
    default_to_quick(
        studio, cli.snapshots
    )  # the release's files are what is tested: the fake engine draws the playbook
    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"])
    command = ["release", brief, "--channel", "linkedin", "--channel", "instagram-feed", "--as", "kim", "--json"]
    killed(pressroom(*command, kill_at=kill_at, studio=studio.root))
    if "sign::1" in kill_at:
        assert leftovers(studio.root), "the killed release should have left its unsigned copy"
    again = json.loads(ran(pressroom(*command, studio=studio.root)).stdout)
    assert leftovers(studio.root) == []
    rows, on_disk = _release_files(studio.root)
    assert len(rows) == 3 and set(rows) == on_disk  # no file without its row, no row without its file
    assert all(sha256_file(studio.root / path) == sha for path, sha in rows.items())
    for path in rows:
        verdict = json.loads(cli("verify", studio.root / path, "--json").out)
        assert verdict["c2pa"] == "Trusted", verdict
    assert {(f["rendition"]) for f in again} <= {"master", "linkedin", "instagram-feed"}


@pytest.mark.parametrize("kill_at", ["os:replace:/assets/:2"], ids=["second-image"])
def test_a_killed_generate_leaves_nothing_half_written_and_runs_again(studio, kill_at):
    """About the files and the ledger, not the engine: the fake engine draws (no torch in either process)."""
    from sqlalchemy import select

    from pressroom.ledger.tables import Generation

    model_plays.add(studio, "quick", engine="fake", size=64)
    command = [
        "generate",
        "--model",
        "quick",
        "--prompt",
        "a red shoe",
        "--count",
        "3",
        "--seed",
        "7",
        "--steps",
        "1",
        "--width",
        "64",
        "--height",
        "64",
        "--json",
    ]
    killed(pressroom(*command, kill_at=kill_at, studio=studio.root))
    assert leftovers(studio.root), "the killed run should have left the image it was writing"
    made = json.loads(ran(pressroom(*command, studio=studio.root)).stdout)
    assert len(made) == 3 and leftovers(studio.root) == []
    with studio.session() as session:
        rows = list(session.scalars(select(Generation)))
    assert len(rows) == int(kill_at[-1]) - 1 + 3  # what the killed run committed, then the whole re-run
    for row in rows:
        assert sha256_file(row.path(studio)) == row.file_sha256
    for path in (studio.root / "assets").rglob("*.png"):  # every stored file whole: named by its own hash
        assert sha256_file(path) == path.stem


def test_a_sweep_spares_what_live_processes_and_other_hosts_own(studio):
    from pressroom.store import scratch

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        folder = scratch.place(studio.root)
        host = scratch._host()
        live = folder / f"{host}+{sleeper.pid}+abc.png"
        mine = folder / f"{host}+{os.getpid()}+def.png"
        elsewhere = folder / "other-host+1+ghi.png"
        foreign = folder / "notes.txt"  # not a name pressroom makes: left alone
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        gone = folder / f"{host}+{dead.pid}+jkl"
        gone.mkdir()
        (gone / "unsigned.png").write_bytes(b"x" * 100)
        for path in (live, mine, elsewhere, foreign):
            path.write_bytes(b"x")
        removed = scratch.sweep(studio.root)
        assert removed == [gone] and not gone.exists()
        assert all(p.exists() for p in (live, mine, elsewhere, foreign))
    finally:
        sleeper.kill()
        sleeper.wait()
    assert live in scratch.sweep(studio.root)
