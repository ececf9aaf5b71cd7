"""The review gate's rules: the checklist, the decisions, what counts as approved, and which gate applies.

The stakes set the gate (low: the short list and one reviewer; standard: every item and one reviewer;
high: every item and two reviewers) and the content type moves it one step: a social brief (light
gate) at standard stakes gets the short list, an ecommerce brief (strict gate) at low stakes every
item; high stakes always get the full gate. A stage's result is the strictest current decision in
it. Pure rules: the review play (``pressroom.plays.reviews``) records decisions and reads them back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from pressroom.errors import InputError

CHECKLIST = (
    "hands",
    "faces",
    "text",
    "edges",
    "duplicates",
    "reflections",
    "jewellery",
    "lighting",
    "palette",
    "proportions",
    "real-people",
    "logos",
    "artist-mimicry",
    "licence",
    "offensive",
    "alt-text",
    "contrast",
    "recipe-logged",
)
SHORT_LIST = ("hands", "faces", "text", "real-people", "logos", "licence", "offensive", "alt-text")
DECISIONS = ("approved", "approved-with-changes", "changes-required", "rejected")  # mildest first
APPROVING = DECISIONS[:2]  # the decisions that let an image out
SENDS_BACK = DECISIONS[2:]  # the decisions that send work back to its maker
RESULTS = ("pass", "fail", "n/a")
PENDING = "pending"  # a stage with no decision yet, or too few approvals
FLAG_AFTER = 3  # failures of one item on one recipe before it is flagged "fix in the recipe"


def approves(decision: str) -> bool:
    """Whether a decision (or a stage's result) lets the image out."""
    return decision in APPROVING


def sends_back(decision: str) -> bool:
    return decision in SENDS_BACK


def check_decision(decision: str) -> str:
    if decision not in DECISIONS:
        raise InputError(f"decision must be one of {', '.join(DECISIONS)} (got {decision!r})", field="decision")
    return decision


def result(decisions: Iterable[str], approvals: int, needed: int) -> str:
    """A stage's result: the strictest decision sends work back at once; approval needs enough approvers."""
    decisions = list(decisions)
    if not decisions:
        return PENDING
    strictest = max(decisions, key=DECISIONS.index)
    return strictest if sends_back(strictest) or approvals >= needed else PENDING


class Answer(NamedTuple):
    """A checklist item's answer: pass, fail (with what is wrong) or n/a."""

    result: str
    reason: str = ""


def answers(given: Mapping[str, Answer | tuple[str, str] | str]) -> dict[str, Answer]:
    """Checklist answers, checked: known items, known results, and a reason for every failure.

    An answer is an :class:`Answer`, a ``(result, reason)`` pair, or a string ``pass``, ``n/a`` or
    ``fail:what is wrong`` (as a form or a JSON body gives it)."""
    checked = {}
    for item, answer in given.items():
        if isinstance(answer, str):
            result_, _, reason = answer.partition(":")
            answer = Answer(result_.strip(), reason.strip())
        answer = Answer(*answer)
        if item not in CHECKLIST:
            raise InputError(f"checklist item {item!r} is not one of {', '.join(CHECKLIST)}", field="check")
        if answer.result not in RESULTS:
            raise InputError(
                f"checklist item {item}: the result must be pass, fail or n/a (got {answer.result!r})", field="check"
            )
        if answer.result == "fail" and not answer.reason.strip():
            raise InputError(f"checklist item {item} failed with no reason; say what is wrong", field="check")
        checked[item] = Answer(answer.result, answer.reason.strip())
    return checked


def parse_answer(text: str) -> tuple[str, Answer]:
    """``ITEM=pass|fail|n/a`` or ``ITEM=fail:REASON``, as a person types it, -> (item, answer)."""
    item, sep, rest = text.partition("=")
    if not sep:
        raise InputError(f"check {text!r}: give ITEM=pass, ITEM=n/a or ITEM=fail:what is wrong", field="check")
    item, answer = item.strip(), answers({item.strip(): rest})
    return item, answer[item]


ORDERS = ("parallel", "sequential")  # how a brief's assigned reviewers take their turns: at once, or in order


@dataclass(frozen=True)
class Gate:
    stakes: str  # the level applied: low | standard | high
    items: tuple[str, ...]
    reviewers: int
    label: str = ""  # how it was chosen, for messages
    order: str = "parallel"  # sequential: the assigned reviewers decide one after another (``turn``)

    def describe(self) -> str:
        return self.label or f"{self.stakes}-stakes"


DEFAULT_GATES = {
    "low": Gate("low", SHORT_LIST, 1),
    "standard": Gate("standard", CHECKLIST, 1),
    "high": Gate("high", CHECKLIST, 2),
}


STAKES = ("low", "standard", "high")  # lowest first


def lowers(stakes: str, before: str) -> bool:
    """Whether ``stakes`` is a looser gate than ``before`` (an unset one counts as standard)."""
    order = {name: rank for rank, name in enumerate(STAKES)}
    return order.get(stakes or "standard", 1) < order.get(before or "standard", 1)


def level(stakes: str, tightness: str) -> str:
    """The gate level for a brief's stakes and its content type's gate (full, light or strict)."""
    return {("standard", "light"): "low", ("low", "strict"): "standard"}.get((stakes, tightness), stakes)


def configured(
    stakes: str, *, items: Iterable[str] | None = None, reviewers: int | None = None, order: str | None = None
) -> Gate:
    """The gate of a level, with a studio's own items, number of reviewers and order where it sets them."""
    base = DEFAULT_GATES.get(stakes or "standard", DEFAULT_GATES["standard"])
    items = tuple(base.items if items is None else items)
    unknown = [i for i in items if i not in CHECKLIST]
    if unknown:
        raise InputError(
            f"[gate.{base.stakes}] in pressroom.toml names unknown items: {', '.join(unknown)}", field="gate"
        )
    order = base.order if order is None else order
    if order not in ORDERS:
        raise InputError(
            f"[gate.{base.stakes}] order in pressroom.toml must be parallel or sequential (got {order!r})", field="gate"
        )
    return Gate(base.stakes, items, base.reviewers if reviewers is None else int(reviewers), order=order)


def turn(order: str, queue: Iterable[int], approved: Iterable[int], able: Callable[[int], bool]) -> int | None:
    """Whose turn it is to decide on an image, at a gate taking its reviewers in ``order``: with
    ``sequential``, the first of the assigned reviewers (``queue``, in the order they were assigned)
    who has not approved the image's current version and may judge it (``able``); each one after
    waits until those before have approved. None when anyone may decide now: a parallel gate, no
    one assigned, or every assigned reviewer has approved."""
    if order != "sequential":
        return None
    done = set(approved)
    return next((person for person in queue if person not in done and able(person)), None)
