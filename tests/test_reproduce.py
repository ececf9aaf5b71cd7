"""Generate, export a card, lose the ledger, reproduce: the foundation's promise."""

import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image

from pressroom.domain.compare import compare
from pressroom.errors import ModelMismatch


def generate(cli, *extra):
    result = cli(
        "generate",
        "--prompt",
        "a red fox in snow",
        "--seed",
        "7",
        "--steps",
        "4",
        "--width",
        "64",
        "--height",
        "64",
        "--json",
        *extra,
    )
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
        [
            sys.executable,
            "-m",
            "pressroom.cli",
            "reproduce",
            str(card),
            "--model-path",
            str(studio.weights_dir / "tiny-v1"),
            "--expect",
            row["pixel_sha256"],
            "--json",
            "-o",
            "again.png",
        ],
        cwd=stranger,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
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
    line = next(row for row in text.splitlines() if row.startswith('"unet/diffusion_pytorch_model.safetensors"'))
    good = line.split('"')[3]
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    card.write_text(text.replace(good, bad))
    result = cli("reproduce", card)
    assert result.code == ModelMismatch.exit_code
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


def stored_files(studio) -> set:
    return {p.name for p in studio.assets.root.glob("*/*")}


def test_seeds_up_to_2_64_minus_1_are_stored_exported_and_reproduced(cli, studio, tmp_path):
    from sqlalchemy import select

    from pressroom.ledger.tables import Generation

    top = 2**64 - 1
    result = cli("generate", "--prompt", "x", "--seed", top, "--width", 64, "--height", 64, "--steps", 1, "--json")
    assert result.code == 0, result.err
    [row] = json.loads(result.out)
    assert row["seed"] == top
    # across the signed 64-bit boundary: 2**63 - 1 and 2**63 each keep their own value
    across = cli(
        "generate",
        "--prompt",
        "x",
        "--seed",
        2**63 - 1,
        "--count",
        2,
        "--width",
        64,
        "--height",
        64,
        "--steps",
        1,
        "--json",
    )
    assert across.code == 0, across.err
    assert [r["seed"] for r in json.loads(across.out)] == [2**63 - 1, 2**63]
    listed = json.loads(cli("generations", "--json").out)
    assert [r["seed"] for r in listed] == [top, 2**63 - 1, 2**63]
    with studio.session() as session:  # equality queries find the stored value
        assert session.scalars(select(Generation.id).where(Generation.seed == top)).all() == [row["id"]]
        assert session.scalars(select(Generation.id).where(Generation.seed == 2**63)).all() == [row["id"] + 2]
    card = tmp_path / "top.toml"
    assert cli("recipe", "export", row["id"], "-o", card).code == 0
    assert f"seed = {top}" in card.read_text()
    again = cli("reproduce", card, "--json")
    assert again.code == 0, again.err
    assert json.loads(again.out)["verdict"] == "exact"

    files = stored_files(studio)
    refused = cli("generate", "--prompt", "x", "--seed", 2**64, "--width", 64, "--height", 64, "--steps", 1)
    assert refused.code == 2 and "--seed" in refused.err and str(2**64) in refused.err
    assert "Traceback" not in refused.err and len(refused.err.strip().splitlines()) == 1
    assert len(json.loads(cli("generations", "--json").out)) == 3 and stored_files(studio) == files


def test_a_row_the_ledger_refuses_leaves_no_stored_file(studio):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from pressroom.jobs import generations

    recipes = generations.plan(studio, prompt="an orphan", seed=3, steps=1, width=64, height=64)
    files = stored_files(studio)
    with pytest.raises(IntegrityError):  # brief 999 does not exist: the foreign key refuses the row
        generations.generate(studio, recipes, labels={"brief_id": 999})
    assert stored_files(studio) == files
    assert generations.listing(studio) == []


def test_a_card_whose_pixel_hash_disagrees_with_its_file_gets_one_verdict_with_or_without_a_studio(
    cli, studio, tmp_path
):
    """An edited card (its file hash names one image, its pixel hashes another) is judged by its own
    hashes: the studio's stored file must not turn 'different' into 'exact'."""
    first, second = generate(cli, "--count", "2")
    card = tmp_path / "edited.toml"
    cli("recipe", "export", first["id"], "-o", card)
    text = card.read_text()
    for key in ("pixel_sha256", "phash"):
        assert first[key] in text
        text = text.replace(first[key], second[key])
    card.write_text("\n".join(line for line in text.splitlines() if not line.startswith("dhash")) + "\n")
    in_studio = cli("reproduce", card, "--json")
    env = {k: v for k, v in os.environ.items() if k != "PRESSROOM_STUDIO"}
    stranger = subprocess.run(
        [
            sys.executable,
            "-m",
            "pressroom.cli",
            "reproduce",
            str(card),
            "--model-path",
            str(studio.weights_dir / "tiny-v1"),
            "--json",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (in_studio.code, stranger.returncode) == (1, 1), (in_studio.err, stranger.stderr)
    verdicts = json.loads(in_studio.out)["verdict"], json.loads(stranger.stdout)["verdict"]
    assert verdicts == ("different", "different")


def test_a_card_that_calls_a_used_setting_ignored_is_still_judged_by_its_pixels(cli, tmp_path):
    [row] = generate(cli)  # the tiny model (SD 1.x) at guidance 7: guidance and negative prompt are both used
    card = tmp_path / "c.toml"
    cli("recipe", "export", row["id"], "-o", card)
    text = card.read_text()
    assert "ignored =" not in text and "max_sequence_length" not in text
    edited = text.replace("guidance = 7.0", 'guidance = 3.0\nignored = ["guidance"]')
    assert edited != text
    card.write_text(edited)
    figures = json.loads(cli("reproduce", card, "--json").out)
    assert figures["verdict"] != "exact" and not figures["pixels_identical"]  # the guidance was used all the same


def test_t5_tokens_on_a_card_for_a_model_without_t5_are_refused_in_one_line(cli, tmp_path):
    [row] = generate(cli)
    card = tmp_path / "c.toml"
    cli("recipe", "export", row["id"], "-o", card)
    card.write_text(card.read_text().replace("width = 64", "max_sequence_length = 256\nwidth = 64"))
    result = cli("reproduce", card)
    assert result.code == 2 and "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
    assert "max_sequence_length 256" in result.err and "StableDiffusionPipeline takes none" in result.err
