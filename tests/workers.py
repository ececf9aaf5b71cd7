"""Helpers for tests of jobs: real worker processes, short leases, the ledger read in plain SQL."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pressroom.store.studio import Studio

HERE = os.path.dirname(os.path.abspath(__file__))
# The lease of tests that kill a worker and reap it (a reaped worker's lease is taken back at once,
# whatever its length) or that need a worker seen as alive: long, so that a worker starved of CPU
# on a loaded machine (pytest-xdist on two cores) still beats in time and keeps what it holds.
LEASE_S = 30


def configure(studio, lease_seconds: float, max_attempts: int = 3) -> Studio:
    """Short leases for tests; returns the studio opened again so that it reads them."""
    with open(studio.root / "pressroom.toml", "a") as config:
        config.write(f"\n[jobs]\nlease_seconds = {lease_seconds}\nmax_attempts = {max_attempts}\n")
    return Studio(studio.root)


def after_images(count: int, *, verdicts: int = 0) -> str:
    """The crashpoint.py spec of the moment a worker has landed ``count`` images of the first job
    it runs, each committed, no transaction open: ``Lease.landed`` runs once as a job starts (its
    progress) and once after each image, and before those once per Ray actor it qualified
    (``verdicts``: each actor's verdict is recorded with ``Lease.once``)."""
    return f"pressroom.jobs.queue:Lease.landed::{verdicts + count + 1}"


def start_worker(studio, *args, crash: str | None = None, hold=None, then: str = "kill") -> subprocess.Popen:
    """A ``pressroom worker`` process; with ``crash`` (a crashpoint.py spec) it SIGKILLs itself
    there, after waiting for the file ``hold`` to exist where one is named (or, with
    ``then="go"``, waits there and goes on)."""
    env = {**os.environ, "PRESSROOM_STUDIO": str(studio.root)}
    if hold is not None:
        env.update(CRASHPOINT_HOLD=str(hold), CRASHPOINT_THEN=then)
    head = [os.path.join(HERE, "crashpoint.py"), crash, "--"] if crash else ["-m", "pressroom.cli"]
    return subprocess.Popen(
        [sys.executable, *head, "worker", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def actor(studio, name: str):
    """The Actor a job is requested by (resolved as the CLI resolves --as)."""
    from pressroom.context import Context
    from pressroom.plays import people as persons

    return persons.actor(Context(studio), name, "cli")


def query(studio, sql: str, *params) -> list[tuple]:
    """Rows of plain SQL (``?`` for each parameter) on the studio's ledger, whichever database it is."""
    from sqlalchemy import text

    parts = sql.split("?")
    named = "".join(part + (f":p{i}" if i < len(params) else "") for i, part in enumerate(parts))
    with studio.session() as session:
        return [tuple(row) for row in session.execute(text(named), {f"p{i}": v for i, v in enumerate(params)})]


def wait_for(condition, what: str, processes=(), timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        for process in processes:
            assert process.poll() is None, f"a worker ended before {what}: {process.communicate()[1]}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def pid_of(owner: str) -> int:
    return int(owner.split(":")[-2])


def assert_no_orphans(studio) -> None:
    known = {row[0] for row in query(studio, "select sha256 from assets")}
    referenced = {row[0] for row in query(studio, "select file_sha256 from generations")}
    on_disk = {path.name.split(".")[0] for path in studio.assets.root.glob("*/*")}
    assert on_disk == known and referenced <= known


def job_doc(cli, job_id: int) -> dict:
    [doc] = [doc for doc in json.loads(cli("jobs", "--json").out) if doc["id"] == job_id]
    return doc


def stop_all(processes) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.communicate()


def handed_to_two(studio, job_id: int, images: int, made, go: Path, workers: list) -> subprocess.Popen:
    """Hand a queued job to two ``pressroom worker --until-idle`` processes and SIGKILL the one that
    holds it: the first takes it and, once it has landed ``images`` images (``made()`` counts them),
    waits until the second runs too; then it is killed there. Both go into ``workers`` (for the
    caller's ``stop_all``); returns the second, the survivor."""
    victim = start_worker(studio, "--until-idle", crash=after_images(images), hold=go)
    workers.append(victim)
    wait_for(lambda: made() >= images, "the first images", workers)
    survivor = start_worker(studio, "--until-idle")
    workers.append(survivor)
    wait_for(lambda: query(studio, "select count(*) from workers")[0][0] == 2, "the second worker", workers)
    [(owner,)] = query(studio, "select lease_owner from jobs where id = ?", job_id)
    assert pid_of(owner) == victim.pid, "the job is the first worker's"
    go.touch()
    assert victim.wait(timeout=300) == -signal.SIGKILL
    return survivor


def finish_with(studio, job_id: int, survivor) -> dict:
    """Let a worker run the job to its end; the job's record after it."""
    _, err = survivor.communicate(timeout=300)
    assert survivor.returncode == 0, err
    [(state, attempts, result)] = query(studio, "select state, attempts, result from jobs where id = ?", job_id)
    result = json.loads(result) if isinstance(result, str) else result
    assert (state, attempts) == ("done", 2), (state, attempts, result)
    assert pid_of(result["worker"]) == survivor.pid
    return result
