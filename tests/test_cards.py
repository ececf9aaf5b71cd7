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


def test_the_t5_tokens_and_the_ignored_settings_round_trip_and_are_said_in_words():
    original = recipe(negative="", max_sequence_length=256, ignored=["guidance", "negative"])
    text = cards.to_toml(original)
    assert cards.parse(text).recipe == original
    lines = text.splitlines()
    for setting in ("guidance", "negative"):  # the comment just above the setting says it is ignored
        at = next(i for i, line in enumerate(lines) if line.startswith(f"{setting} = "))
        assert lines[at - 1].startswith("# IGNORED by this model"), lines[at - 2 : at + 1]
    assert 'ignored = ["guidance", "negative"]' in lines and "max_sequence_length = 256" in lines
    plain = cards.to_toml(recipe())
    assert "IGNORED" not in plain and "max_sequence_length" not in plain and "ignored =" not in plain


def test_a_recipe_written_before_the_t5_tokens_were_recorded_stores_the_same_json():
    # the ledger's hash chain digests a recipe's stored JSON: an old recipe read and written again is unchanged
    stored = recipe().model_dump(mode="json", exclude_none=True)
    assert "max_sequence_length" not in stored and "ignored" not in stored
    assert Recipe.model_validate(stored).model_dump(mode="json", exclude_none=True) == stored


@pytest.mark.parametrize(
    "line,named",
    [
        ("max_sequence_length = 1000", r"max_sequence_length \(line \d+\) Input should be less than or equal to 512"),
        ("max_sequence_length = 0", r"max_sequence_length \(line \d+\) Input should be greater than or equal to 1"),
        ('ignored = ["steps"]', r"ignored.0 \(line \d+\) Input should be 'guidance' or 'negative'"),
    ],
)
def test_a_bad_t5_token_count_or_ignored_setting_names_the_field(line, named):
    text = cards.to_toml(recipe()).replace("width = 64", f"{line}\nwidth = 64")
    with pytest.raises(CardError, match=named) as caught:
        cards.parse(text)
    assert "\n" not in str(caught.value)
