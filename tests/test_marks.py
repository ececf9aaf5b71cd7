"""Marks pinned to a region of an image, against the service layer on the fake engine."""

import math

import pytest
from test_rules import _locked, room, rules_template  # noqa: F401 (fixtures)

from pressroom.errors import Forbidden, InputError, NotFound
from pressroom.plays import marks

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
