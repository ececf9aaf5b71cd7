"""A release seen before it happens, then run as a job, against the service layer on the fake
engine: which images, crops and formats go out, the warnings, and the job writing them."""

import pytest
from test_rules import _checks, _locked, room, rules_template  # noqa: F401 (fixtures)

from pressroom.errors import Forbidden, InputError, ReleaseBlocked
from pressroom.jobs import queue, worker
from pressroom.plays import people, release_plan, releases, reviews

pytestmark = pytest.mark.ledger_contract("a release's preview and its job")


def _keeper(room):
    people.add_person(room["dana"], "kim", ["keeper"])
    return room["dana"].acting_as(people.actor(room["dana"], "kim", "python"))


def test_the_preview_shows_each_crop_and_warns_of_an_upscale_before_anything_is_written(room):
    brief, lock = _locked(room)
    kim = _keeper(room)
    with pytest.raises(ReleaseBlocked):  # nothing approved yet: nothing to preview
        release_plan.preview(kim, brief, ["linkedin"], ["png"])
    reviews.decide(room["rita"], lock["hero"], "approved", _checks(), alt_text="A red shoe on moss")
    with pytest.raises(Forbidden, match="needs the keeper role"):
        release_plan.preview(room["omar"], brief, ["linkedin"], ["png"])
    with pytest.raises(InputError) as unknown:
        release_plan.preview(kim, brief, ["billboard"], ["png"])
    assert unknown.value.field == "channel"
    plan = release_plan.preview(kim, brief, ["linkedin", "instagram-feed"], ["png", "jpeg"])
    [image] = plan["images"]
    assert (image["image"], image["master_new"], image["alt_text"]) == (lock["hero"], True, "A red shoe on moss")
    linkedin, feed = image["renditions"]
    side = image["width"]  # the fake engine's 64 x 64 hero
    assert linkedin["box"] == [
        0,
        (side - round(side / (1200 / 628))) // 2,
        side,
        (side - round(side / (1200 / 628))) // 2 + round(side / (1200 / 628)),
    ]
    assert linkedin["scale"] == round(1200 / side, 2) and feed["scale"] == round(
        1080 / (feed["box"][2] - feed["box"][0]), 2
    )
    assert linkedin["warnings"] == [
        f"upscaled {round(1200 / side, 2):g}× from {side} px to 1200 px: the file will look soft"
    ]
    assert feed["warnings"][0].startswith("upscaled 21.18× from 51 px")
    assert plan["files"] == 1 + 2 * 2 and plan["warnings"] == 2  # renditions with a warning
    assert releases.released(kim, brief) == []  # a preview writes nothing


def test_a_crop_that_cuts_into_a_face_is_named():
    assert release_plan._cut([10, 0, 50, 64], [(20, 10, 10, 10)]) == 0  # inside
    assert release_plan._cut([10, 0, 50, 64], [(5, 10, 10, 10), (45, 0, 10, 10), (20, 20, 5, 5)]) == 2


def test_the_release_runs_as_a_job_and_a_second_one_writes_nothing_new(room):
    brief, lock = _locked(room)
    kim = _keeper(room)
    reviews.decide(room["rita"], lock["hero"], "approved", _checks(), alt_text="A red shoe on moss")
    job = release_plan.submit(kim, brief, ["linkedin"], ["png"])
    assert (job.kind, job.state, job.progress_total) == ("release", "queued", 2)
    done = worker.finish(kim.studio, job.id)
    assert done.state == "done" and done.progress_done == 2
    assert sorted(r["rendition"] for r in releases.released(kim, brief)) == ["linkedin", "master"]
    assert len(queue.result(done)["assets"]) == 2
    again = release_plan.preview(kim, brief, ["linkedin"], ["png"])
    assert again["files"] == 0 and again["images"][0]["master_new"] is False
