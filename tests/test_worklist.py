"""What waits on each person (the worklist), against the service layer on the fake engine: the
list moves as the work does. A reviewer's list holds the newest version of each image to judge;
the maker's holds what the gate sent back, with what to fix; the director's and keeper's theirs."""

import tomllib
from datetime import timedelta

import pytest
from test_rules import _brief, _checks, _locked, room, rules_template  # noqa: F401 (fixtures)

from pressroom.errors import Forbidden, InputError, Refused
from pressroom.plays import (
    assignments,
    briefs,
    concepts,
    culls,
    fixes,
    marks,
    notices,
    people,
    reviews,
    volume,
    worklist,
)

pytestmark = pytest.mark.ledger_contract("the worklist: what waits on whom, as the plays move the work")


def _kinds(ctx, kind: str) -> list[dict]:
    return [i for i in worklist.worklist(ctx, limit=500)["items"] if i["kind"] == kind]


def _images(ctx, kind: str) -> list[int]:
    return [i["image"] for i in _kinds(ctx, kind)]


def test_the_review_list_holds_the_newest_version_and_moves_with_each_decision(room):
    brief, lock = _locked(room)
    run = volume.run(room["omar"], lock["recipe"], [("subject", "a red boot")], 3)
    made = [row.id for row in run.made]
    assert [i["detail"]["images"] for i in _kinds(room["omar"], "cull")] == [3]  # omar culls his run
    culls.cull(room["omar"], made[:2], keep=True, reason="")
    culls.cull(room["omar"], made[2:], keep=False, reason="composition")
    assert _kinds(room["omar"], "cull") == []
    first, second = made[:2]
    waiting = _images(room["rita"], "review")
    assert first in waiting and second in waiting and made[2] not in waiting
    assert _images(room["omar"], "review") == []  # omar made them: never his to judge

    marks.place(room["rita"], first, 0.3, 0.6, "the thumb bends backwards")
    reviews.decide(room["rita"], first, "changes-required", _checks(hands="fail:six fingers"), note="redo the hand")
    assert first not in _images(room["rita"], "review")  # her decision is current: it leaves her list
    assert first not in _images(room["ravi"], "review")  # sent back: it waits on its maker now
    [back] = _kinds(room["omar"], "changes_requested")
    assert (back["image"], back["status"]) == (first, "changes required")
    assert back["detail"]["failed"] == [{"item": "hands", "reason": "six fingers", "by": "rita"}]
    assert back["detail"]["notes"] == [{"by": "rita", "note": "redo the hand"}]
    assert [m["comment"] for m in back["detail"]["marks"]] == ["the thumb bends backwards"]

    fixed = fixes.fix(room["omar"], first, refine=True, strength=0.5)
    assert _kinds(room["omar"], "changes_requested") == []  # the fix answers it
    for reviewer in ("rita", "ravi"):  # the fix, not its stale parent, is what waits
        waiting = _images(room[reviewer], "review")
        assert fixed.id in waiting and first not in waiting, reviewer
    [item] = [i for i in _kinds(room["rita"], "review") if i["image"] == fixed.id]
    assert item["status"] == "0 of 1 approvals"
    marks.reply(room["omar"], marks.on(room["omar"], fixed.id)[0]["mark"], "fixed: five fingers now")
    reviews.decide(room["ravi"], fixed.id, "approved", _checks(), alt_text="A red boot on moss")
    assert fixed.id not in _images(room["rita"], "review") and fixed.id not in _images(room["ravi"], "review")
    people.add_person(room["dana"], "kim", ["keeper"])
    kim = room["dana"].acting_as(people.actor(room["dana"], "kim", "python"))
    assert fixed.id in _images(kim, "release") and first not in _images(kim, "release")


def test_the_directors_list_holds_directions_paused_and_due_briefs(room):
    soon = room["dana"].now().date() + timedelta(days=2)
    brief = _brief(room)
    with room["dana"].unit() as session:  # the template's due date is long past: set one two days out
        row = briefs.get(session, brief)
        row.spec = {**row.spec, "due": soon.isoformat()}
    [due] = _kinds(room["dana"], "due")
    assert (due["brief"], due["due"], due["status"]) == (brief, soon.isoformat(), f"due {soon.isoformat()}")
    assert _kinds(room["dana"], "direction") == []  # no concepts yet
    sprint = concepts.sprint(room["omar"], brief, ["watercolor", "flat-vector", "cinematic"], per_style=1, steps=2)
    [direction] = _kinds(room["dana"], "direction")
    assert direction["brief"] == brief and direction["status"] == "concepts wait for a direction"
    concepts.approve_direction(room["dana"], brief, sprint.rows[0].id)
    assert _kinds(room["dana"], "direction") == []
    briefs.pause_brief(room["dana"], brief, "waiting for the product shots")
    [paused] = _kinds(room["dana"], "paused")
    assert paused["status"] == "paused: waiting for the product shots"
    assert _kinds(room["omar"], "paused") == []  # omar directs nothing


def test_a_worklist_is_paged_and_belongs_to_someone(room):
    brief, lock = _locked(room)
    run = volume.run(room["omar"], lock["recipe"], [("subject", "a red boot"), ("subject", "a blue boot")], 3)
    culls.cull(room["omar"], [row.id for row in run.made], keep=True, reason="")
    whole = worklist.worklist(room["rita"], limit=500)
    first, second = worklist.worklist(room["rita"], page=1, limit=4), worklist.worklist(room["rita"], page=2, limit=4)
    assert first["total"] == whole["total"] >= 6 and first["pages"] == -(-whole["total"] // 4)
    assert first["items"] + second["items"] == whole["items"][:8]
    assert whole["counts"]["review"] == whole["total"]
    for bad in ({"limit": 0}, {"limit": -1}, {"page": 0}):
        with pytest.raises(InputError):
            worklist.worklist(room["rita"], **bad)
    with pytest.raises(Forbidden):
        worklist.worklist(room["rita"].acting_as(room["rita"].actor.unknown()))


def test_an_images_history_holds_every_decision_on_it_and_its_earlier_versions(room):
    brief, lock = _locked(room)
    hero = lock["hero"]
    reviews.decide(room["rita"], hero, "changes-required", _checks(hands="fail:six fingers"), note="redo the hand")
    fixed = fixes.fix(room["omar"], hero, refine=True, strength=0.5)
    reviews.decide(room["ravi"], fixed.id, "approved", _checks(), alt_text="A red boot on moss")
    newest, oldest = reviews.history(room["omar"], fixed.id)
    assert (newest["image"], newest["reviewer"], newest["decision"], newest["stale"]) == (
        fixed.id,
        "ravi",
        "approved",
        False,
    )
    assert (oldest["image"], oldest["reviewer"], oldest["decision"]) == (hero, "rita", "changes-required")
    assert oldest["stale"] is True  # the fix came after it
    assert oldest["failed"] == [{"item": "hands", "reason": "six fingers"}] and oldest["note"] == "redo the hand"
    assert [d["image"] for d in reviews.history(room["omar"], hero)] == [hero]  # a parent does not see its fixes


def test_assigned_reviews_reach_only_their_reviewers_with_the_due_date(room):
    brief, lock = _locked(room)
    run = volume.run(room["omar"], lock["recipe"], [("subject", "a red boot")], 2)
    made = [row.id for row in run.made]
    with pytest.raises(Forbidden, match="omar may not assign this brief's reviews"):
        assignments.assign(room["omar"], brief, "ravi")
    with pytest.raises(InputError) as bad:
        assignments.assign(room["dana"], brief, "ravi", "next tuesday")
    assert bad.value.field == "due"
    with pytest.raises(InputError, match="omar does not hold the reviewer role"):
        assignments.assign(room["dana"], brief, "omar")
    row = assignments.assign(room["dana"], brief, "ravi", "2026-12-24")
    assert (row["reviewer"], row["due"]) == ("ravi", "2026-12-24")
    assert assignments.assign(room["dana"], brief, "ravi", "2026-12-20")["assignment"] == row["assignment"]  # moved
    told = notices.inbox(room["ravi"])["notices"]
    culls.cull(room["omar"], made, keep=True, reason="")
    asked = [n for n in notices.inbox(room["ravi"])["notices"] if n["kind"] == "review.requested"]
    assert len(asked) == 1 and "2 images" in asked[0]["text"] and len(told) == 0
    assert [n for n in notices.inbox(room["rita"])["notices"] if n["kind"] == "review.requested"] == []
    waiting = _kinds(room["ravi"], "review")
    assert {i["image"] for i in waiting} >= set(made) and {i["due"] for i in waiting if i["image"] in made} == {
        "2026-12-20"
    }
    assert not set(made) & set(_images(room["rita"], "review"))  # not assigned: not on her list
    assert [a["reviewer"] for a in assignments.of_brief(room["rita"], brief)] == ["ravi"]
    assignments.end(room["dana"], row["assignment"])
    assert set(made) <= set(_images(room["rita"], "review"))  # no assignment: any reviewer again


def _in_order(room) -> None:
    """This studio's high-stakes gate takes the assigned reviewers in order (as pressroom.toml says it)."""
    studio = room["dana"].studio
    config = studio.root / "pressroom.toml"
    config.write_text(config.read_text() + '\n[gate.high]\norder = "sequential"\n')
    studio.config = tomllib.loads(config.read_text())


def _kept(room, recipe: int, subject: str = "a red boot") -> list[int]:
    made = [row.id for row in volume.run(room["omar"], recipe, [("subject", subject)], 1).made]
    culls.cull(room["omar"], made, keep=True, reason="")
    return made


def _requests(ctx) -> list[str]:
    return [n["text"] for n in notices.inbox(ctx)["notices"] if n["kind"] == "review.requested"]


def test_a_sequential_gate_takes_the_assigned_reviewers_in_the_order_they_were_assigned(room):
    _in_order(room)
    brief, lock = _locked(room, stakes="high")
    assignments.assign(room["dana"], brief, "ravi")  # ravi first, then rita
    assignments.assign(room["dana"], brief, "rita")
    [image] = _kept(room, lock["recipe"])
    assert image in _images(room["ravi"], "review") and image not in _images(room["rita"], "review")
    assert _requests(room["ravi"]) == [f"image #{image} waits for your review"]  # told: it is his turn
    assert _requests(room["rita"]) == []  # not yet hers
    for decision, answers in (("approved", _checks()), ("changes-required", _checks(hands="fail:six fingers"))):
        with pytest.raises(Refused) as early:
            reviews.decide(room["rita"], image, decision, answers, alt_text="A red boot on moss")
        assert str(early.value) == (
            f"generation {image} waits on ravi first: its high-stakes gate takes the assigned reviewers in order "
            "(ravi, then rita); rita decides once ravi has approved"
        )
        assert early.value.field == "reviewer"
    first = reviews.decide(room["ravi"], image, "approved", _checks(), alt_text="A red boot on moss")
    assert (first.result, first.order, first.approvals) == ("pending", "sequential", ["ravi"])
    assert image in _images(room["rita"], "review") and image not in _images(room["ravi"], "review")  # her turn
    assert _requests(room["rita"]) == [f"image #{image} waits for your review: ravi approved it, and it is your turn"]
    second = reviews.decide(room["rita"], image, "approved", _checks())
    assert (second.result, second.approvals) == ("approved", ["ravi", "rita"])

    [sent_back] = _kept(
        room, lock["recipe"], "a blue boot"
    )  # the first reviewer sending an image back: it goes to its maker
    reviews.decide(room["ravi"], sent_back, "changes-required", _checks(hands="fail:six fingers"))
    assert sent_back not in _images(room["rita"], "review")
    with pytest.raises(Refused, match=f"generation {sent_back} waits on ravi first"):
        reviews.decide(room["rita"], sent_back, "approved", _checks(), alt_text="A red boot on moss")
    fixed = fixes.fix(room["omar"], sent_back, refine=True, strength=0.5)  # a new version: ravi first again
    assert fixed.id in _images(room["ravi"], "review") and fixed.id not in _images(room["rita"], "review")


def test_a_sequential_gate_without_assignments_or_a_parallel_one_takes_reviewers_in_any_order(room):
    brief, lock = _locked(room, stakes="high")
    assignments.assign(room["dana"], brief, "ravi")
    assignments.assign(room["dana"], brief, "rita")
    [parallel] = _kept(room, lock["recipe"])  # the default: both assigned reviewers see it and decide at once
    assert parallel in _images(room["ravi"], "review") and parallel in _images(room["rita"], "review")
    assert reviews.decide(room["rita"], parallel, "approved", _checks(), alt_text="A red boot").order == "parallel"
    assert reviews.decide(room["ravi"], parallel, "approved", _checks()).result == "approved"

    _in_order(room)
    other, _ = _locked(room, stakes="high")
    recipe = briefs.show(room["dana"], other)["recipes"][0]["recipe"]
    [image] = _kept(room, recipe)  # sequential, nobody assigned: any reviewer first, then a different one
    assert image in _images(room["rita"], "review") and image in _images(room["ravi"], "review")
    first = reviews.decide(room["rita"], image, "approved", _checks(), alt_text="A red boot")
    assert reviews.decide(room["rita"], image, "approved", _checks()).result == "pending"  # the same one twice
    assert first.order == "sequential"
    assert reviews.decide(room["ravi"], image, "approved", _checks()).approvals == ["ravi", "rita"]


def test_an_unknown_review_order_is_refused_naming_the_setting(room):
    studio = room["dana"].studio
    studio.config = {**studio.config, "gate": {"high": {"order": "round-robin"}}}
    brief, lock = _locked(room, stakes="high")
    [image] = _kept(room, lock["recipe"])
    with pytest.raises(InputError) as wrong:
        reviews.decide(room["rita"], image, "approved", _checks(), alt_text="A red boot")
    assert str(wrong.value) == "[gate.high] order in pressroom.toml must be parallel or sequential (got 'round-robin')"


def test_assignments_through_the_api_at_the_paths_the_docs_name(room):
    from fastapi.testclient import TestClient

    from pressroom.context import Actor, Context
    from pressroom.plays import accounts
    from pressroom.server.app import create_app

    brief, _ = _locked(room)
    studio = room["dana"].studio
    accounts.add_account(room["dana"], "dana", [])
    token = accounts.create_token(Context(studio, Actor.unknown("cli")), "dana", "tests")["token"]
    with TestClient(create_app(studio), headers={"Authorization": f"Bearer {token}"}) as client:
        made = client.post(f"/api/briefs/{brief}/assignments", json={"reviewer": "ravi", "due": "2026-12-24"})
        assert made.status_code == 201, made.text
        assert [(a["reviewer"], a["due"]) for a in client.get(f"/api/briefs/{brief}/assignments").json()] == [
            ("ravi", "2026-12-24")
        ]
        bad = client.post(f"/api/briefs/{brief}/assignments", json={"reviewer": "ravi", "due": "next tuesday"})
        assert bad.status_code == 400 and bad.json()["field"] == "due"
        ended = client.delete(f"/api/assignments/{made.json()['assignment']}")
        assert ended.status_code == 200, ended.text
        assert client.get(f"/api/briefs/{brief}/assignments").json() == []
