"""The built-in sketch model: shipped in the package, hashed like any model, run like any other."""

import hashlib
import json

import numpy as np
import pytest
import torch

from pressroom import models
from pressroom.studio import Studio


def test_the_shipped_weights_match_their_training_card_and_the_registry(studio):
    manifest = models.ensure_sketch(studio)
    on_disk = {path.relative_to(models.SKETCH_DIR).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
               for path in models.SKETCH_DIR.rglob("*") if path.is_file() and path.suffix != ".md"}
    assert manifest.files == on_disk == models.sketch_card()["files"]
    assert "unet/diffusion_pytorch_model.safetensors" in on_disk
    assert manifest.builtin and manifest.license == "Apache-2.0" and manifest.size == 128
    assert manifest.where(manifest.path) == models.SKETCH_DIR
    assert sum(path.stat().st_size for path in models.SKETCH_DIR.rglob("*")) <= 25 * 1024 * 1024


def test_a_changed_shipped_file_is_refused(studio, tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "sketch"
    shutil.copytree(models.SKETCH_DIR, copy)
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
    drawn = pipeline("a shoe, on a green background", num_inference_steps=2, width=64, height=64,
                     generator=torch.Generator("cpu").manual_seed(1)).images[0]
    assert drawn.size == (64, 64)
    pixels = np.asarray(drawn)
    assert (pixels[::4, ::4] == pixels[1::4, 1::4]).all()  # drawn at 16x16, enlarged 4x


def test_a_sketch_card_reproduces_exact(cli, tmp_path):
    result = cli("generate", "--model", "sketch", "--prompt", "a red trail shoe, on a blue background, centred",
                 "--seed", "5", "--steps", "3", "--width", "64", "--height", "64", "--json")
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
