"""Volume runs as jobs: real worker processes, killed ones, leases that run out, cancels, failures."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from playbook import locked, people
from quickmodel import default_to_quick
from workers import (
    LEASE_S,
    actor,
    after_images,
    assert_no_orphans,
    configure,
    handed_to_two,
    job_doc,
    pid_of,
    query,
    start_worker,
    stop_all,
    wait_for,
)

from pressroom.errors import NotFound, Refused
from pressroom.jobs import queue
from pressroom.store import ledgerfiles

pytestmark = pytest.mark.ledger_contract("the job queue: claims, leases, heartbeats, idempotency keys")

VALUES = ["a red boot", "a blue boot"]
SEEDS = 6


def volume_args(recipe, values=VALUES, seeds=SEEDS) -> list:
    args = ["volume", recipe, "--seeds", seeds, "--batch-size", "1", "--as", "omar"]
    for value in values:
        args += ["--vary", f"subject={value}"]
    return args


def volume_rows(studio, values=VALUES) -> list[tuple]:
    marks = ",".join("?" * len(values))
    return query(
        studio, f"select slot_value, seed from generations where play = 'volume' and slot_value in ({marks})", *values
    )


def assert_every_image_once(studio, values=VALUES, seeds=SEEDS) -> None:
    rows = volume_rows(studio, values)
    assert len(rows) == len(values) * seeds and len(set(rows)) == len(rows)
    assert {value for value, _ in rows} == set(values)
    found = sorted({seed for _, seed in rows})
    assert found == list(range(found[0], found[0] + seeds))


def test_two_workers_one_killed_mid_batch_make_every_image_exactly_once(cli, studio, tmp_path):
    default_to_quick(studio, cli.snapshots)  # the queue is under test here, not the engine: workers import no torch
    _, lock = locked(cli, tmp_path)
    configure(studio, lease_seconds=LEASE_S)
    queued = cli(*volume_args(lock["recipe"]), "--no-wait", "--json")
    assert queued.code == 0, queued.err
    doc = json.loads(queued.out)
    assert doc["kind"] == "volume" and doc["state"] == "queued"
    assert doc["progress"] == {"done": 0, "total": len(VALUES) * SEEDS}
    again = json.loads(cli(*volume_args(lock["recipe"]), "--no-wait", "--json").out)
    assert again["job"] == doc["job"], "the same run asked for twice is one job"

    workers: list = []
    try:
        survivor = handed_to_two(studio, doc["job"], 2, lambda: len(volume_rows(studio)), tmp_path / "go", workers)
        before = len(volume_rows(studio))
        assert before == 2, "the worker should have been killed mid-batch, after its second image"
        _, err = survivor.communicate(timeout=300)
        assert survivor.returncode == 0, err
    finally:
        stop_all(workers)

    assert_every_image_once(studio)
    assert_no_orphans(studio)
    job = job_doc(cli, doc["job"])
    assert job["state"] == "done" and job["attempts"] == 2 and job["error"] is None
    assert job["progress"] == {"done": len(VALUES) * SEEDS, "total": len(VALUES) * SEEDS}
    assert pid_of(job["result"]["worker"]) == survivor.pid
    assert job["result"]["skipped"] == before and len(job["result"]["made"]) == len(VALUES) * SEEDS - before
    assert {"id", "kind", "state", "progress", "attempts", "requester", "error", "result"} <= set(job)
    assert job["requester"] == "omar" and job["lease_owner"] is None


def test_a_worker_that_stops_heartbeating_loses_its_job_when_the_lease_runs_out(cli, studio, tmp_path):
    default_to_quick(studio, cli.snapshots)
    _, lock = locked(cli, tmp_path)
    here = configure(studio, lease_seconds=6)  # waited out below: long enough that a loaded machine still beats in time
    job_id = json.loads(cli(*volume_args(lock["recipe"]), "--no-wait", "--json").out)["job"]
    first = start_worker(studio, "--until-idle", crash=after_images(2))  # SIGKILLs itself after its second image
    second = None
    try:
        # killed but not reaped: its process id still answers, so only its lease can tell it stopped
        ended = os.waitid(os.P_PID, first.pid, os.WEXITED | os.WNOWAIT)
        stopped_at = time.monotonic()
        assert (ended.si_code, ended.si_status) == (os.CLD_KILLED, signal.SIGKILL)
        assert len(volume_rows(studio)) == 2
        assert queue.reclaim(here) == []
        assert queue.get(here, job_id).state == "running"
        second = start_worker(studio, "--until-idle")
        _, err = second.communicate(timeout=300)
        assert second.returncode == 0, err
        assert time.monotonic() - stopped_at >= 6
        assert f"job {job_id}: its worker stopped; queued" in err
    finally:
        stop_all([first] + ([second] if second else []))
    assert_every_image_once(studio)
    assert_no_orphans(studio)
    job = queue.get(here, job_id)
    assert job.state == "done" and job.attempts == 2 and pid_of(job.result["worker"]) == second.pid
    here.close()


def test_with_a_worker_running_volume_leaves_its_job_to_it_and_cancel_stops_it(cli, studio, tmp_path):
    default_to_quick(studio, cli.snapshots)
    _, lock = locked(cli, tmp_path)
    configure(studio, lease_seconds=LEASE_S)
    # the worker waits after the first image of its second job until the test has cancelled that job:
    # Lease.landed's 5th call (the first job's progress and two images, the second's progress and first image)
    go = tmp_path / "go"
    serving = start_worker(studio, crash="pressroom.jobs.queue:Lease.landed::5", hold=go, then="go")
    try:
        wait_for(lambda: query(studio, "select count(*) from workers")[0][0] == 1, "the worker to start", [serving])
        result = cli(*volume_args(lock["recipe"], ["a red boot"], 2), "--json")
        assert result.code == 0, result.err
        doc = json.loads(result.out)
        assert set(doc) == {"recipe", "made", "skipped", "warnings", "flagged"}
        assert sorted((m["slot_value"], m["seed"]) for m in doc["made"]) == sorted(volume_rows(studio, ["a red boot"]))
        assert len(doc["made"]) == 2 and doc["skipped"] == 0
        [first] = [job for job in json.loads(cli("jobs", "--json").out) if job["kind"] == "volume"]
        assert pid_of(first["result"]["worker"]) == serving.pid, "the worker made them, not the command"

        values = ["a green boot", "a grey boot"]
        big = json.loads(cli(*volume_args(lock["recipe"], values, SEEDS), "--no-wait", "--json").out)["job"]
        wait_for(lambda: len(volume_rows(studio, values)) >= 1, "the first image", [serving])
        cancelled = cli("jobs", "cancel", big, "--json")
        assert cancelled.code == 0, cancelled.err
        assert json.loads(cancelled.out)["state"] == "cancelled"
        go.touch()
        wait_for(
            lambda: query(studio, "select lease_owner from jobs where id = ?", big)[0][0] is None,
            "the worker to let the job go",
            [serving],
        )
        settled = len(volume_rows(studio, values))
        time.sleep(1.5)
        assert len(volume_rows(studio, values)) == settled < len(values) * SEEDS
        job = job_doc(cli, big)
        assert job["state"] == "cancelled" and job["progress"]["done"] == settled
        again = cli("jobs", "cancel", big)
        assert again.code == Refused.exit_code
        assert again.err == f"error: job {big} is cancelled already; only a queued or running job can be cancelled\n"
        assert serving.poll() is None, "the worker keeps serving"
    finally:
        serving.send_signal(signal.SIGINT)  # it must stop even where it was started with SIGINT ignored
        try:
            serving.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            serving.kill()
            serving.communicate()
            raise
    assert query(studio, "select count(*) from workers")[0][0] == 0, "a worker that stops leaves the table"
    assert_no_orphans(studio)


def test_a_failing_job_records_its_error_and_is_tried_at_most_max_attempts(cli, studio):
    people(cli)
    here = configure(studio, lease_seconds=3, max_attempts=2)
    request = {"recipe": 999, "vary": ["subject=a boot"], "seeds": 2, "batch_size": None, "prechecks": False}
    broken = queue.enqueue(here, "volume", {**request, "vary": 5}, key="broken", requester=actor(here, "omar"))
    missing = queue.enqueue(here, "volume", request, key="missing", requester=actor(here, "omar"))
    unknown = queue.enqueue(here, "resize", {}, key="unknown", requester=actor(here, "omar"))
    result = cli("worker", "--until-idle")
    assert result.code == 0, result.err
    docs = {doc["id"]: doc for doc in json.loads(cli("jobs", "--json").out)}
    # a fault in the code or the machine is tried again, up to max_attempts
    assert (docs[broken.id]["state"], docs[broken.id]["attempts"]) == ("failed", 2)
    assert docs[broken.id]["error"] == "TypeError: 'int' object is not iterable"
    # a problem the user must fix fails at once, with pressroom's own message
    assert (docs[missing.id]["state"], docs[missing.id]["attempts"]) == ("failed", 1)
    assert docs[missing.id]["error"] == "no recipe 999"
    assert docs[missing.id]["result"] == {
        "error_kind": "NotFound",
        "error_field": "recipe",
    }  # the CLI's hint: its field
    assert (
        docs[unknown.id]["error"]
        == "no worker handler for jobs of kind 'resize' (known: concept, fix, lock, release, volume)"
    )
    shown = cli("jobs")
    assert shown.code == 0 and "failed" in shown.out and "TypeError" in shown.out
    here.close()


def test_the_queue_is_idempotent_leases_reclaims_and_fences(cli, studio):
    people(cli)
    here = configure(studio, lease_seconds=1, max_attempts=2)
    job = queue.enqueue(here, "volume", {"n": 1}, key="k", requester=actor(here, "omar"), total=3)
    assert queue.enqueue(here, "volume", {"n": 1}, key="k", requester=actor(here, "omar")).id == job.id
    assert [j.id for j in queue.listing(here)] == [job.id]

    elsewhere = "another-host/0:4242:aa"  # a worker on another machine: only its lease says whether it lives
    claimed = queue.claim(here, elsewhere)
    assert (claimed.id, claimed.state, claimed.attempts) == (job.id, "running", 1)
    assert queue.claim(here, "another-host/0:4243:bb") is None
    assert queue.reclaim(here) == [] and queue.pending(here)
    time.sleep(1.2)
    assert not queue.pending(here)
    assert [j.id for j in queue.reclaim(here)] == [job.id]
    assert queue.get(here, job.id).state == "queued"

    mine = queue.owner_id()
    assert queue.claim(here, mine).attempts == 2
    stale = queue.Lease(here, job.id, elsewhere)  # the first worker comes back: it may record nothing
    with pytest.raises(queue.LeaseLost):
        stale.progress(1, 3)
    assert not stale.beat() and not queue.complete(here, job.id, elsewhere, {})
    queue.Lease(here, job.id, mine).progress(1, 3)
    assert (queue.get(here, job.id).progress_done, queue.get(here, job.id).lease_owner) == (1, mine)

    time.sleep(1.2)  # this lease runs out too, and the job has had its two attempts
    assert [j.state for j in queue.reclaim(here)] == ["failed"]
    assert "stopped (attempt 2)" in queue.get(here, job.id).error

    again = queue.enqueue(here, "volume", {"n": 1}, key="k", requester=actor(here, "dana"), total=3)
    assert (again.id, again.state, again.attempts, again.requester) == (job.id, "queued", 0, "dana")

    # a process of this machine that has gone loses its lease at once, without waiting for it to run out
    pid = int(
        subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
        ).stdout
    )
    ghost = f"{mine.rsplit(':', 2)[0]}:{pid}:cc"
    assert queue.gone(ghost) and not queue.gone(mine) and not queue.gone(elsewhere)
    queue.claim(here, ghost)
    assert [j.id for j in queue.reclaim(here)] == [job.id]

    assert cli("jobs", "cancel", job.id).code == 0
    assert queue.get(here, job.id).state == "cancelled"
    second = cli("jobs", "cancel", job.id)
    assert second.code == Refused.exit_code
    assert second.err == f"error: job {job.id} is cancelled already; only a queued or running job can be cancelled\n"
    nothing = cli("jobs", "cancel", 999)
    assert (
        nothing.code == NotFound.exit_code
        and nothing.err.startswith("error: no job 999")
        and nothing.err.count("\n") == 1
    )
    here.close()


def test_bad_job_settings_are_one_line_errors(cli, studio):
    with open(studio.root / "pressroom.toml", "a") as config:
        config.write('\n[jobs]\nlease_seconds = "soon"\n')
    result = cli("worker", "--until-idle")
    assert result.code == 2
    assert (
        result.err.startswith("error: [jobs] lease_seconds in ") and "must be a number of seconds above 0" in result.err
    )
    assert result.err.count("\n") == 1


def test_a_sweep_never_deletes_a_file_a_live_writer_is_about_to_record(studio):
    orphan = studio.assets.path("e" * 64, "png")  # written by a process that died before recording it
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"never recorded")
    an_hour_ago = time.time() - 3600
    sweeper = None
    try:
        with studio.session() as session:
            sha = ledgerfiles.put(studio, session, b"an image on its way into the ledger", "png", "image")
            written = studio.assets.path(sha, "png")
            os.utime(written, (an_hour_ago, an_hour_ago))  # its age does not protect it: the lock does
            sweeper = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "import sys; from pressroom.store import ledgerfiles; from pressroom.store.studio import "
                    "Studio; studio = Studio(sys.argv[1]); studio.migrate(); print('ready', flush=True); "
                    "print(ledgerfiles.sweep(studio))",
                    str(studio.root),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert sweeper.stdout.readline() == "ready\n"
            time.sleep(1.0)
            assert sweeper.poll() is None, "the sweep waits for the writer's transaction"
            assert written.exists()
        out, err = sweeper.communicate(timeout=300)
    finally:
        if sweeper is not None and sweeper.poll() is None:
            sweeper.kill()
    assert sweeper.returncode == 0, err
    assert out == "1\n" and written.exists() and not orphan.exists()
    assert_no_orphans(studio)


def test_a_worker_until_idle_takes_back_a_lease_that_runs_out_while_it_looks(cli, studio, monkeypatch):
    """Found in CI: a worker looked for work while another's lease was still live and ended idle once
    it had run out, leaving the job to nobody."""
    from pressroom.jobs import worker

    people(cli)
    here = configure(studio, lease_seconds=1, max_attempts=2)
    job = queue.enqueue(
        here, "volume", {"recipe": 10**6, "vary": [], "seeds": 1}, key="lapse", requester=actor(here, "omar"), total=1
    )
    assert queue.claim(here, "another-host/0:4242:aa").id == job.id  # elsewhere: only its lease tells
    expires, real_claim = queue.get(here, job.id).lease_expires_at, queue.claim

    def slow_claim(*args, **kwargs):  # the lease runs out while this worker looks
        time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds() + 0.2))
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(queue, "claim", slow_claim)
    said = []
    assert worker.serve(here, until_idle=True, poll_s=0.05, log=said.append) == 1
    assert f"job {job.id}: its worker stopped; queued" in said
    taken = queue.get(here, job.id)
    assert (
        taken.attempts == 2 and taken.state == "failed" and "vary names no value" in taken.error
    )  # the payload was the user's mistake
    here.close()
