"""A released file's C2PA manifest carries the review that let it out, read back by `verify`, by
c2pa-python's Reader on its own, and by a second verifier with its own C2PA implementation (encypher-c2pa)."""

import json

import pytest
from playbook import locked
from test_release import approve, released

from pressroom.domain.gate import CHECKLIST

pytestmark = pytest.mark.ledger_contract("the review that let a file out, read from the ledger into its manifest")


def test_released_file_carries_the_review_in_its_manifest(cli, tmp_path):
    from pathlib import Path

    from c2pa import Reader
    from test_release import flip_pixel_byte

    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"], "A crimson sneaker resting on emerald moss")
    master, rendition = released(cli, brief, "--channel", "linkedin", "--format", "jpeg")

    doc = json.loads(cli("verify", master["path"], "--json").out)
    assert doc["c2pa"] == "Trusted"
    review = doc["review"]
    assert review["decision"] == "approved" and review["stakes"] == "standard" and review["generation"] == lock["hero"]
    assert review["items"] == list(CHECKLIST) and review["reviewers_needed"] == 1
    [rita] = review["reviewers"]
    assert rita["reviewer"] == "rita" and rita["decision"] == "approved" and rita["reviewer"] != review["maker"]
    assert {item: c["result"] for item, c in rita["checks"].items()} == {item: "pass" for item in CHECKLIST}
    [licence] = review["licence"]
    assert licence["weights"] == "model" and licence["name"] == "tiny" and licence["license"] == "Apache-2.0"
    assert review["intended_use"] == "commercial"  # the brief template's
    assert (licence["verdict"], licence["detail"]) == ("pass", "Apache-2.0 permits commercial use")

    shown = cli("verify", rendition["path"])
    assert "review: approved at the" in shown.out and "rita: approved, 18 of 18 items pass" in shown.out
    assert "licence: tiny" in shown.out

    for f, mime in ((master, "image/png"), (rendition, "image/jpeg")):  # the independent reader
        with open(f["path"], "rb") as stream, Reader(mime, stream) as reader:
            store = json.loads(reader.json())
        active = store["manifests"][store["active_manifest"]]
        [assertion] = [a for a in active["assertions"] if a["label"] == "com.pressroom.review"]
        assert json.loads(assertion["data"]["review_json"]) == review

    from encypher_c2pa import verify

    root = (cli.studio.root / "keys" / "root.pem").read_text()
    for f in (master, rendition):  # the second reader: not c2pa-rs, offline, no telemetry
        report = verify(f["path"], trust_pem=root, no_default_trust=True, online=False, telemetry=False)
        assert (report["integrity"], report["signature"], report["hard_binding"]) == ("valid", "valid", "match")
        assert report["trust"]["status"] == "valid_for_supplied_material" and report["validation_state"] == "Trusted"
        manifests = report["manifest_report"]
        active = manifests["manifests"][manifests["active_manifest"]]
        [assertion] = [a for a in active["assertions"] if a["label"] == "com.pressroom.review"]
        assert json.loads(assertion["data"]["review_json"]) == review
        changed = tmp_path / f"changed{Path(f['path']).suffix}"
        flip_pixel_byte(Path(f["path"]), changed)  # and it sees a changed pixel byte
        broken = verify(str(changed), trust_pem=root, no_default_trust=True, online=False, telemetry=False)
        assert broken["hard_binding"] == "mismatch" and broken["integrity"] != "valid"
