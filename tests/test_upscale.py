"""fix --upscale uses the studio's diffusers upscaler when it has one, Lanczos otherwise."""

import json
import tomllib

import pytest
import tinyupscaler
from PIL import Image
from playbook import locked


@pytest.fixture(scope="module")
def upscaler_weights(tmp_path_factory):
    return tinyupscaler.save(tmp_path_factory.mktemp("upscaler") / "x4")


def test_an_upscaler_model_is_used_and_its_result_reproduces(cli, tmp_path, upscaler_weights):
    brief, lock = locked(cli, tmp_path)
    added = json.loads(
        cli("model", "add", "x4", "--path", upscaler_weights, "--license", "openrail++", "--commercial", "--json").out
    )
    assert added["name"] == "x4"
    result = cli("fix", lock["hero"], "--upscale", "4", "--steps", "2", "--as", "omar", "--json")
    assert result.code == 0, result.err
    row = json.loads(result.out)
    assert (row["width"], row["height"]) == (256, 320) and row["model"] == "x4"
    card = tmp_path / "up.toml"
    cli("recipe", "export", row["id"], "-o", card)
    recipe = tomllib.loads(card.read_text())
    assert recipe["source"]["method"] == "model" and recipe["model"]["name"] == "x4"
    assert recipe["scheduler"]["class_name"] == "DDIMScheduler"
    assert json.loads(cli("reproduce", card, "--json").out)["verdict"] == "exact"


def test_without_a_matching_upscaler_the_resize_is_lanczos_and_says_so(cli, tmp_path, upscaler_weights):
    brief, lock = locked(cli, tmp_path)
    plain = json.loads(cli("fix", lock["hero"], "--upscale", "2", "--as", "omar", "--json").out)
    cli("model", "add", "x4", "--path", upscaler_weights)
    asked = json.loads(
        cli("fix", lock["hero"], "--upscale", "4", "--upscaler", "lanczos", "--as", "omar", "--json").out
    )
    for row, factor in ((plain, 2), (asked, 4)):
        card = tmp_path / f"lanczos-{factor}.toml"
        cli("recipe", "export", row["id"], "-o", card)
        source = tomllib.loads(card.read_text())["source"]
        assert source["method"] == "lanczos" and source["factor"] == factor
        assert Image.open(row["path"]).size == (64 * factor, 80 * factor)
    wrong = cli("fix", lock["hero"], "--upscale", "2", "--upscaler", "x4", "--as", "omar")
    assert wrong.code == 2 and "enlarges 4x" in wrong.err
    not_one = cli("fix", lock["hero"], "--upscale", "4", "--upscaler", "tiny", "--as", "omar")
    assert not_one.code == 2 and "not an upscaler" in not_one.err
