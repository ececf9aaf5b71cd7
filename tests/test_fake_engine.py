"""Engines by name: the plugin registry, the fake engine, and recipes that record their engine."""

from __future__ import annotations

import importlib.metadata
import io
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from pressroom import engines
from pressroom.context import Context
from pressroom.engines.base import Job, Output
from pressroom.errors import EngineError, InputError
from pressroom.jobs import generations
from pressroom.plays import cards as card_plays
from pressroom.plays import fixes, people, reproduction
from pressroom.plays import models as model_plays
from pressroom.store import cards, models
from pressroom.store.metadata import read_recipe
from pressroom.store.resolver import Resolver


@pytest.fixture
def quick(studio):
    """A model the fake engine runs: registered without weights, in milliseconds."""
    return model_plays.add(studio, "quick", engine="fake", size=64)


def test_the_built_in_engines_are_announced_as_entry_points_like_any_plugin():
    announced = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="pressroom")}
    assert announced["diffusers"] == "pressroom.engines.diffusers_plugin"
    assert announced["fake"] == "pressroom.engines.fake"
    assert {"diffusers", "fake"} <= set(engines.names())


class Echo:
    """A third-party engine: hands back its parent-less jobs as grey images."""

    name = "echo"

    def run(self, job, resolver):
        images = [Image.new("RGB", (job.width, job.height), (seed % 256,) * 3) for seed in job.seeds]
        return Output(images, [[] for _ in images], "EchoScheduler", {}, "float32", "cpu", {})

    def close(self):
        pass


class EchoPlugin:
    @engines.hookimpl
    def pressroom_register_engines(self, register):
        register("echo", Echo)


class Impostor:
    @engines.hookimpl
    def pressroom_register_engines(self, register):
        register("fake", Echo)


def test_a_plugin_registered_through_the_hook_is_found_by_name(studio):
    plugin = EchoPlugin()
    engines.plugins().register(plugin)
    try:
        assert "echo" in engines.names()
        job = Job(
            engine="echo",
            model=models.load(studio, "tiny").ref().identity(),
            prompts=("x",),
            negatives=("",),
            seeds=(9,),
            steps=1,
            guidance=1,
            width=16,
            height=8,
        )
        image = engines.get("echo").run(job, Resolver(studio)).images[0]
        assert image.size == (16, 8) and image.getpixel((0, 0)) == (9, 9, 9)
    finally:
        engines.plugins().unregister(plugin)
        engines._made.pop("echo", None)
    assert "echo" not in engines.names()


class Short(Echo):
    """A broken engine: one image short."""

    name = "short"

    def run(self, job, resolver):
        output = super().run(job, resolver)
        output.images.pop()
        return output


class ShortPlugin:
    @engines.hookimpl
    def pressroom_register_engines(self, register):
        register("short", Short)


def test_an_engine_that_breaks_the_contract_is_an_engine_error_not_a_traceback(studio):
    plugin = ShortPlugin()
    engines.plugins().register(plugin)
    try:
        model_plays.add(studio, "stub", engine="short", size=64)
        recipes = generations.plan(studio, model="stub", prompt="a fox", seed=1, count=2)
        with pytest.raises(EngineError, match="engine 'short' returned 1 images and 2 warnings lists for 2 seeds"):
            generations.generate(studio, recipes, batch_size=2)
        assert generations.listing(studio) == []
    finally:
        engines.plugins().unregister(plugin)
        engines._made.pop("short", None)


def test_two_plugins_claiming_one_name_are_refused():
    plugin = Impostor()
    engines.plugins().register(plugin)
    try:
        with pytest.raises(EngineError, match="two plugins register an engine named 'fake'"):
            engines.names()
    finally:
        engines.plugins().unregister(plugin)


def test_model_add_with_the_fake_engine_needs_no_weights(cli, studio):
    result = cli("model", "add", "quick", "--engine", "fake", "--size", "64", "--json")
    assert result.code == 0, result.err
    row = json.loads(result.out)
    assert row["engine"] == "fake" and row["format"] == "none" and row["files"] == {}
    assert models.load(studio, "quick").engine == "fake"
    listed = json.loads(cli("model", "list", "--json").out)
    assert {r["name"]: r["engine"] for r in listed} == {"quick": "fake", "tiny": "diffusers"}


def test_model_add_names_a_wrong_engine_or_missing_weights(cli):
    wrong = cli("model", "add", "m", "--engine", "comfy")
    assert wrong.code == 2 and "--engine 'comfy'" in wrong.err and "diffusers, fake" in wrong.err
    assert len(wrong.err.strip().splitlines()) == 1
    bare = cli("model", "add", "m")
    assert bare.code == 2 and "give exactly one of a path" in bare.err and "--path PATH or --hub ID" in bare.err


def test_a_recipe_takes_its_models_engine_and_records_it_everywhere(studio, quick, tmp_path):
    recipes = generations.plan(studio, model="quick", prompt="a red fox in snow", seed=5, count=2, steps=2)
    assert {r.engine for r in recipes} == {"fake"}
    rows = generations.generate(studio, recipes)
    recipe = rows[0].parsed_recipe()
    assert recipe.engine == "fake" and recipe.scheduler.class_name == "FakeScheduler"
    assert recipe.environment.device_name.startswith("fake engine")
    assert (rows[0].width, rows[0].height) == (64, 64)
    with Image.open(rows[0].path(studio)) as stored:
        assert read_recipe(stored).engine == "fake"
    card = card_plays.export(studio, rows[0].id, tmp_path / "card.toml")
    assert 'engine = "fake"' in card.read_text()
    again = reproduction.reproduce(cards.read(card), studio=studio)
    assert again.comparison.verdict == "exact" and again.weights is None
    assert rows[0].pixel_sha256 != rows[1].pixel_sha256


def test_a_card_without_an_engine_is_a_diffusers_card(studio, tmp_path):
    row = generations.generate(studio, generations.plan(studio, prompt="a fox", seed=1, steps=1, width=64, height=64))[
        0
    ]
    assert row.parsed_recipe().engine == "diffusers"
    text = card_plays.export(studio, row.id, tmp_path / "card.toml").read_text()
    old = "\n".join(line for line in text.splitlines() if not line.startswith("engine ="))
    assert cards.parse(old).recipe.engine == "diffusers"


def test_recipes_for_two_models_each_run_on_their_own(studio, quick):
    fox = dict(prompt="a red fox", seed=3, steps=1, width=64, height=64)
    recipes = generations.plan(studio, model="quick", **fox) + generations.plan(studio, model="tiny", **fox)
    rows = generations.generate(studio, recipes)
    assert [r.parsed_recipe().engine for r in rows] == ["fake", "diffusers"]
    assert [r.model for r in rows] == ["quick", "tiny"]


def test_fix_plays_run_on_the_fake_engine(studio, quick, tmp_path):
    ctx = Context(studio)
    people.add_person(ctx, "op", ["operator"])
    op = ctx.acting_as(people.actor(ctx, "op", "python"))
    parent = generations.generate(
        studio, generations.plan(studio, model="quick", prompt="a red fox", seed=2, width=96, height=64)
    )[0]
    mask = Image.new("L", (96, 64), 0)
    mask.paste(255, (0, 0, 16, 16))
    mask.save(tmp_path / "mask.png")
    refined = fixes.fix(op, parent.id, refine=True)
    painted = fixes.fix(op, parent.id, inpaint=(tmp_path / "mask.png").read_bytes())
    assert (refined.width, refined.height) == (painted.width, painted.height) == (96, 64)
    with Image.open(painted.path(studio)) as after, Image.open(parent.path(studio)) as before:
        diff = np.abs(np.asarray(after, dtype=np.int16) - np.asarray(before, dtype=np.int16)).sum(axis=2)
    assert diff[:16, :16].any() and not diff[16:, 16:].any()  # repainted under the mask only
    assert refined.parsed_recipe().engine == painted.parsed_recipe().engine == "fake"


def test_a_fake_upscale_multiplies_the_parents_size(studio):
    engine, resolver = engines.get("fake"), Resolver(studio)
    model = models.load(studio, "tiny").ref().identity()
    text = Job(
        engine="fake",
        model=model,
        prompts=("a fox",),
        negatives=("",),
        seeds=(1,),
        steps=1,
        guidance=1,
        width=48,
        height=32,
    )
    parent = engine.run(text, resolver).images[0]
    buffer = io.BytesIO()
    parent.save(buffer, format="PNG")
    sha = studio.assets.put(buffer.getvalue(), "png")
    up = text.model_copy(update=dict(mode="upscale", parent=sha, factor=3, width=144, height=96))
    assert engine.run(up, resolver).images[0].size == (144, 96)


def test_the_fake_engine_makes_full_size_images_without_weights(studio):
    # (how fast it is belongs to a benchmark, not to a timed test: a busy machine makes those flaky)
    engine, resolver = engines.get("fake"), Resolver(studio)
    job = Job(
        engine="fake",
        model=models.load(studio, "tiny").ref().identity(),
        prompts=("a fox",) * 4,
        negatives=("",) * 4,
        seeds=(1, 2, 3, 4),
        steps=30,
        guidance=7,
        width=512,
        height=512,
    )
    output = engine.run(job, resolver)
    assert [image.size for image in output.images] == [(512, 512)] * 4
    assert len({image.tobytes() for image in output.images}) == 4  # each seed its own image


def test_unknown_model_field_in_a_job_from_elsewhere_is_refused(studio):
    body = json.loads(
        Job(
            engine="fake",
            model=models.load(studio, "tiny").ref().identity(),
            prompts=("a",),
            negatives=("",),
            seeds=(1,),
            steps=1,
            guidance=1,
            width=8,
            height=8,
        ).to_json()
    )
    body["model"]["path"] = "/somewhere"
    with pytest.raises(InputError, match="job field model.path"):
        Job.from_json(json.dumps(body))


PLAY_WITHOUT_TORCH = """
import sys
from pathlib import Path
from pressroom.jobs import generations
from pressroom.plays import cards as card_plays, models as model_plays, reproduction
from pressroom.store import cards
from pressroom.store.studio import Studio
studio = Studio.init(Path(sys.argv[1]))
model_plays.add(studio, "quick", engine="fake", size=64)
rows = generations.generate(studio, generations.plan(studio, model="quick", prompt="a fox", seed=1, count=3))
card = card_plays.export(studio, rows[0].id)
verdict = reproduction.reproduce(cards.read(card), studio=studio).comparison.verdict
heavy = [m for m in ("torch", "diffusers", "transformers") if m in sys.modules]
print(verdict, len(rows), heavy)
"""


def test_a_whole_generate_and_reproduce_runs_without_torch(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", PLAY_WITHOUT_TORCH, str(tmp_path / "s")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["exact", "3", "[]"]
