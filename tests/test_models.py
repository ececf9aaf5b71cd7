import hashlib
import json
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pressroom.cli.common import message
from pressroom.context import Actor, Context
from pressroom.engines import tiny as tiny_model
from pressroom.errors import InputError, ModelMismatch, NotFound
from pressroom.plays import models as model_plays
from pressroom.store import models
from pressroom.store.studio import Studio

CRASHPOINT = Path(__file__).parent / "crashpoint.py"


def test_tiny_is_registered_and_hashed_like_any_model(studio):
    tiny = models.load(studio, "tiny")
    assert tiny.builtin and tiny.format == "diffusers"
    weights = studio.weights_dir / "tiny-v1" / "unet" / "diffusion_pytorch_model.safetensors"
    assert tiny.files["unet/diffusion_pytorch_model.safetensors"] == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert "noise-like" in tiny.note


def test_a_new_studio_lists_tiny_before_making_it_and_makes_the_same_weights_on_first_use(studio, tmp_path):
    fresh = Studio.init(tmp_path / "new")  # as `pressroom init` leaves it: tiny is not made yet
    try:
        waiting = {m.name: m for m in models.catalogue(fresh)}["tiny"]
        assert waiting.builtin and not waiting.files and "first time it is used" in waiting.note
        assert not tiny_model.folder(fresh).exists() and not models.REGISTRY.path(fresh, "tiny").exists()
        assert "tiny" in {row["name"] for row in model_plays.catalogue(Context(fresh, Actor.unknown("cli")))}
        made = models.load(fresh, "tiny")
        assert made.files == models.hash_weights(tiny_model.folder(fresh))[0]
        assert made.files == models.load(studio, "tiny").files  # fixed seeds: the same weights in every studio
        assert [m.files for m in models.catalogue(fresh) if m.name == "tiny"] == [made.files]
    finally:
        fresh.close()


def test_two_makers_of_tiny_at_once_both_get_the_whole_model(tmp_path, monkeypatch):
    """Two commands that first use tiny at the same moment: both build it, the second to move its
    copy in finds the first's there and uses it."""
    fresh = Studio.init(tmp_path / "new")
    one_at_a_time, both_built = threading.Lock(), threading.Barrier(2, timeout=120)
    save = tiny_model.save

    def build_then_wait(target, seed=tiny_model.SEED):
        with one_at_a_time:  # torch's seed is per process: threads take turns, as processes need not
            save(target, seed)
        both_built.wait()  # then both move their copy in at once
        return target

    monkeypatch.setattr(tiny_model, "save", build_then_wait)
    try:
        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(lambda _: tiny_model.ensure(fresh), range(2))
        assert first.files == second.files == models.hash_weights(tiny_model.folder(fresh))[0]
        assert list(fresh.weights_dir.iterdir()) == [tiny_model.folder(fresh)]
        assert not list((fresh.root / "tmp").iterdir())  # the loser's copy is gone
    finally:
        fresh.close()


def test_a_command_killed_while_it_makes_tiny_leaves_no_half_model_and_the_next_makes_it_whole(tmp_path, cli):
    root = tmp_path / "new"
    Studio.init(root).close()
    draw = ["generate", "--model", "tiny", "--prompt", "a shoe", "--steps", "1", "--width", "64", "--height", "64"]
    killed = subprocess.run(  # SIGKILLed with the model built in the temporary place, not yet moved in
        [sys.executable, CRASHPOINT, "os:rename:/weights/:1", "--", *draw, "--studio", str(root)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert list((root / "tmp").iterdir()) and not (root / "weights" / "tiny-v1").exists()
    assert cli(*draw, "--studio", root).code == 0  # the next use sweeps the dead one's copy and makes it again
    studio = Studio(root)
    try:
        made = models.load(studio, "tiny")
        assert made.files == models.hash_weights(tiny_model.folder(studio))[0]
        assert not list((root / "tmp").iterdir())
    finally:
        studio.close()


def test_add_a_diffusers_folder_records_every_file(studio, tmp_path, cli):
    folder = tmp_path / "my-model"
    shutil.copytree(studio.weights_dir / "tiny-v1", folder)
    result = cli(
        "model", "add", "house-style", "--path", folder, "--license", "creativeml-openrail-m", "--commercial", "--json"
    )
    assert result.code == 0, result.err
    row = json.loads(result.out)
    assert row["license"] == "creativeml-openrail-m" and row["commercial"] is True
    expected = {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }
    assert row["files"] == expected
    listed = json.loads(cli("model", "list", "--json").out)
    assert {m["name"] for m in listed} == {"tiny", "house-style"}


def test_a_single_checkpoint_shows_a1111s_short_hash(studio, tmp_path):
    checkpoint = tmp_path / "model.safetensors"
    checkpoint.write_bytes(b"not really weights but hashed all the same")
    config = studio.weights_dir / "tiny-v1"
    with pytest.raises(InputError, match="config missing: a single-file checkpoint needs a local diffusers") as bare:
        model_plays.add(studio, "ckpt", path=checkpoint)
    assert bare.value.field == "config" and "--config" in message(bare.value)  # the CLI names its flag
    manifest = model_plays.add(studio, "ckpt", path=checkpoint, config=config, commercial=False)
    full = hashlib.sha256(checkpoint.read_bytes()).hexdigest()
    assert manifest.files == {"model.safetensors": full}
    assert manifest.ref().short_hash == full[:10]


def test_registration_errors_name_the_problem(studio, tmp_path):
    with pytest.raises(NotFound, match="does not exist"):
        model_plays.add(studio, "x", path=tmp_path / "missing")
    with pytest.raises(InputError, match="not a diffusers folder"):
        model_plays.add(studio, "x", path=tmp_path)
    with pytest.raises(InputError, match="registered already"):
        model_plays.add(studio, "tiny", hub_id="someone/model")
    with pytest.raises(InputError, match="not allowed"):
        model_plays.add(studio, "bad name", hub_id="someone/model")
    with pytest.raises(NotFound, match="unknown model 'nope'"):
        models.load(studio, "nope")


def test_a_hub_model_is_registered_now_and_hashed_on_first_download(studio):
    manifest = model_plays.add(studio, "sd15", hub_id="someone/sd15", license="creativeml-openrail-m")
    assert manifest.format == "hub" and manifest.files == {}
    with pytest.raises(models.ModelError, match="cannot download 'someone/sd15'"):
        models.local_path(studio, manifest)  # HF_HUB_OFFLINE=1 in tests


def test_changed_weights_are_refused(studio, tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(studio.weights_dir / "tiny-v1", folder)
    manifest = model_plays.add(studio, "m", path=folder)
    config = folder / "unet" / "config.json"
    config.write_text(config.read_text().replace("32", "33", 1))
    with pytest.raises(ModelMismatch, match="unet/config.json has sha256"):
        models.checked_path(studio, manifest)
