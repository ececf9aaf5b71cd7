"""Volume runs on Ray actors (``pressroom worker --ray``): a real local Ray cluster, real actor
processes each holding its pipeline, the worker landing their images in the ledger.

An actor made to differ (its environment brightens every pixel by 3 levels) does not reproduce
the recipe's hero, is refused and recorded, and renders nothing; an actor killed mid-run has its
batches finished by the other; a ``pressroom worker --ray`` process killed mid-run loses its lease
and another worker, with actors of its own, finishes the job. Every image exactly once, no file
without its row, and each reproduces to the pixel.
"""

import json
import os
import signal
import threading

import pytest
import ray
from playbook import locked
from workers import after_images, assert_no_orphans, query, start_worker, stop_all, wait_for

from pressroom.domain.compare import pixel_sha256
from pressroom.jobs import raypool, worker
from pressroom.jobs.generations import render
from pressroom.ledger.tables import Generation
from pressroom.store.resolver import Resolver

# Ray's actors: the same on either ledger (a worker's leases and landings on PostgreSQL: test_jobs.py)


SKEW_LEVELS = 3  # how much brighter the "skewed" actor makes every pixel


@pytest.fixture(scope="module")
def cluster():
    """A Ray cluster of this test module's own, on this machine; its address.

    On a CPU the number of threads is part of the device (it changes float rounding): the actors
    run with as many as this process, which makes the heroes, so that they can qualify."""
    import torch

    before = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = str(torch.get_num_threads())  # Ray's actors inherit it
    try:
        context = ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="warning")
        yield context.address_info["gcs_address"]
        ray.shutdown()
    finally:
        if before is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = before


def volume_rows(studio, value: str) -> list[tuple]:
    return query(
        studio,
        "select id, slot_value, seed, pixel_sha256 from generations where play = 'volume' and slot_value = ?",
        value,
    )


def queue_volume(cli, recipe: int, value: str, seeds: int) -> int:
    run = cli(
        "volume",
        recipe,
        "--vary",
        f"subject={value}",
        "--seeds",
        seeds,
        "--batch-size",
        "1",
        "--as",
        "omar",
        "--no-wait",
        "--json",
    )
    assert run.code == 0, run.err
    return json.loads(run.out)["job"]


def job_record(studio, job: int) -> tuple:
    [(state, attempts, result, error)] = query(
        studio, "select state, attempts, result, error from jobs where id = ?", job
    )
    return state, attempts, json.loads(result) if isinstance(result, str) else result, error


def assert_each_once(studio, value: str, count: int, *, reproduce: bool = False) -> None:
    rows = volume_rows(studio, value)
    assert len(rows) == count and len({seed for _, _, seed, _ in rows}) == count
    assert_no_orphans(studio)
    if not reproduce:
        return
    # made on qualified actors only, each image is the one its recipe makes here, to the pixel
    with studio.session() as session:
        recipes = [session.get(Generation, row_id).parsed_recipe() for row_id, *_ in rows]
    again = [pixel_sha256(r.image) for r in render(recipes, Resolver(studio))]
    assert again == [pixels for *_, pixels in rows]


@pytest.mark.long_running
def test_volume_runs_on_ray_refuse_an_actor_that_differs_and_survive_a_dead_actor_and_a_dead_worker(
    cli, studio, tmp_path, cluster
):
    """One studio, two runs (the lock they share is the costly part). The first on a pool of three
    actors in this process, one made to differ, one killed mid-run. The second on a
    ``pressroom worker --ray`` process killed mid-run; this process's pool, another worker,
    finishes it."""
    _, lock = locked(cli, tmp_path)
    first = queue_volume(cli, lock["recipe"], "a red boot", seeds=10)
    share = {"num_cpus": 0.5}
    pool = raypool.Pool(
        [
            raypool.member(studio.root, "good", **share),
            raypool.member(studio.root, "doomed", **share),
            raypool.member(studio.root, "skewed", **share, runtime_env={"env_vars": {raypool.SKEW: str(SKEW_LEVELS)}}),
        ]
    )
    lines: list[str] = []
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            worker.serve(studio, until_idle=True, poll_s=0.05, log=lines.append, pool=pool)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failure.append(exc)

    process = None
    try:
        pool.describe()
        assert len({m.device["pid"] for m in pool.members}) == 3  # three processes of their own
        thread = threading.Thread(target=serve)
        thread.start()
        wait_for(lambda: len(volume_rows(studio, "a red boot")) >= 2 or not thread.is_alive(), "the first images")
        ray.kill(pool.members[1].handle)  # "doomed" dies with batches in flight
        thread.join(timeout=300)
        assert not thread.is_alive() and not failure, (failure, lines)
        assert not pool.members[1].alive, "the pool should have met the dead actor and sent its batches elsewhere"

        state, attempts, result, error = job_record(studio, first)
        assert (state, attempts) == ("done", 1), (state, error, lines)
        verdicts = {v["actor"]: v for v in result["qualification"]}
        assert (
            verdicts["good"]["verdict"] == "exact" and verdicts["good"]["admitted"] and verdicts["doomed"]["admitted"]
        )
        refused = verdicts["skewed"]
        assert not refused["admitted"] and refused["verdict"] != "exact"
        # its render is the hero's, every pixel brighter by the skew (none is near white): off by exactly that
        assert refused["figures"]["max_pixel_difference"] == SKEW_LEVELS
        assert refused["device"]["pid"] == pool.members[2].device["pid"]
        [(detail, objects)] = query(studio, "select detail, objects from events where action = 'volume.actor_refused'")
        detail, objects = (json.loads(x) if isinstance(x, str) else x for x in (detail, objects))
        assert detail["refused"] == "skewed" and detail["figures"] == refused["figures"]
        assert detail["device"] == refused["device"] and detail["verdict"] == refused["verdict"]
        assert objects["job"] == first and objects["recipe"] == lock["recipe"] and objects["hero"] == lock["hero"]
        assert_each_once(studio, "a red boot", 10, reproduce=True)

        # a worker process killed mid-run (by itself, after landing its second image): its lease goes,
        # its actor ends with it, another worker finishes
        second = queue_volume(cli, lock["recipe"], "a blue boot", seeds=4)
        process = start_worker(
            studio, "--ray", cluster, "--actors", "1", "--until-idle", crash=after_images(2, verdicts=1)
        )
        assert process.wait(timeout=300) == -signal.SIGKILL, process.communicate()[1]
        assert len(volume_rows(studio, "a blue boot")) == 2, "the worker should have been killed mid-run"
        assert worker.serve(studio, until_idle=True, poll_s=0.05, log=lines.append, pool=pool) == 1
    finally:
        pool.close()
        if process is not None:
            stop_all([process])
    state, attempts, result, error = job_record(studio, second)
    assert (state, attempts) == ("done", 2), (state, error, lines)
    verdicts = {v["actor"]: v for v in result["qualification"]}
    # the killed worker's actor and "good" reproduced the hero; "skewed" was refused again, for this job
    assert [v["verdict"] for name, v in verdicts.items() if name.startswith("actor-")] == ["exact"]
    assert verdicts["good"]["admitted"] and not verdicts["skewed"]["admitted"]
    assert query(studio, "select count(*) from events where action = 'volume.actor_refused'") == [(2,)]
    assert_each_once(studio, "a blue boot", 4)


def test_actors_without_ray_is_a_one_line_mistake(cli):
    result = cli("worker", "--actors", "2", "--until-idle")
    assert result.code == 2 and "--ray" in result.err and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1
