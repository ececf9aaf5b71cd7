"""Adversarial cases for the gate's rules (issue: hardening, class 6), against the service layer
on the fake engine: slips a user makes by accident and moves an insider tries on purpose."""

import pytest
from test_rules import _brief, _checks, _locked, room, rules_template  # noqa: F401 (fixtures)

from pressroom.domain.brief import parse
from pressroom.errors import Forbidden, InputError, Refused, ReleaseBlocked
from pressroom.plays import accounts, briefs, culls, fixes, people, releases, reviews, volume

pytestmark = pytest.mark.ledger_contract("the review gate's rules under attempts to get around them")


def _acting(room, name: str, roles: list[str]):
    people.add_person(room["dana"], name, roles)
    return room["dana"].acting_as(people.actor(room["dana"], name, "python"))


def test_a_brief_is_directed_by_a_person_with_the_director_role(room):
    with pytest.raises(InputError, match="'nobody' is not a person in this studio; add them with") as nobody:
        _brief(room, director="nobody")
    assert nobody.value.field == "director"
    with pytest.raises(InputError, match="omar does not hold the director role"):
        _brief(room, director="omar")
    brief = _brief(room)
    with pytest.raises(InputError, match="rita does not hold the director role"):
        briefs.replace_brief(
            room["dana"], brief, parse(briefs.TEMPLATE.replace('director = "dana"', 'director = "rita"'))
        )
    with room["dana"].unit() as session:
        row = briefs.get(session, brief)
        assert (row.director, row.director_id, row.created_by_id) == (
            "dana",
            room["dana"].actor.id,
            room["dana"].actor.id,
        )


def test_the_maker_of_an_ancestor_may_not_approve_a_derivative_someone_else_made(room):
    brief, lock = _locked(room)
    [made] = volume.run(room["omar"], lock["recipe"], [("subject", "a red boot")], 1).made
    ravi = _acting(room, "ravi", ["operator"])  # a reviewer who also operates fixes omar's image
    fixed = fixes.fix(ravi, made.id, refine=True, strength=0.5)
    omar = _acting(room, "omar", ["reviewer"])  # the maker of the parent turns reviewer
    with pytest.raises(Forbidden, match=f"omar made generation {made.id}, which generation {fixed.id} was made from"):
        reviews.decide(omar, fixed.id, "approved", _checks(), alt_text="A boot")
    upscaled = fixes.fix(ravi, fixed.id, upscale=2)  # two steps removed: still omar's work underneath
    with pytest.raises(Forbidden, match=f"omar made generation {made.id}"):
        reviews.decide(omar, upscaled.id, "approved", _checks(), alt_text="A boot")


def test_alt_text_of_whitespace_alone_is_no_alt_text(room):
    brief, lock = _locked(room)
    for blank in ("", " ", "\t\n ", "\u00a0 "):
        with pytest.raises(InputError, match="the image has none"):
            reviews.decide(room["rita"], lock["hero"], "approved", _checks(), alt_text=blank)
    reviews.decide(room["rita"], lock["hero"], "approved", _checks(alt_text="n/a"), alt_text="   ")
    with room["dana"].unit() as session:
        assert reviews.alt_text_of(session, lock["hero"]) == ""


def test_release_is_the_keepers_play_and_never_ships_a_rejected_image(room):
    brief, lock = _locked(room)
    reviews.decide(room["rita"], lock["hero"], "approved", _checks(), alt_text="A red shoe on moss")
    kim = _acting(room, "kim", ["keeper"])
    for someone in ("dana", "omar", "rita"):  # the director, the maker and the reviewer alike
        with pytest.raises(Forbidden, match=f"{someone} may not release images: it needs the keeper role"):
            releases.release(room[someone], brief)
    culls.cull(room["omar"], [lock["hero"]], keep=False, reason="composition")
    with pytest.raises(ReleaseBlocked, match=f"generation {lock['hero']} is approved but was culled as rejected"):
        releases.release(kim, brief)
    culls.cull(room["omar"], [lock["hero"]], keep=True, reason="")
    [master] = releases.release(kim, brief)
    assert (master.generation_id, master.released_by_id) == (lock["hero"], kim.actor.id)


def test_only_a_briefs_own_director_or_an_admin_changes_it(room):
    brief = _brief(room)
    other = _acting(room, "dmitri", ["director"])
    takeover = parse(briefs.TEMPLATE.replace('director = "dana"', 'director = "dmitri"').replace("standard", "low"))
    for attempt in (
        lambda: briefs.replace_brief(other, brief, takeover),
        lambda: briefs.pause_brief(other, brief, "mine now"),
    ):
        with pytest.raises(Forbidden, match=f"dmitri may not .* brief {brief} is dana's; only its own director") as no:
            attempt()
        assert no.value.field == "actor"
    briefs.pause_brief(room["dana"], brief, "waiting for the product shots")
    with pytest.raises(Forbidden, match="dmitri may not resume this brief"):
        briefs.resume_brief(other, brief, "go")
    with room["dana"].unit() as session:
        row = briefs.get(session, brief)
        assert (row.director, row.stakes, row.status) == ("dana", "standard", "paused")
    # an admin may step in: the studio's admin hands the brief over to dmitri
    people.add_person(room["dana"], "ada", ["director"])
    accounts.add_account(room["dana"], "ada", ["director"], password="a long pass phrase", admin=True)
    ada = room["dana"].acting_as(people.actor(room["dana"], "ada", "python"))
    assert briefs.resume_brief(ada, brief, "back on")["status"] == "active"
    assert briefs.replace_brief(ada, brief, takeover)["director"] == "dmitri"
    assert briefs.pause_brief(other, brief, "now it is mine")["status"] == "paused"
    with pytest.raises(Forbidden, match=f"dana may not pause this brief: brief {brief} is dmitri's"):
        briefs.pause_brief(room["dana"], brief, "no")


def test_a_briefs_stakes_are_not_lowered_once_an_image_was_judged(room):
    brief, lock = _locked(room, stakes="high")
    high = briefs.TEMPLATE.replace('stakes = "standard"', 'stakes = "high"')
    assert briefs.replace_brief(room["dana"], brief, parse(high))["stakes"] == "high"  # unchanged: fine
    reviews.decide(room["rita"], lock["hero"], "approved", _checks(), alt_text="A red shoe on moss")
    for lower in ("standard", "low"):
        with pytest.raises(Refused, match=f"keeps high stakes: its images have review decisions.* to {lower}") as no:
            briefs.replace_brief(room["dana"], brief, parse(briefs.TEMPLATE.replace("standard", lower)))
        assert no.value.field == "stakes"
    with room["dana"].unit() as session:
        assert briefs.get(session, brief).stakes == "high"
    # raising the stakes stays open, and a brief with no decision yet may still be lowered
    fresh = _brief(room, stakes="high")
    assert briefs.replace_brief(room["dana"], fresh, parse(briefs.TEMPLATE))["stakes"] == "standard"
