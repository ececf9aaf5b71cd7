"""Large-format proofing: ppi at the print size against what the viewing distance needs."""

import json

import pytest
from PIL import Image

from pressroom.errors import InputError
from pressroom.plays import proofs


def test_the_viewing_distance_rule_and_units():
    assert proofs.needed_ppi(60) == pytest.approx(114.58, abs=0.01)  # 5 ft
    assert proofs.parse_size("36x48in") == (36.0, 48.0)
    assert proofs.parse_size("90x120cm") == pytest.approx((35.43, 47.24), abs=0.01)
    assert proofs._inches("5ft", "distance") == 60.0
    with pytest.raises(InputError, match="needs a number and a unit"):
        proofs._inches("far", "distance")


def test_proof_reports_ppi_and_writes_crops_of_the_most_detailed_regions(cli, studio):
    made = json.loads(
        cli(
            "generate", "--prompt", "a detailed pattern", "--steps", "2", "--width", "256", "--height", "320", "--json"
        ).out
    )[0]
    result = cli("proof", made["id"], "--size", "8x10in", "--distance", "5ft", "--crops", "2", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["ppi"] == 32.0 and report["needed_ppi"] == 114.6 and report["enough"] is False
    assert report["upscale_needed"] == pytest.approx(3.58, abs=0.01)
    assert len(report["crops"]) == 2 and report["crops"][0]["detail"] >= report["crops"][1]["detail"]
    crop = Image.open(report["crops"][0]["path"])
    assert crop.size == (round(64 * 114.6 / 32), round(64 * 114.6 / 32))  # a 64 px tile as it will print
    close_up = json.loads(cli("proof", made["id"], "--size", "2x2.5in", "--distance", "5ft", "--json").out)
    assert close_up["enough"] is True and close_up["ppi"] == 128.0
    bad = cli("proof", made["id"], "--size", "huge", "--distance", "5ft")
    assert bad.code == 2 and "must look like 36x48in" in bad.err
