"""The built-in sketch model: shipped in the package, hashed like any model, run like any other.

Where this checkout ships no sketch weights, the tests train a one-step model with
scripts/train_sketch.py (a real run of it, batch of two) and use that folder as the shipped one."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from pressroom.store import models
from pressroom.store.studio import Studio

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def sketch_folder(tmp_path_factory) -> Path:
    if (models.SKETCH_DIR / models.SKETCH_CARD).is_file():
        return models.SKETCH_DIR
    out = tmp_path_factory.mktemp("sketch") / "sketch"
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "train_sketch.py"),
            "--steps",
            "1",
            "--batch-size",
            "2",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "done: 1 steps" in done.stdout
    return out


@pytest.fixture(autouse=True)
def shipped(sketch_folder, monkeypatch):
    monkeypatch.setattr(models, "SKETCH_DIR", sketch_folder)
    return sketch_folder


def test_the_shipped_weights_match_their_training_card_and_the_registry(studio):
    manifest = models.ensure_sketch(studio)
    on_disk = {
        path.relative_to(models.SKETCH_DIR).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in models.SKETCH_DIR.rglob("*")
        if path.is_file() and path.suffix != ".md"
    }
    assert manifest.files == on_disk == models.sketch_card()["files"]
    assert "unet/diffusion_pytorch_model.safetensors" in on_disk
    assert manifest.builtin and manifest.license == "Apache-2.0" and manifest.size == 128
    assert manifest.steps == models.SKETCH_STEPS < 20  # its own default steps: fewer than most models need
    assert manifest.where(manifest.path) == models.SKETCH_DIR
    assert sum(path.stat().st_size for path in models.SKETCH_DIR.rglob("*")) <= 25 * 1024 * 1024


def test_a_changed_shipped_file_is_refused(studio, tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "sketch"
    shutil.copytree(models.SKETCH_DIR, copy)  # the shipped folder itself is never touched
    config = copy / "scheduler" / "scheduler_config.json"
    config.write_text(config.read_text().replace("1000", "999"))
    monkeypatch.setattr(models, "SKETCH_DIR", copy)
    with pytest.raises(models.ModelMismatch, match="scheduler/scheduler_config.json"):
        models.ensure_sketch(studio)


def test_the_pipeline_loads_from_its_folder_and_its_autoencoder_is_exact():
    from diffusers import DiffusionPipeline

    pipeline = DiffusionPipeline.from_pretrained(str(models.SKETCH_DIR), local_files_only=True, dtype=torch.float32)
    assert type(pipeline).__name__ == "StableDiffusionPipeline" and pipeline.vae_scale_factor == 4
    image = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(3)) * 2 - 1
    with torch.no_grad():
        latent = pipeline.vae.encode(image).latent_dist.mean
        back = pipeline.vae.decode(latent).sample
    box = torch.nn.functional.avg_pool2d(image, 4)  # the latent is the 4x4 box average, decoded by enlarging it
    assert torch.allclose(latent[:, :3], box, atol=1e-3) and latent[:, 3].abs().max() < 1e-3
    assert torch.allclose(back, torch.nn.functional.interpolate(box, scale_factor=4), atol=1e-3)
    drawn = pipeline(
        "a shoe, on a green background",
        num_inference_steps=2,
        width=64,
        height=64,
        generator=torch.Generator("cpu").manual_seed(1),
    ).images[0]
    assert drawn.size == (64, 64)
    pixels = np.asarray(drawn)
    assert (pixels[::4, ::4] == pixels[1::4, 1::4]).all()  # drawn at 16x16, enlarged 4x


def test_a_sketch_card_reproduces_exact(cli, tmp_path):
    result = cli(
        "generate",
        "--model",
        "sketch",
        "--prompt",
        "a red trail shoe, on a blue background, centred",
        "--seed",
        "5",
        "--steps",
        "3",
        "--width",
        "64",
        "--height",
        "64",
        "--json",
    )
    assert result.code == 0, result.err
    [row] = json.loads(result.out)
    card = tmp_path / "shoe.toml"
    assert cli("recipe", "export", row["id"], "-o", card).code == 0
    assert 'name = "sketch"' in card.read_text()
    again = cli("reproduce", card, "--json")
    assert again.code == 0, again.err
    assert json.loads(again.out)["verdict"] == "exact"


def test_a_new_studio_draws_with_sketch_by_default(tmp_path, new_ledger):
    studio = Studio.init(tmp_path / "s", database_url=new_ledger())
    try:
        assert studio.default_model == models.SKETCH
        manifest = models.load(studio, studio.default_model)  # registered on first use, like tiny
        assert manifest.name == "sketch" and manifest.pipeline == "StableDiffusionPipeline"
        assert (studio.models_dir / "sketch.toml").is_file()
    finally:
        studio.close()


def test_without_shipped_weights_a_new_studio_keeps_tiny_and_sketch_says_why(tmp_path, new_ledger, monkeypatch):
    monkeypatch.setattr(models, "SKETCH_DIR", tmp_path / "not-shipped")
    studio = Studio.init(tmp_path / "s", database_url=new_ledger())
    try:
        assert studio.default_model == models.TINY
        with pytest.raises(models.ModelError, match="train_sketch.py"):
            models.load(studio, models.SKETCH)
    finally:
        studio.close()


def test_a_studio_moved_to_another_install_follows_the_same_weights(studio, tmp_path, monkeypatch):
    import shutil

    models.ensure_sketch(studio)
    elsewhere = tmp_path / "site-packages" / "sketch"
    shutil.copytree(models.SKETCH_DIR, elsewhere)
    monkeypatch.setattr(models, "SKETCH_DIR", elsewhere)
    manifest = models.load(studio, models.SKETCH)
    assert manifest.where(manifest.path) == elsewhere
    assert models.checked_path(studio, manifest) == elsewhere
