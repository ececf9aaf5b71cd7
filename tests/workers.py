"""Helpers for tests of jobs: real worker processes, short leases, the ledger read in plain SQL."""

import json
import os
import signal
import subprocess
import sys
import time

from pressroom.studio import Studio

# The lease of tests that kill a worker and reap it (a reaped worker's lease is taken back at once,
# whatever its length) or that need a worker seen as alive: long, so that a worker starved of CPU
# on a loaded machine (pytest-xdist on two cores) still beats in time and keeps what it holds.
LEASE_S = 30


def configure(studio, lease_seconds: float, max_attempts: int = 3) -> Studio:
    """Short leases for tests; returns the studio opened again so that it reads them."""
    with open(studio.root / "pressroom.toml", "a") as config:
        config.write(f"\n[jobs]\nlease_seconds = {lease_seconds}\nmax_attempts = {max_attempts}\n")
    return Studio(studio.root)


def start_worker(studio, *args) -> subprocess.Popen:
    env = {**os.environ, "PRESSROOM_STUDIO": str(studio.root)}
    return subprocess.Popen([sys.executable, "-m", "pressroom.cli", "worker", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def actor(studio, name: str):
    """The Actor a job is requested by (resolved as the CLI resolves --as)."""
    from pressroom import people as persons
    from pressroom.context import Context

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


def kill_the_holder(studio, job_id: int, workers):
    """SIGKILL the worker that holds the job's lease; returns the other worker(s)."""
    [(owner,)] = query(studio, "select lease_owner from jobs where id = ?", job_id)
    [victim] = [w for w in workers if w.pid == pid_of(owner)]
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    return [w for w in workers if w is not victim]


def finish_with(studio, job_id: int, survivor) -> dict:
    """Let a worker run the job to its end; the job's record after it."""
    _, err = survivor.communicate(timeout=300)
    assert survivor.returncode == 0, err
    [(state, attempts, result)] = query(studio, "select state, attempts, result from jobs where id = ?", job_id)
    result = json.loads(result) if isinstance(result, str) else result
    assert (state, attempts) == ("done", 2), (state, attempts, result)
    assert pid_of(result["worker"]) == survivor.pid
    return result
