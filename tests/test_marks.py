"""Marks pinned to a region of an image, against the service layer on the fake engine."""

import math

import pytest
from test_rules import _checks, _locked, room, rules_template  # noqa: F401 (fixtures)

from pressroom.errors import Forbidden, InputError, NotFound, Refused
from pressroom.plays import events, fixes, marks, reviews

pytestmark = pytest.mark.ledger_contract("marks pinned to an image, and who may place and resolve them")


def test_a_reviewer_pins_a_point_and_a_rectangle_that_everyone_sees(room):
    brief, lock = _locked(room)
    hero = lock["hero"]
    point = marks.place(room["rita"], hero, 0.25, 0.5, "  the left hand has six fingers ")
    box = marks.place(room["dana"], hero, 0.5, 0.125, "logo too close to the edge", width=0.5, height=0.25)
    assert (point["kind"], point["comment"], point["author"]) == ("point", "the left hand has six fingers", "rita")
    assert (box["kind"], box["x"], box["y"], box["width"], box["height"]) == ("rectangle", 0.5, 0.125, 0.5, 0.25)
    assert [m["mark"] for m in marks.on(room["omar"], hero)] == [point["mark"], box["mark"]]  # the operator sees both


def test_marks_are_fractions_of_the_image_with_a_comment(room):
    brief, lock = _locked(room)
    hero = lock["hero"]
    for place, kwargs, field in [
        ((1.5, 0.2, "x"), {}, "x"),
        ((0.2, -0.1, "y"), {}, "y"),
        ((math.nan, 0.2, "x"), {}, "x"),
        ((0.8, 0.2, "x"), {"width": 0.5}, "width"),
        ((0.2, 0.2, "   "), {}, "comment"),
        ((0.2, 0.2, "x" * 2001), {}, "comment"),
    ]:
        with pytest.raises(InputError) as refused:
            marks.place(room["rita"], hero, *place, **kwargs)
        assert refused.value.field == field, place
    with pytest.raises(NotFound, match="no generation 9999"):
        marks.place(room["rita"], 9999, 0.1, 0.1, "where?")
    assert marks.on(room["rita"], hero) == []  # nothing refused was stored


def test_only_a_reviewer_or_director_marks_and_only_the_author_or_maker_resolves(room):
    brief, lock = _locked(room)
    hero = lock["hero"]
    with pytest.raises(Forbidden, match="omar may not mark images: it needs the reviewer or director role"):
        marks.place(room["omar"], hero, 0.1, 0.1, "my own note")
    mark = marks.place(room["rita"], hero, 0.1, 0.1, "a smudge")
    with pytest.raises(Forbidden, match=f"ravi may not resolve mark {mark['mark']}"):
        marks.resolve(room["ravi"], mark["mark"])
    assert marks.resolve(room["omar"], mark["mark"])["resolved"] is True  # omar made the hero
    assert marks.resolve(room["rita"], mark["mark"])["resolved"] is True  # again: no change, no error


def test_a_mark_is_a_conversation_that_holds_for_the_fix_and_can_be_reopened(room):
    brief, lock = _locked(room)
    hero = lock["hero"]
    mark = marks.place(room["rita"], hero, 0.3, 0.6, "the thumb bends backwards")
    with pytest.raises(InputError) as empty:
        marks.reply(room["omar"], mark["mark"], "   ")
    assert empty.value.field == "text"
    own = marks.reply(room["rita"], mark["mark"], "look at the left hand too")
    assert own["answered"] is False  # the author talking to themself answers nothing
    answered = marks.reply(room["omar"], mark["mark"], "fixed in the refine")
    assert [(r["author"], r["text"]) for r in answered["replies"]] == [
        ("rita", "look at the left hand too"),
        ("omar", "fixed in the refine"),
    ]
    assert answered["answered"] is True
    fixed = fixes.fix(room["omar"], hero, refine=True, strength=0.5)
    [on_fix] = marks.on(room["rita"], fixed.id)  # raised on the hero, shown on its fix
    assert (on_fix["mark"], on_fix["raised_on"], on_fix["resolved"]) == (mark["mark"], hero, False)
    assert marks.on(room["rita"], hero)[0]["raised_on"] is None
    assert marks.resolve(room["omar"], mark["mark"])["resolved"] is True  # the fix's maker resolves it
    with pytest.raises(Forbidden, match="omar may not reopen marks"):
        marks.reopen(room["omar"], mark["mark"])
    assert marks.reopen(room["ravi"], mark["mark"])["resolved"] is False  # another reviewer: not fixed yet
    log = [e["action"] for e in events.log(room["dana"]) if e["action"].startswith("mark.")]
    assert log == ["mark.place", "mark.reply", "mark.reply", "mark.resolve", "mark.reopen"]


def test_an_approval_waits_for_open_unanswered_marks_on_the_image_or_its_parents(room):
    brief, lock = _locked(room)
    hero = lock["hero"]
    first = marks.place(room["rita"], hero, 0.2, 0.2, "a smudge on the sky")
    second = marks.place(room["dana"], hero, 0.7, 0.7, "logo too close to the edge", width=0.2, height=0.2)
    fixed = fixes.fix(room["omar"], hero, refine=True, strength=0.5)
    with pytest.raises(Refused) as refused:
        reviews.decide(room["ravi"], fixed.id, "approved", _checks(), alt_text="A shoe on moss")
    said = str(refused.value)
    assert refused.value.field == "marks"
    assert f"mark {first['mark']} by rita on image {hero}: 'a smudge on the sky'" in said
    assert f"mark {second['mark']} by dana on image {hero}" in said and "resolve them or answer them" in said
    # sending it back never waits: the marks are what to fix
    assert reviews.decide(room["ravi"], fixed.id, "changes-required", _checks(hands="fail:the thumb")).result
    marks.resolve(room["rita"], first["mark"])
    marks.reply(room["omar"], second["mark"], "moved the logo 40 px in")
    status = reviews.decide(room["ravi"], fixed.id, "approved", _checks(), alt_text="A shoe on moss")
    assert status.result == "approved"
