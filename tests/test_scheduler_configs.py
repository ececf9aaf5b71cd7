"""Scheduler configs with inf, -inf and NaN: every card reproduces and locks, whatever the scheduler."""

import json
import math
import tomllib

import pytest
from playbook import SMALL, open_brief, people, sprint

from pressroom.domain.recipes import ModelRef, Recipe, SchedulerSpec
from pressroom.errors import ModelError, Refused
from pressroom.jobs import generations
from pressroom.store import cards

NON_FINITE = {
    "lambda_min_clipped": -math.inf,
    "sigma_max": math.inf,
    "odd": math.nan,
    "listed": [1.0, -math.inf],
    "trained_betas": None,
    "steps_offset": 1,
}


def recipe() -> Recipe:
    return Recipe(
        prompt="a fox",
        model=ModelRef(name="m", files={"w.safetensors": "a" * 64}),
        seed=3,
        width=64,
        height=64,
        scheduler=SchedulerSpec(name="dpmpp_2m", class_name="DPMSolverMultistepScheduler", config=dict(NON_FINITE)),
    )


def same(found: dict, expected: dict) -> None:
    assert found.keys() == expected.keys()
    for key, value in expected.items():
        got = found[key]
        if isinstance(value, float) and math.isnan(value):
            assert isinstance(got, float) and math.isnan(got), key
        else:
            assert got == value and type(got) is type(value), key


def test_non_finite_values_round_trip_through_the_card_and_the_ledgers_json():
    original = recipe()
    text = cards.to_toml(original)
    assert "lambda_min_clipped = -inf" in text and "sigma_max = inf" in text and "odd = nan" in text
    same(cards.parse(text).recipe.scheduler.config, NON_FINITE)
    stored = json.dumps(original.model_dump(mode="json"), allow_nan=False)  # what PostgreSQL's JSON accepts
    same(Recipe.model_validate(json.loads(stored)).scheduler.config, NON_FINITE)
    same(Recipe.model_validate_json(original.model_dump_json()).scheduler.config, NON_FINITE)


@pytest.mark.parametrize("scheduler", ["dpmpp_2m", "dpmpp_2m_karras"])
def test_a_dpmpp_card_reproduces_exactly(cli, studio, tmp_path, scheduler):
    made = cli(
        "generate",
        "--prompt",
        "a red fox",
        "--seed",
        "5",
        "--steps",
        "3",
        "--width",
        "64",
        "--height",
        "64",
        "--scheduler",
        scheduler,
        "--json",
    )
    assert made.code == 0, made.err
    [row] = json.loads(made.out)
    kept = generations.get(studio, row["id"]).parsed_recipe().scheduler.config
    assert kept["lambda_min_clipped"] == -math.inf  # the ledger keeps it (it was null, and the card lost it)
    card = tmp_path / "card.toml"
    assert cli("recipe", "export", row["id"], "-o", card).code == 0
    assert tomllib.loads(card.read_text())["scheduler"]["config"]["lambda_min_clipped"] == -math.inf
    again = cli("reproduce", card, "--json")
    assert again.code == 0, again.err
    assert json.loads(again.out)["verdict"] == "exact"


def test_a_dpmpp_karras_lock_locks(cli, studio, tmp_path):
    people(cli)
    brief = open_brief(cli, tmp_path)
    concepts = sprint(cli, brief)
    assert cli("direction", "approve", brief, concepts[0]["id"], "--as", "dana").code == 0
    result = cli("lock", brief, "--as", "omar", "--steps", "2", "--scheduler", "dpmpp_2m_karras", *SMALL, "--json")
    assert result.code == 0, result.err
    lock = json.loads(result.out)
    assert lock["status"] == "locked" and lock["verdict"] == "exact"


def test_a_hero_that_cannot_run_again_fails_the_lock_and_is_not_left_orphaned(cli, studio, tmp_path, monkeypatch):
    from pressroom.plays import lockin

    people(cli)
    brief = open_brief(cli, tmp_path)
    concepts = sprint(cli, brief)
    cli("direction", "approve", brief, concepts[0]["id"], "--as", "dana")

    class Gone:  # the second run (the fresh pipeline) cannot find its weights
        def __init__(self, studio):
            pass

        def manifest(self, ref):
            raise ModelError("the weights went away")

    monkeypatch.setattr(lockin, "Resolver", Gone)
    result = cli("lock", brief, "--as", "omar", "--steps", "2", *SMALL, "--json")
    assert result.code == Refused.exit_code
    assert "the hero's recipe could not run again: the weights went away" in result.err
    assert "Traceback" not in result.err
    assert [line for line in result.err.splitlines() if not line.startswith("warning:")] == [
        result.err.strip().splitlines()[-1]
    ]  # one line of error after the prompt-length warning
    failed = json.loads(result.out)
    assert failed["status"] == "failed" and failed["verdict"] == "error"
    heroes = [g for g in generations.listing(studio) if g.play == "lock"]
    assert [g.recipe_id for g in heroes] == [failed["recipe"]]  # the hero belongs to the failed lock
    shown = json.loads(cli("brief", "show", brief, "--json").out)
    assert shown["status"] == "paused" and "the weights went away" in shown["pause_reason"]
