"""The diffusers engine on the real tiny pipeline (what every engine must do: test_engine_contract.py)."""

import gc
import shutil
import weakref

import numpy as np
import pytest

from pressroom import engines
from pressroom.engines.base import Job
from pressroom.engines.diffusers_local import DiffusersEngine
from pressroom.errors import InputError
from pressroom.jobs import generations
from pressroom.plays import models as model_plays
from pressroom.store import models
from pressroom.store.resolver import Resolver


def job(studio, seeds, prompts=None, model="tiny", **overrides):
    settings = dict(
        model=models.load(studio, model).ref().identity(),
        prompts=tuple(prompts or ["a red fox"] * len(seeds)),
        negatives=("",) * len(seeds),
        seeds=tuple(seeds),
        steps=4,
        guidance=7.0,
        width=64,
        height=64,
    )
    settings.update(overrides)
    return Job(**settings)


def run(engine, studio, seeds, **overrides):
    return engine.run(job(studio, seeds, **overrides), Resolver(studio))


def pixels(image):
    return np.asarray(image, dtype=np.int16)


def test_a_batch_reproduces_each_single_run_within_rounding(studio):
    engine = engines.get()
    batch = run(engine, studio, [11, 12, 13])
    for image, seed in zip(batch.images, [11, 12, 13]):
        single = run(engine, studio, [seed]).images[0]
        # one CPU generator per image: same noise; only float rounding may differ (documented in README)
        assert np.abs(pixels(image) - pixels(single)).max() <= 1
    assert not np.array_equal(pixels(batch.images[0]), pixels(batch.images[1]))


def test_the_same_seed_gives_the_same_pixels(studio):
    engine = engines.get()
    first = run(engine, studio, [5]).images[0]
    again = run(engine, studio, [5], fresh=True).images[0]
    assert np.array_equal(pixels(first), pixels(again))


@pytest.mark.parametrize(
    "name,cls",
    [
        ("euler", "EulerDiscreteScheduler"),
        ("euler_a", "EulerAncestralDiscreteScheduler"),
        ("dpmpp_2m", "DPMSolverMultistepScheduler"),
        ("ddim", "DDIMScheduler"),
    ],
)
def test_schedulers_by_name_record_their_full_config(studio, name, cls):
    output = run(engines.get(), studio, [3], scheduler=name)
    assert output.scheduler_class == cls
    assert output.scheduler_config["num_train_timesteps"] == 1000
    assert not any(key.startswith("_") for key in output.scheduler_config)
    rebuilt = run(engines.get(), studio, [3], scheduler_class=cls, scheduler_config=output.scheduler_config)
    assert np.array_equal(pixels(rebuilt.images[0]), pixels(output.images[0]))


def test_dpmpp_2m_uses_the_multistep_dpmsolver_plus_plus(studio):
    config = run(engines.get(), studio, [3], scheduler="dpmpp_2m").scheduler_config
    assert config["algorithm_type"] == "dpmsolver++" and config["solver_order"] == 2


def test_pipelines_are_loaded_once_per_model_dtype_and_device(studio):
    engine = engines.get()
    resolver = Resolver(studio)
    engine.run(job(studio, [1]), resolver)
    first = engine.pipeline(job(studio, [1]), resolver, "float32", "cpu")
    assert engine.pipeline(job(studio, [2]), resolver, "float32", "cpu") is first
    assert engine.pipeline(job(studio, [2], fresh=True), resolver, "float32", "cpu") is not first


def test_the_pipeline_cache_keeps_the_most_recently_used_and_frees_the_evicted(studio, tmp_path):
    tiny = models.load(studio, "tiny")
    for name in ("second", "third"):  # the same pipeline with one more file: another fingerprint
        folder = shutil.copytree(tiny.where(tiny.path), tmp_path / name)
        (folder / "variant.txt").write_text(name)
        model_plays.add(studio, name, path=folder)
    engine, resolver = DiffusersEngine(max_pipelines=2), Resolver(studio)
    made = {}
    for name in ("tiny", "second", "tiny", "third"):  # "second" is now the least recently used
        made[name] = weakref.ref(engine.pipeline(job(studio, [1], model=name), resolver, "float32", "cpu"))
    gc.collect()
    assert made["second"]() is None  # evicted and freed
    assert made["tiny"]() is not None and made["third"]() is not None
    assert engine.pipeline(job(studio, [1], model="tiny"), resolver, "float32", "cpu") is made["tiny"]()
    engine.close()
    gc.collect()
    assert made["tiny"]() is None and made["third"]() is None
    with pytest.raises(InputError, match="max_pipelines"):
        DiffusersEngine(max_pipelines=0)


def test_environment_and_determinism_are_reported(studio):
    output = run(engines.get(), studio, [1])
    env = output.environment
    assert env["torch"] and env["diffusers"] and env["transformers"] and env["python"]
    assert env["device_name"].startswith("CPU")
    assert env["determinism"]["cudnn_benchmark"] is False
    assert output.dtype == "float32" and output.device == "cpu"


def test_a_prompt_over_77_tokens_is_warned_and_recorded(studio):
    long_prompt = ", ".join(["a red fox in fresh snow with golden hour light"] * 12)
    recipes = generations.plan(studio, prompt=long_prompt, seed=1, steps=2, width=64, height=64)
    row = generations.generate(studio, recipes)[0]
    assert len(row.warnings) == 1 and "the text encoder sees 77" in row.warnings[0]
    assert generations.get(studio, row.id).warnings == row.warnings


def test_a_cached_pipeline_does_not_carry_one_jobs_scheduler_into_the_next(studio):
    engine = engines.get()
    plain = run(engine, studio, [4], scheduler="euler").scheduler_config
    run(engine, studio, [4], scheduler="dpmpp_2m_karras")
    assert run(engine, studio, [4], scheduler="euler").scheduler_config == plain


def test_recipes_for_two_models_are_each_rendered_with_their_own(studio, tmp_path):
    from pressroom.engines import tiny

    model_plays.add(studio, "tiny-b", path=tiny.save(tmp_path / "tiny-b", seed=tiny.SEED + 100))
    settings = dict(prompt="a red fox", steps=2, width=64, height=64)
    ours = generations.plan(studio, model="tiny", seed=5, count=2, **settings)
    theirs = generations.plan(studio, model="tiny-b", seed=5, count=2, **settings)
    mixed = generations.generate(studio, [ours[0], theirs[0], ours[1], theirs[1]])
    alone = generations.generate(studio, ours) + generations.generate(studio, theirs)
    expected = [alone[0], alone[2], alone[1], alone[3]]
    assert [r.parsed_recipe().model.name for r in mixed] == ["tiny", "tiny-b", "tiny", "tiny-b"]
    assert [r.model for r in mixed] == [r.model for r in expected]
    assert [r.parsed_recipe().model.fingerprint for r in mixed] == [
        r.parsed_recipe().model.fingerprint for r in expected
    ]
    assert [r.seed for r in mixed] == [5, 5, 6, 6]
    assert [r.pixel_sha256 for r in mixed] == [r.pixel_sha256 for r in expected]
    assert mixed[0].pixel_sha256 != mixed[1].pixel_sha256  # the second model's weights do differ
