"""Generate, export a card, lose the ledger, reproduce: the foundation's promise."""

import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image

from pressroom.compare import compare


def generate(cli, *extra):
    result = cli("generate", "--prompt", "a red fox in snow", "--seed", "7", "--steps", "4",
                 "--width", "64", "--height", "64", "--json", *extra)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_reproduce_from_the_card_alone_after_deleting_the_ledger(cli, studio, ledgers, tmp_path):
    [row] = generate(cli)
    card = tmp_path / "hero.toml"
    assert cli("recipe", "export", row["id"], "-o", card).code == 0
    studio.close()
    ledgers.wipe(studio.root)
    result = cli("reproduce", card, "--json")
    assert result.code == 0, result.err
    figures = json.loads(result.out)
    assert figures["verdict"] == "exact"
    assert figures["ssim"] == 1.0 and figures["phash_distance"] == 0 and figures["dhash_distance"] == 0
    assert ledgers.untouched(studio.root)  # reproduction needs no ledger and makes none


def test_reproduce_with_only_a_card_and_the_weights_no_studio(cli, studio, tmp_path, monkeypatch):
    [row] = generate(cli)
    card = tmp_path / "hero.toml"
    cli("recipe", "export", row["id"], "-o", card)
    env = {k: v for k, v in os.environ.items() if k != "PRESSROOM_STUDIO"}
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "pressroom.cli", "reproduce", str(card), "--model-path",
         str(studio.weights_dir / "tiny-v1"), "--expect", row["pixel_sha256"], "--json", "-o", "again.png"],
        cwd=stranger, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verdict"] == "exact"
    again = Image.open(stranger / "again.png")
    assert compare(again, Image.open(row["path"])).pixels_identical
    assert "pressroom" in again.text  # the reproduced file carries its recipe too


def test_a_card_whose_model_hash_changed_by_one_character_is_refused(cli, tmp_path):
    [row] = generate(cli)
    card = tmp_path / "hero.toml"
    cli("recipe", "export", row["id"], "-o", card)
    text = card.read_text()
    line = next(l for l in text.splitlines() if l.startswith('"unet/diffusion_pytorch_model.safetensors"'))
    good = line.split('"')[3]
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    card.write_text(text.replace(good, bad))
    result = cli("reproduce", card)
    assert result.code == 2
    assert bad in result.err and "unet/diffusion_pytorch_model.safetensors" in result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1


def test_a_different_expected_image_gives_exit_1_and_all_figures(cli, tmp_path):
    first, second = generate(cli, "--count", "2")
    card = tmp_path / "c.toml"
    cli("recipe", "export", first["id"], "-o", card)
    result = cli("reproduce", card, "--expect", second["path"], "--json")
    assert result.code == 1
    figures = json.loads(result.out)
    assert figures["verdict"] == "different"
    assert figures["ssim"] < 0.98 and figures["phash_distance"] > 4
    human = cli("reproduce", card, "--expect", second["path"])
    assert "verdict different" in human.out and "phash_distance" in human.out


def test_generate_from_a_card_makes_the_same_image_and_takes_a_new_seed(cli, tmp_path):
    [row] = generate(cli)
    card = tmp_path / "c.toml"
    cli("recipe", "export", row["id"], "-o", card)
    again = json.loads(cli("generate", "--card", card, "--json").out)[0]
    assert again["pixel_sha256"] == row["pixel_sha256"] and again["seed"] == 7
    other = json.loads(cli("generate", "--card", card, "--seed", "8", "--json").out)[0]
    assert other["seed"] == 8 and other["pixel_sha256"] != row["pixel_sha256"]
    refused = cli("generate", "--card", card, "--steps", "9")
    assert refused.code == 2 and "--steps" in refused.err


def test_close_and_different_verdicts_follow_the_thresholds(tmp_path):
    rng = np.random.default_rng(0)
    image = Image.fromarray(rng.integers(0, 256, (32, 32, 3)).astype(np.uint8)).resize((128, 128), Image.BICUBIC)
    nudged = np.asarray(image).astype(np.int16) + rng.integers(-1, 2, size=(128, 128, 3))
    close = compare(Image.fromarray(np.clip(nudged, 0, 255).astype(np.uint8)), image)
    assert close.verdict == "close" and close.ssim >= 0.98 and close.max_pixel_difference == 1
    shifted = compare(Image.fromarray(np.roll(np.asarray(image), 9, axis=1)), image)
    assert shifted.verdict == "different" and shifted.phash_distance > 4
    assert compare(image, image.copy()).verdict == "exact"
