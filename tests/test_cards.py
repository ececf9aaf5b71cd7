import tomllib

import pytest
from pydantic import ValidationError

from pressroom.domain.compare import Fingerprint
from pressroom.domain.recipes import ModelRef, Recipe, SchedulerSpec, Skeleton
from pressroom.errors import CardError
from pressroom.store import cards


def recipe(**overrides) -> Recipe:
    settings = dict(
        prompt="a red fox, in snow",
        skeleton=Skeleton(subject="a red fox", context="in snow"),
        negative='blurry, "text"\nwatermark',
        model=ModelRef(name="m", files={"unet/w.safetensors": "a" * 64}),
        seed=2**40 + 3,
        steps=12,
        guidance=6.5,
        width=64,
        height=128,
        scheduler=SchedulerSpec(
            name="euler",
            class_name="EulerDiscreteScheduler",
            config={"beta_end": 0.012, "trained_betas": None, "steps_offset": 1},
        ),
    )
    settings.update(overrides)
    return Recipe(**settings)


def test_a_card_round_trips_its_recipe_exactly():
    original = recipe()
    text = cards.to_toml(original, expect=Fingerprint("b" * 64, "c" * 16, "d" * 16), generation=4)
    tomllib.loads(text)  # valid TOML
    assert "# The exact text sent to the text encoder." in text
    card = cards.parse(text)
    assert card.recipe == original
    assert card.recipe.scheduler.config["trained_betas"] is None
    assert card.expect == Fingerprint("b" * 64, "c" * 16, "d" * 16) and card.generation == 4


def test_a_wrong_value_names_the_field_and_its_line():
    text = cards.to_toml(recipe())
    broken = text.replace("steps = 12", 'steps = "twelve"')
    line = broken.splitlines().index('steps = "twelve"') + 1
    with pytest.raises(CardError, match=rf"steps \(line {line}\) Input should be a valid integer"):
        cards.parse(broken, "c.toml")


def test_nested_fields_and_unknown_fields_are_named():
    text = cards.to_toml(recipe()).replace('name = "m"', 'nmae = "m"')
    with pytest.raises(CardError) as caught:
        cards.parse(text)
    message = str(caught.value)
    assert "model.name" in message and "is missing" in message
    assert "model.nmae" in message and "not a recipe field" in message


def test_a_size_not_divisible_by_8_is_refused_with_advice():
    text = cards.to_toml(recipe()).replace("width = 64", "width = 250")
    with pytest.raises(CardError, match=r"width \(line \d+\) must be a multiple of 8 \(got 250\); use 248 or 256"):
        cards.parse(text)


def test_toml_syntax_errors_give_the_line():
    with pytest.raises(CardError, match=r"not valid TOML: .*line 2"):
        cards.parse('prompt = "x"\nseed = = 3\n')


def test_a_prompt_that_disagrees_with_its_skeleton_is_refused():
    with pytest.raises(ValidationError, match="does not match its skeleton"):
        recipe(prompt="something else")
