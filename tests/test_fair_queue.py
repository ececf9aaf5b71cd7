"""Fair scheduling: the queue takes turns between the people who asked, and a volume run steps
aside between batches when someone else's job waits, so a large run never starves a sprint."""

import json

import pytest
from playbook import locked
from quickmodel import default_to_quick
from workers import actor, assert_no_orphans, query

from pressroom.jobs import queue, worker

pytestmark = pytest.mark.ledger_contract("the queue takes turns between people's jobs")


def test_claims_take_turns_between_requesters_before_taking_a_second_job_of_one(cli, studio, tmp_path):
    assert cli("user", "add", "omar", "--role", "operator").code == 0
    assert cli("user", "add", "olga", "--role", "operator").code == 0
    omar, olga = actor(studio, "omar"), actor(studio, "olga")
    first = queue.enqueue(studio, "volume", {"n": 1}, key="omar-1", requester=omar)
    second = queue.enqueue(studio, "volume", {"n": 2}, key="omar-2", requester=omar)
    third = queue.enqueue(studio, "concept", {"n": 3}, key="olga-1", requester=olga)

    # nobody served yet: the oldest job; then olga, whom no worker has served, before omar's second
    assert queue.claim(studio, "w1").id == first.id
    assert queue.claim(studio, "w2").id == third.id
    assert queue.claim(studio, "w3").id == second.id
    assert queue.claim(studio, "w4") is None

    # omar's first job steps aside (back in the queue); olga's next job comes before it
    queue.release(studio, first.id, "w1")
    fourth = queue.enqueue(studio, "concept", {"n": 4}, key="olga-2", requester=olga)
    queue.complete(studio, third.id, "w2", {})
    queue.complete(studio, second.id, "w3", {})
    # omar was served last (his second job), olga before him: her waiting job goes first
    assert queue.claim(studio, "w5").id == fourth.id
    assert queue.claim(studio, "w6").id == first.id
    assert query(studio, "select attempts from jobs where id = ?", first.id) == [(1,)]  # stepping aside is no attempt


def test_two_peoples_volume_runs_on_one_worker_take_turns_batch_by_batch(cli, studio, tmp_path):
    default_to_quick(studio, cli.snapshots)  # the turns are under test, not the engine
    brief, lock = locked(cli, tmp_path)  # omar's sprint and lock ran: omar was served, olga never
    assert cli("user", "add", "olga", "--role", "operator").code == 0
    asked = {}
    for person, value, seeds in (("olga", "a red boot", 4), ("omar", "a blue boot", 2)):
        run = cli(
            "volume",
            lock["recipe"],
            "--vary",
            f"subject={value}",
            "--seeds",
            seeds,
            "--batch-size",
            "1",
            "--as",
            person,
            "--no-wait",
            "--json",
        )
        assert run.code == 0, run.err
        asked[person] = json.loads(run.out)["job"]

    lines: list[str] = []
    # olga's run (her first turn), omar's, olga's, omar's (his last image), then olga's to its end
    assert worker.serve(studio, until_idle=True, poll_s=0.05, log=lines.append) == 5
    assert [line for line in lines if line.endswith(("yielded", "done"))] == [
        f"job {asked['olga']}: yielded",
        f"job {asked['omar']}: yielded",
        f"job {asked['olga']}: yielded",
        f"job {asked['omar']}: done",
        f"job {asked['olga']}: done",
    ]
    made = query(studio, "select slot_value, seed from generations where play = 'volume' order by id")
    assert [value for value, _ in made] == [
        "a red boot",
        "a blue boot",
        "a red boot",
        "a blue boot",
        "a red boot",
        "a red boot",
    ]
    assert len(set(made)) == 6  # each image once
    for person, job in asked.items():
        # stepping aside is no failed attempt
        assert query(studio, "select state, attempts from jobs where id = ?", job) == [("done", 1)], person
    assert_no_orphans(studio)
