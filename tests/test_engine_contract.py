"""The engine contract: what every engine must do, run against each registered engine.

Add an engine to ENGINES (with the pixel difference it may show between a batched and a
single run of the same seed) and it must pass every test here. The diffusers engine runs the
built-in tiny model at 64x64 and 4 steps; the fake engine runs the same jobs without reading
the weights.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from pressroom import engines
from pressroom.domain.recipes import DEVICES, DTYPES, Environment, ModelRef
from pressroom.engines.base import Job
from pressroom.errors import EngineError, InputError, PressroomError
from pressroom.store import models
from pressroom.store.resolver import Resolver

# engine name -> the largest pixel difference allowed between a batched and a single run


ENGINES = {"fake": 0, "diffusers": 1}
LONG_PROMPT = " ".join(["a red fox in snow"] * 20)  # 100 words a CLIP tokenizer (and the fake) count


@pytest.fixture(params=sorted(ENGINES))
def name(request) -> str:
    return request.param


@pytest.fixture
def engine(name):
    return engines.get(name)


@pytest.fixture
def resolver(studio) -> Resolver:
    return Resolver(studio)


@pytest.fixture
def make(studio, name):
    """Build a job for this engine: one image per seed, the tiny model, 64x64, 4 steps."""
    model = models.load(studio, "tiny").ref().identity()

    def build(seeds=(7,), prompts=None, **overrides) -> Job:
        fields = dict(
            engine=name,
            model=model,
            prompts=tuple(prompts or ["a red fox in snow"] * len(seeds)),
            negatives=("blurry",) * len(seeds),
            seeds=tuple(seeds),
            steps=4,
            guidance=7.0,
            width=64,
            height=64,
        )
        fields.update(overrides)
        return Job(**fields)

    return build


def pixels(image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def store(studio, image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return studio.assets.put(buffer.getvalue(), "png")


def test_the_engine_is_registered_under_its_name(name, engine):
    assert name in engines.names()
    assert engine.name == name and engines.get(name) is engine


def test_the_same_job_gives_the_same_pixels(engine, make, resolver):
    first = engine.run(make(), resolver).images[0]
    again = engine.run(make(), resolver).images[0]
    fresh = engine.run(make(fresh=True), resolver).images[0]
    assert np.array_equal(pixels(first), pixels(again)) and np.array_equal(pixels(first), pixels(fresh))


def test_another_seed_gives_another_image(engine, make, resolver):
    one, other = (engine.run(make(seeds=(seed,)), resolver).images[0] for seed in (7, 8))
    assert np.abs(pixels(one) - pixels(other)).mean() > 5


def test_a_batch_equals_the_same_seeds_run_one_by_one(name, engine, make, resolver):
    seeds = (11, 12, 13)
    prompts = ["a red fox in snow", "a glass bottle on white", "a city street at night"]
    batch = engine.run(make(seeds=seeds, prompts=prompts), resolver).images
    assert len(batch) == 3
    for image, seed, prompt in zip(batch, seeds, prompts):
        single = engine.run(make(seeds=(seed,), prompts=[prompt]), resolver).images[0]
        assert np.abs(pixels(image) - pixels(single)).max() <= ENGINES[name]
    assert not np.array_equal(pixels(batch[0]), pixels(batch[1]))


@pytest.mark.parametrize("width,height", [(64, 64), (96, 64), (64, 128)])
def test_the_requested_size_is_honoured(engine, make, resolver, width, height):
    output = engine.run(make(seeds=(1, 2), width=width, height=height), resolver)
    assert [image.size for image in output.images] == [(width, height)] * 2


def test_one_warnings_list_per_image(engine, make, resolver):
    output = engine.run(make(seeds=(1, 2, 3), prompts=["a red fox", LONG_PROMPT, "a red fox"]), resolver)
    assert len(output.warnings) == 3
    assert output.warnings[0] == [] and output.warnings[2] == []
    assert len(output.warnings[1]) == 1 and "the text encoder sees 77" in output.warnings[1][0]


def test_the_settled_facts_are_reported(engine, make, resolver):
    output = engine.run(make(), resolver)
    assert output.scheduler_class and isinstance(output.scheduler_config, dict)
    json.dumps(output.scheduler_config)  # plain values: a card and the ledger can hold it
    assert output.dtype in DTYPES and output.dtype != "auto"
    assert output.device in DEVICES and output.device != "auto"
    environment = Environment.model_validate(output.environment)
    assert environment.python and environment.pressroom and environment.device_name and environment.determinism


def test_a_job_survives_a_json_round_trip_and_gives_the_same_image(studio, engine, make, resolver):
    job = make(seeds=(3, 4), scheduler="dpmpp_2m")
    text = job.to_json()
    assert str(studio.root) not in text and "/tmp" not in text  # no local path: the model by its file hashes
    copy = Job.from_json(text)
    assert copy == job and copy.to_json() == text
    first, again = engine.run(job, resolver), engine.run(copy, resolver)
    assert all(np.array_equal(pixels(a), pixels(b)) for a, b in zip(first.images, again.images))


def test_a_recorded_scheduler_rebuilds_the_same_image(engine, make, resolver):
    by_name = engine.run(make(scheduler="dpmpp_2m"), resolver)
    recorded = Job.from_json(
        make(scheduler_class=by_name.scheduler_class, scheduler_config=by_name.scheduler_config).to_json()
    )
    rebuilt = engine.run(recorded, resolver)
    assert rebuilt.scheduler_class == by_name.scheduler_class
    assert np.array_equal(pixels(rebuilt.images[0]), pixels(by_name.images[0]))


def test_refine_and_inpaint_keep_the_parents_size(studio, engine, make, resolver):
    parent = engine.run(make(width=96, height=64), resolver).images[0]
    parent_sha = store(studio, parent)
    mask = Image.new("L", parent.size, 0)
    mask.paste(255, (0, 0, 32, 32))
    mask_sha = store(studio, mask)
    refined = engine.run(make(width=96, height=64, mode="refine", parent=parent_sha, strength=0.5), resolver)
    painted = engine.run(make(width=96, height=64, mode="inpaint", parent=parent_sha, mask=mask_sha), resolver)
    assert refined.images[0].size == painted.images[0].size == (96, 64)
    again = engine.run(make(width=96, height=64, mode="refine", parent=parent_sha, strength=0.5), resolver)
    assert np.array_equal(pixels(again.images[0]), pixels(refined.images[0]))
    # a derivative is made from its parent: the same refine of another parent is another image
    other_sha = store(studio, engine.run(make(width=96, height=64, seeds=(99,)), resolver).images[0])
    other = engine.run(make(width=96, height=64, mode="refine", parent=other_sha, strength=0.5), resolver)
    assert np.abs(pixels(other.images[0]) - pixels(refined.images[0])).mean() > 1


def test_close_then_run_again(engine, make, resolver):
    before = engine.run(make(), resolver).images[0]
    engine.close()
    after = engine.run(make(), resolver).images[0]
    assert np.array_equal(pixels(before), pixels(after))


def test_an_unknown_scheduler_class_is_a_one_line_engine_error(engine, make, resolver):
    with pytest.raises(EngineError) as caught:
        engine.run(make(scheduler_class="NoSuchScheduler", scheduler_config={"sampler": "euler"}), resolver)
    assert "NoSuchScheduler" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "fields,named",
    [
        (dict(scheduler="no_such_sampler"), "no_such_sampler"),
        (dict(steps=0), "steps"),
        (dict(width=65), "width"),
        (dict(prompts=("a fox", "a cat")), "one seed per image"),
        (dict(model=ModelRef(name="tiny", source="/home/me/tiny")), "identity"),
        (dict(seeds=(2**64,)), "seeds"),
        (dict(mode="refine"), "parent"),
        (dict(mode="inpaint", parent="a" * 64), "mask"),
        (dict(parent="not-a-hash", mode="refine"), "SHA-256"),
        (dict(strength=0), "strength"),
        (dict(colour="red"), "colour"),
    ],
)
def test_a_bad_job_field_is_a_one_line_input_error(make, fields, named):
    with pytest.raises(InputError) as caught:
        make(**fields)
    assert named in str(caught.value) and "\n" not in str(caught.value)


def test_a_bad_job_read_from_json_is_a_one_line_input_error(make):
    body = json.loads(make().to_json())
    body["steps"] = "many"
    with pytest.raises(InputError, match="job field steps") as caught:
        Job.from_json(json.dumps(body))
    assert "\n" not in str(caught.value)


def test_infinite_scheduler_values_survive_the_round_trip(make):
    # DPM++ configs carry -inf (lambda_min_clipped); JSON proper has no such value
    job = make(
        scheduler_class="DPMSolverMultistepScheduler",
        scheduler_config={"lambda_min_clipped": float("-inf"), "variance_type": None, "solver_order": 2},
    )
    assert Job.from_json(job.to_json()).scheduler_config == job.scheduler_config


def test_an_unknown_engine_is_a_one_line_error_naming_the_available_ones():
    with pytest.raises(EngineError) as caught:
        engines.get("comfyui")
    message = str(caught.value)
    assert "'comfyui'" in message and "diffusers" in message and "fake" in message and "\n" not in message


def test_engine_errors_are_pressroom_errors():
    assert issubclass(EngineError, PressroomError) and issubclass(InputError, PressroomError)
