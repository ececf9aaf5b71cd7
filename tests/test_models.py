import hashlib
import json
import shutil

import pytest

from pressroom.cli.common import message
from pressroom.errors import InputError, ModelMismatch, NotFound
from pressroom.plays import models as model_plays
from pressroom.store import models


def test_tiny_is_registered_and_hashed_like_any_model(studio):
    tiny = models.load(studio, "tiny")
    assert tiny.builtin and tiny.format == "diffusers"
    weights = studio.weights_dir / "tiny-v1" / "unet" / "diffusion_pytorch_model.safetensors"
    assert tiny.files["unet/diffusion_pytorch_model.safetensors"] == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert "noise-like" in tiny.note


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
