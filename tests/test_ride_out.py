"""Issue 25, point 4: the services ride out their database.

A real ``pressroom worker`` rides out a PostgreSQL server stopped and started (and then restarted)
in the middle of a volume run, the first time while it is inside an image's transaction: it waits,
logs one line as each outage begins and one as it ends, keeps its lease and finishes the run in the
same attempt, every image exactly once. A real ``pressroom serve`` answers 503 with Retry-After,
on the API and on the pages, while PostgreSQL is down or the SQLite ledger is read-only, logs one
line and no traceback, and answers again by itself once the ledger is back.

The PostgreSQL tests stop a server of their own (``own_postgres``): the run's server is shared by
the tests running beside them. SQLite is made read-only with ``PRAGMA query_only`` (``readonly.py``):
the tests may run as root, whom file modes do not stop.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import ledgers as ledger_kinds
import pytest
import serving
from browsing import form_sign_in
from playbook import _locked, locked
from quickmodel import default_to_fake, default_to_quick
from workers import LEASE_S, assert_no_orphans, configure, pid_of, query, start_worker, stop_all, wait_for

from pressroom.cli import main
from pressroom.context import Actor, Context
from pressroom.plays import accounts
from pressroom.store.studio import Studio

HERE = Path(__file__).parent
READONLY = str(HERE / "readonly.py")
VALUES = ["a red boot", "a blue boot"]
SEEDS = 8
HELD = 4  # the worker is held inside the transaction of this image (in ``ledgerfiles.put``) as the ledger goes
IN_AN_IMAGE = f"pressroom.store.ledgerfiles:put::{HELD}"
PASSWORD = "dana-correct-horse"


def volume_args(recipe) -> list:
    args = ["volume", recipe, "--seeds", SEEDS, "--batch-size", "1", "--as", "omar"]
    for value in VALUES:
        args += ["--vary", f"subject={value}"]
    return args


def volume_rows(studio) -> list[tuple]:
    return query(studio, "select slot_value, seed from generations where play = 'volume'")


def assert_every_image_once(studio) -> None:
    rows = volume_rows(studio)
    assert len(rows) == len(VALUES) * SEEDS and len(set(rows)) == len(rows), sorted(rows)
    assert {value for value, _ in rows} == set(VALUES)
    found = sorted({seed for _, seed in rows})
    assert found == list(range(found[0], found[0] + SEEDS))


def away_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.strip().startswith(("the ledger is", "WARNING:  the ledger is"))]


def assert_job_done_in_one_attempt(studio, job_id: int, worker: subprocess.Popen) -> None:
    [(state, attempts, error, done, total, result)] = query(
        studio, "select state, attempts, error, progress_done, progress_total, result from jobs where id = ?", job_id
    )
    result = json.loads(result) if isinstance(result, str) else result
    assert (state, attempts, error) == ("done", 1, None), (state, attempts, error)
    assert done == total == len(VALUES) * SEEDS
    assert pid_of(result["worker"]) == worker.pid  # the one worker, never restarted, finished it


def run_cli(studio: Studio, monkeypatch, capsys):
    """The real CLI in this process on ``studio`` (the ``cli`` fixture, for a studio of a test's own)."""
    monkeypatch.setenv("PRESSROOM_STUDIO", str(studio.root))

    def run(*args):
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return SimpleNamespace(code=code, out=captured.out, err=captured.err)

    return run


def signed_up(studio: Studio) -> str:
    """dana (director, operator) with a password; returns her API token."""
    admin = Context(studio, Actor.unknown("cli"))
    accounts.add_account(admin, "dana", ["director", "operator"], password=PASSWORD)
    return accounts.create_token(admin, "dana", "tests")["token"]


def browser(base: str) -> httpx.Client:
    """A browser's session: signed in with the cookie, sending its CSRF token as the pages do."""
    client = httpx.Client(base_url=base, timeout=60)
    signed = client.post("/api/session", json={"name": "dana", "password": PASSWORD})
    assert signed.status_code in (200, 201), signed.text
    client.headers["X-CSRF-Token"] = client.cookies["pressroom_csrf"]
    return client


def assert_503(response: httpx.Response, words: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    if response.headers["content-type"].startswith("application/json"):
        assert response.json()["error"].startswith(words), response.text
    else:
        assert response.headers["content-type"].startswith("text/html") and words in response.text


# -- PostgreSQL: a server that stops and starts again ------------------------------------------------
@pytest.fixture(scope="module")
def own_postgres():
    """A PostgreSQL server of these tests' own, stopped and started under them."""
    server = ledger_kinds.PostgresLedgers()
    yield server
    server.stop()


@pytest.fixture
def pg_studio(own_postgres, tmp_path):
    studio = Studio.init(tmp_path / "studio", name="outage", database_url=own_postgres.new_url())
    default_to_fake(studio)  # the fake engine: the ledger is under test here, not the pixels
    yield studio
    studio.close()


@pytest.mark.postgresql_only("the ledger's PostgreSQL server stops and starts again under a running worker")
def test_a_worker_rides_out_postgresql_going_away_mid_run_and_makes_every_image_once(
    pg_studio, own_postgres, tmp_path, monkeypatch, capsys
):
    cli = run_cli(pg_studio, monkeypatch, capsys)
    _, lock = _locked(cli, tmp_path, "subject")
    studio = configure(pg_studio, lease_seconds=LEASE_S)
    queued = cli(*volume_args(lock["recipe"]), "--no-wait", "--json")
    assert queued.code == 0, queued.err
    job_id = json.loads(queued.out)["job"]
    go, reached = tmp_path / "go", tmp_path / "reached"
    monkeypatch.setenv("CRASHPOINT_REACHED", str(reached))
    worker = start_worker(studio, "--until-idle", crash=IN_AN_IMAGE, hold=go, then="go")
    try:
        wait_for(reached.exists, f"the worker inside image {HELD}'s transaction", [worker])
        own_postgres.shut()  # every session is ended, that image's transaction with it
        try:
            go.touch()
            time.sleep(3)  # the worker meets the server gone, and waits for it, more than once
            assert worker.poll() is None, worker.communicate()[1]
        finally:
            own_postgres.start()
        studio.close()  # this process's own pooled connections died with the server
        wait_for(lambda: len(volume_rows(studio)) >= 2 * HELD, "images after the outage", [worker])
        own_postgres.restart()  # again, wherever the worker is now
        _, err = worker.communicate(timeout=300)
    finally:
        stop_all([worker])
    assert worker.returncode == 0, err
    assert "Traceback" not in err, err
    studio.close()
    assert_every_image_once(studio)
    assert_no_orphans(studio)
    assert_job_done_in_one_attempt(studio, job_id, worker)

    # one line as an outage begins and one as it ends, none per retry; the second restart may have
    # been met by the heartbeat alone, which says nothing
    away = away_lines(err)
    began = [line for line in away if " for now (" in line]
    ended = [line for line in away if "is back after" in line]
    assert len(began) in (1, 2) and len(ended) == len(began), err  # one outage met, or both
    assert began[0].startswith("the ledger is out of reach for now (")
    assert began[0].endswith(f"job {job_id} waits for it under its lease, then goes on from what it recorded"), err


@pytest.mark.postgresql_only("the ledger's PostgreSQL server stops and starts again under a running server")
def test_reads_while_postgresql_is_down_are_503_and_the_server_answers_again_once_it_is_back(pg_studio, own_postgres):
    token = signed_up(pg_studio)
    pg_studio.close()
    server, base = serving.start(pg_studio.root)
    try:
        api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        person = browser(base)
        assert api.get("/api/styles").status_code == 200
        assert person.get("/tokens").status_code == 200
        own_postgres.shut()
        try:
            assert_503(api.get("/api/styles"), "the ledger is out of reach for now (")
            assert_503(api.get("/api/jobs"), "the ledger is out of reach for now (")
            assert_503(person.get("/tokens"), "the ledger is out of reach for now (")
            assert_503(person.get("/"), "the ledger is out of reach for now (")
        finally:
            own_postgres.start()
        deadline = time.monotonic() + 60  # the first request after may meet a connection of before
        while (answer := api.get("/api/styles")).status_code != 200:
            assert_503(answer, "the ledger is out of reach for now (")
            assert time.monotonic() < deadline, "the server did not answer again"
            time.sleep(0.2)
        assert person.get("/tokens").status_code == 200
        assert api.post("/api/styles", json={"name": "ink", "text": "ink wash"}).status_code == 201
    finally:
        serving.stop(server)
    log = server.stderr.read()
    assert "Traceback" not in log, log
    [line] = away_lines(log)  # one line for the outage, not one per request
    assert "the ledger is out of reach for now (" in line and "answered 503 (Retry-After: 5)" in line, log


# -- SQLite: a read-only ledger --------------------------------------------------------------------
@pytest.mark.sqlite_only("a read-only SQLite ledger file")
def test_writes_to_a_read_only_ledger_are_503_and_the_server_answers_again_once_it_is_writable(studio, tmp_path):
    token = signed_up(studio)
    studio.close()
    flag = tmp_path / "read-only"
    server, base = serving.start(studio.root, head=[READONLY, str(flag), "--"])
    try:
        api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        person = browser(base)
        assert api.post("/api/styles", json={"name": "ink", "text": "ink wash"}).status_code == 201
        flag.touch()
        read_only = "the ledger is read-only for now (attempt to write a readonly database)"
        assert_503(api.post("/api/styles", json={"name": "chalk", "text": "chalk"}), read_only)
        assert_503(person.post("/tokens", data={"label": "laptop"}, headers={"HX-Request": "true"}), read_only)
        with httpx.Client(base_url=base, timeout=60) as anyone:  # the sign-in form, as a browser sends it
            assert_503(form_sign_in(anyone, "dana", PASSWORD), read_only)
        names = [style["name"] for style in api.get("/api/styles").json()]  # reads go on
        assert "ink" in names and "chalk" not in names
        assert person.get("/tokens").status_code == 200
        flag.unlink()
        assert api.post("/api/styles", json={"name": "chalk", "text": "chalk"}).status_code == 201
        made = person.post("/tokens", data={"label": "laptop"}, headers={"HX-Request": "true"})
        assert made.status_code == 201, made.text
        with httpx.Client(base_url=base, timeout=60) as anyone:
            signed = form_sign_in(anyone, "dana", PASSWORD)
        assert signed.status_code == 303, signed.text
    finally:
        serving.stop(server)
    log = server.stderr.read()
    assert "Traceback" not in log, log
    [line] = away_lines(log)
    assert read_only in line and "answered 503 (Retry-After: 5)" in line, log


@pytest.mark.sqlite_only("a read-only SQLite ledger file")
def test_a_worker_waits_out_a_read_only_ledger_and_finishes_its_run(cli, studio, tmp_path):
    default_to_quick(studio, cli.snapshots)
    _, lock = locked(cli, tmp_path)
    studio = configure(studio, lease_seconds=LEASE_S)
    job_id = json.loads(cli(*volume_args(lock["recipe"]), "--no-wait", "--json").out)["job"]
    flag, go, reached = tmp_path / "read-only", tmp_path / "go", tmp_path / "reached"
    env = {
        **os.environ,
        "PRESSROOM_STUDIO": str(studio.root),
        "CRASHPOINT_HOLD": str(go),
        "CRASHPOINT_THEN": "go",
        "CRASHPOINT_REACHED": str(reached),
    }
    worker = subprocess.Popen(
        [sys.executable, READONLY, str(flag), IN_AN_IMAGE, "--", "worker", "--until-idle"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(reached.exists, f"the worker at image {HELD}", [worker])
        flag.touch()
        go.touch()
        time.sleep(3)  # the worker's next write is refused: it waits, more than once
        assert worker.poll() is None, worker.communicate()[1]
        assert len(volume_rows(studio)) <= HELD  # nothing more was recorded meanwhile
        flag.unlink()
        _, err = worker.communicate(timeout=300)
    finally:
        stop_all([worker])
    assert worker.returncode == 0, err
    assert "Traceback" not in err, err
    assert_every_image_once(studio)
    assert_no_orphans(studio)
    assert_job_done_in_one_attempt(studio, job_id, worker)
    began, ended = away_lines(err)
    assert began.startswith("the ledger is read-only for now (attempt to write a readonly database): "), err
    assert "is back after" in ended, err
