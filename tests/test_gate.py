"""The review gate's rules, asked of domain.gate directly: no studio, no ledger."""

import pytest

from pressroom.domain import gate
from pressroom.errors import InputError


def test_only_the_two_approving_decisions_let_an_image_out():
    assert [d for d in gate.DECISIONS if gate.approves(d)] == ["approved", "approved-with-changes"]
    assert [d for d in gate.DECISIONS if gate.sends_back(d)] == ["changes-required", "rejected"]
    assert not gate.approves(gate.PENDING)


@pytest.mark.parametrize(
    ("decisions", "approvals", "needed", "result"),
    [
        ([], 0, 1, "pending"),
        (["approved"], 1, 1, "approved"),
        (["approved"], 1, 2, "pending"),  # high stakes: a second reviewer is still needed
        (["approved", "approved-with-changes"], 2, 2, "approved-with-changes"),  # the strictest wins
        (["approved", "changes-required"], 1, 2, "changes-required"),  # sending back needs no quorum
        (["rejected", "changes-required"], 0, 1, "rejected"),
    ],
)
def test_a_stage_takes_its_strictest_decision(decisions, approvals, needed, result):
    assert gate.result(decisions, approvals, needed) == result


def test_answers_are_checked_and_a_failure_needs_its_reason():
    given = {"hands": "pass", "faces": ("fail", " an extra eye "), "text": "fail:a stray word", "logos": "n/a"}
    assert gate.answers(given) == {
        "hands": gate.Answer("pass"),
        "faces": gate.Answer("fail", "an extra eye"),
        "text": gate.Answer("fail", "a stray word"),
        "logos": gate.Answer("n/a"),
    }
    for wrong, field_says in (
        ({"elbows": "pass"}, "not one of"),
        ({"hands": "maybe"}, "pass, fail or n/a"),
        ({"hands": "fail"}, "failed with no reason"),
        ({"hands": ("fail", "  ")}, "failed with no reason"),
    ):
        with pytest.raises(InputError, match=field_says) as refused:
            gate.answers(wrong)
        assert refused.value.field == "check"


def test_an_answer_typed_as_item_equals_result_is_parsed():
    assert gate.parse_answer("hands=fail:six fingers") == ("hands", gate.Answer("fail", "six fingers"))
    assert gate.parse_answer(" logos = n/a") == ("logos", gate.Answer("n/a"))
    with pytest.raises(InputError, match="ITEM=pass"):
        gate.parse_answer("hands")


def test_the_content_type_moves_the_gate_one_step_and_high_stakes_stay_full():
    assert gate.level("standard", "light") == "low"  # social
    assert gate.level("low", "strict") == "standard"  # ecommerce
    assert gate.level("high", "light") == "high"
    assert gate.level("standard", "full") == "standard"


def test_a_studio_sets_its_own_items_and_reviewers_but_only_known_items():
    custom = gate.configured("low", items=["hands", "logos"], reviewers=2)
    assert (custom.stakes, custom.items, custom.reviewers) == ("low", ("hands", "logos"), 2)
    assert gate.configured("high") == gate.DEFAULT_GATES["high"]
    with pytest.raises(InputError, match="unknown items: elbows"):
        gate.configured("standard", items=["hands", "elbows"])
    with pytest.raises(InputError, match="decision must be one of"):
        gate.check_decision("approve")
