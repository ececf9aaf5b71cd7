"""The concept sprint, the lock and the fix as jobs: real worker processes, one killed mid-job.

Each job is queued with ``--no-wait --json``, a real ``pressroom worker`` takes it and is killed
with SIGKILL part way, at a known point (``crashpoint.py``); another worker finishes it. Every
image is then made exactly once, no file is left without its row, and each step after the images
(a contact sheet, a lock, an event) happened once. The studio's model runs on the fake engine:
the jobs are under test here, not the engine.
"""

import json
import signal

import pytest
from PIL import Image, ImageDraw
from playbook import open_brief, people, sprint
from quickmodel import default_to_quick
from workers import (
    LEASE_S,
    after_images,
    assert_no_orphans,
    configure,
    finish_with,
    handed_to_two,
    job_doc,
    query,
    start_worker,
    stop_all,
)

pytestmark = pytest.mark.ledger_contract("jobs of every kind, their workers killed mid-way")

STYLES = ["--style", "watercolor", "--style", "flat-vector", "--style", "cinematic"]
PER_STYLE = 4


def events(studio, action: str) -> int:
    return query(studio, "select count(*) from events where action = ?", action)[0][0]


def rows_of(studio, play: str, brief=None) -> list[tuple]:
    if brief is None:
        return query(studio, "select id, style, seed from generations where play = ?", play)
    return query(studio, "select id, style, seed from generations where play = ? and brief_id = ?", play, brief)


def test_a_sprint_handed_to_two_workers_one_killed_makes_every_concept_once(cli, studio, tmp_path):
    default_to_quick(studio, cli.snapshots)
    people(cli)
    brief = open_brief(cli, tmp_path)
    configure(studio, lease_seconds=LEASE_S)
    ask = ["concept", brief, *STYLES, "--per-style", PER_STYLE, "--steps", "2", "--as", "omar", "--no-wait", "--json"]
    queued = cli(*ask)
    assert queued.code == 0, queued.err
    doc = json.loads(queued.out)
    assert (doc["kind"], doc["state"], doc["progress"]) == ("concept", "queued", {"done": 0, "total": 3 * PER_STYLE})
    assert doc["payload"]["brief"] == brief and doc["payload"]["styles"] == ["watercolor", "flat-vector", "cinematic"]
    assert json.loads(cli(*ask).out)["job"] == doc["job"], "the same sprint asked for twice while queued is one job"

    workers: list = []
    try:
        survivor = handed_to_two(
            studio, doc["job"], 2, lambda: len(rows_of(studio, "concept", brief)), tmp_path / "go", workers
        )
        before = len(rows_of(studio, "concept", brief))
        assert before == 2, "the worker should have been killed mid-sprint, after its second concept"
        result = finish_with(studio, doc["job"], survivor)
    finally:
        stop_all(workers)

    made = rows_of(studio, "concept", brief)
    assert len(made) == 3 * PER_STYLE and len({(style, seed) for _, style, seed in made}) == len(made)
    assert sorted(result["generations"]) == sorted(row_id for row_id, _, _ in made)
    assert events(studio, "concept.sprint") == 1
    sheet = studio.assets.path(result["contact_sheet"], "png")
    with Image.open(sheet) as image:
        assert image.width > PER_STYLE * 64 and image.height > 3 * 64  # 4 columns x 3 rows of labelled cells
    assert_no_orphans(studio)
    assert job_doc(cli, doc["job"])["progress"] == {"done": 3 * PER_STYLE, "total": 3 * PER_STYLE}

    # once it is done, the same sprint asked for again is another sprint: a new job, which can be cancelled
    another = json.loads(cli(*ask).out)
    assert another["job"] != doc["job"] and another["state"] == "queued"
    listed = {d["id"]: d["kind"] for d in json.loads(cli("jobs", "--json").out)}
    assert listed == {doc["job"]: "concept", another["job"]: "concept"}
    cancelled = cli("jobs", "cancel", another["job"], "--json")
    assert cancelled.code == 0 and json.loads(cancelled.out)["state"] == "cancelled"
    assert len(rows_of(studio, "concept", brief)) == 3 * PER_STYLE
    resumed = json.loads(cli(*ask).out)  # a cancelled sprint asked for again is taken up, not made anew
    assert (resumed["job"], resumed["state"]) == (another["job"], "queued")


def test_a_lock_whose_worker_is_killed_after_the_hero_landed_locks_once_with_that_hero(cli, studio, tmp_path):
    default_to_quick(studio, cli.snapshots)
    people(cli)
    brief = open_brief(cli, tmp_path)
    direction = sprint(cli, brief)[0]["id"]
    assert cli("direction", "approve", brief, direction, "--as", "dana").code == 0
    configure(studio, lease_seconds=LEASE_S)
    ask = ["lock", brief, "--as", "omar", "--steps", "2", "--width", "96", "--height", "64", "--no-wait", "--json"]
    queued = cli(*ask)
    assert queued.code == 0, queued.err
    doc = json.loads(queued.out)
    assert (doc["kind"], doc["state"], doc["progress"]) == ("lock", "queued", {"done": 0, "total": 1})
    assert doc["payload"]["brief"] == brief and doc["payload"]["width"] == 96

    first = start_worker(studio, "--until-idle", crash=after_images(1))  # killed once the hero landed
    second = None
    try:
        assert first.wait(timeout=300) == -signal.SIGKILL
        assert len(rows_of(studio, "lock", brief)) == 1, "the hero landed"
        assert query(studio, "select count(*) from recipes where brief_id = ?", brief) == [(0,)], (
            "the worker should have been killed before the lock was recorded"
        )
        second = start_worker(studio, "--until-idle")
        result = finish_with(studio, doc["job"], second)
    finally:
        stop_all([first] + ([second] if second else []))

    [(hero, _, _)] = rows_of(studio, "lock", brief)
    [(recipe, version, status, verdict, hero_of)] = query(
        studio, "select id, version, status, verdict, hero_generation_id from recipes where brief_id = ?", brief
    )
    assert (version, status, verdict, hero_of) == (1, "locked", "exact", hero)
    assert result["recipe"] == recipe and result["figures"]["verdict"] == "exact"
    assert events(studio, "recipe.lock") == 1 and events(studio, "recipe.lock_failed") == 0
    assert_no_orphans(studio)
    shown = json.loads(cli("brief", "show", brief, "--json").out)
    assert [r["recipe"] for r in shown["recipes"]] == [recipe] and shown["status"] != "paused"


def test_a_fix_whose_worker_is_killed_is_made_once_and_names_its_mask_by_hash(cli, studio, tmp_path):
    default_to_quick(studio, cli.snapshots)
    people(cli)
    made = cli(
        "generate",
        "--prompt",
        "a trail shoe",
        "--steps",
        "2",
        "--width",
        "64",
        "--height",
        "64",
        "--as",
        "omar",
        "--json",
    )
    assert made.code == 0, made.err
    parent = json.loads(made.out)[0]["id"]
    mask = Image.new("L", (64, 64), 0)
    ImageDraw.Draw(mask).rectangle([4, 4, 24, 24], fill=255)
    mask.save(tmp_path / "mask.png")
    configure(studio, lease_seconds=LEASE_S)
    ask = [
        "fix",
        parent,
        "--inpaint",
        tmp_path / "mask.png",
        "--prompt",
        "a lace",
        "--as",
        "omar",
        "--no-wait",
        "--json",
    ]
    queued = cli(*ask)
    assert queued.code == 0, queued.err
    doc = json.loads(queued.out)
    assert (doc["kind"], doc["state"], doc["progress"]) == ("fix", "queued", {"done": 0, "total": 1})
    sha = doc["payload"]["mask"]
    assert len(sha) == 64 and studio.assets.path(sha, "png").exists()  # the mask lives in the studio, by hash
    assert str(tmp_path) not in json.dumps(doc["payload"])
    assert json.loads(cli(*ask).out)["job"] == doc["job"], "the same fix asked for twice while queued is one job"

    # killed once the derivative landed, before its event: the next attempt must make neither again
    first = start_worker(studio, "--until-idle", crash=after_images(1))
    second = None
    try:
        assert first.wait(timeout=300) == -signal.SIGKILL
        assert query(studio, "select state from jobs where id = ?", doc["job"]) == [("running",)]
        assert len(rows_of(studio, "fix")) == 1 and events(studio, "fix.inpaint") == 0
        second = start_worker(studio, "--until-idle")
        result = finish_with(studio, doc["job"], second)
    finally:
        stop_all([first] + ([second] if second else []))

    [(fixed, _, _)] = rows_of(studio, "fix")
    assert result["generation"] == fixed
    [(parent_of, operation)] = query(studio, "select parent_id, operation from generations where id = ?", fixed)
    assert (parent_of, operation) == (parent, "inpaint")
    assert events(studio, "fix.inpaint") == 1
    assert_no_orphans(studio)
    card = tmp_path / "fix.toml"
    assert cli("recipe", "export", fixed, "-o", card).code == 0
    assert json.loads(cli("reproduce", card, "--json").out)["verdict"] == "exact"
