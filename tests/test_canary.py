"""`pressroom audit --sample N`: locked heroes and released files re-reproduced here and now; weights
changed on disk refuse an item by name and hash, and the canary goes on."""

import json

import pytest
from playbook import locked
from test_release import approve, released

pytestmark = pytest.mark.ledger_contract("the canary samples heroes and releases from the ledger")


def test_canary_reports_exact_then_refuses_changed_weights_and_goes_on(cli, studio, tmp_path):
    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"])
    [master] = released(cli, brief)

    first = cli("audit", "--sample", "4", "--json")
    assert first.code == 0, first.err
    doc = json.loads(first.out)
    assert doc["intact"]  # the chain check is there as before
    canary = doc["canary"]
    assert [(i["kind"], i["id"]) for i in canary["items"]] == [("hero", lock["hero"]), ("asset", master["asset"])]
    assert all(i["verdict"] == "exact" and i["ssim"] == 1.0 and i["max_pixel_difference"] == 0 for i in canary["items"])
    assert canary["totals"] == {"exact": 2, "close": 0, "different": 0, "refused": 0}
    assert canary["environment"]["torch"] and canary["environment"]["diffusers"]
    assert canary["environment"]["device_name"]
    shown = cli("audit", "--sample", "4", "--brief", str(brief))
    assert shown.code == 0 and "canary: 2 re-reproduced: 2 exact, 0 close, 0 different, 0 refused" in shown.out

    weights = sorted(p for p in (studio.root / "weights").rglob("*.safetensors"))
    assert weights, list((studio.root / "weights").rglob("*"))
    with open(weights[0], "ab") as handle:  # the weights change on disk
        handle.write(b"\0")
    changed = cli("audit", "--sample", "4", "--json")
    assert changed.code == 1, changed.err
    after = json.loads(changed.out)
    assert after["intact"] and [i["verdict"] for i in after["canary"]["items"]] == ["refused", "refused"]
    for item in after["canary"]["items"]:  # every item was tried: a refusal does not stop the canary
        assert weights[0].name in item["reason"] and "sha256" in item["reason"]
    assert after["canary"]["totals"]["refused"] == 2

    bad = cli("audit", "--brief", str(brief))
    assert bad.code == 2 and "give --sample N too" in bad.err
    zero = cli("audit", "--sample", "0")
    assert zero.code == 2 and "--sample must be 1..1000" in zero.err
