"""A release seen before it happens, then run as a job, against the service layer on the fake
engine: which images, crops and formats go out, the warnings, and the job writing them."""

import numpy as np
import pytest
from PIL import Image, ImageDraw
from test_rules import _checks, _locked, room, rules_template  # noqa: F401 (fixtures)

from pressroom.checks import saliency
from pressroom.errors import Forbidden, InputError, ReleaseBlocked
from pressroom.jobs import queue, worker
from pressroom.ledger.tables import Generation
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


def _product(width, height, left, top, right, bottom):
    picture = Image.new("RGB", (width, height), (200, 200, 190))
    ImageDraw.Draw(picture).ellipse((left, top, right, bottom), fill=(200, 30, 30))
    return picture


def test_the_subject_is_found_where_it_stands_out_and_nowhere_in_an_even_picture():
    x, y, w, h = saliency.box(_product(400, 200, 20, 60, 110, 150))
    assert x <= 20 and y <= 60 and x + w >= 110 and y + h >= 150 and x + w < 200  # the product, on the left
    assert saliency.box(Image.new("RGB", (300, 300), (120, 120, 120))) is None  # a blank frame
    noise = np.random.default_rng(7).integers(0, 255, (256, 256, 3), dtype=np.uint8)
    assert saliency.box(Image.fromarray(noise)) is None  # an even texture: nothing stands out
    assert saliency.outside([0, 0, 100, 100], (10, 10, 50, 50)) == 0
    assert saliency.outside([0, 0, 100, 100], (50, 10, 100, 50)) == 0.5


def test_a_square_crop_of_a_wide_picture_warns_that_it_leaves_the_subject_out(room):
    brief, lock = _locked(room)
    kim = _keeper(room)
    reviews.decide(room["rita"], lock["hero"], "approved", _checks(), alt_text="A red shoe on moss")
    with room["dana"].unit() as session:  # the hero's master, replaced by a wide one with the product at the edge
        row = session.get(Generation, lock["hero"])
        _product(256, 128, 6, 30, 60, 100).save(row.path(room["dana"].studio))
        row.width, row.height = 256, 128
    [image] = release_plan.preview(kim, brief, ["instagram-feed"], ["png"])["images"]
    [feed] = image["renditions"]
    assert feed["box"][0] > 60  # the centred square starts right of the product
    assert any(w.startswith("the crop leaves out ") and w.endswith("% of the subject") for w in feed["warnings"])
    [unlooked] = release_plan.preview(kim, brief, ["instagram-feed"], ["png"], look=False)["images"]
    assert not any("subject" in w for w in unlooked["renditions"][0]["warnings"])


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
