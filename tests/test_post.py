"""Post: an image handed out to another tool and brought back edited, through the real CLI on the
test's studio. The edited file is signed with its own C2PA manifest by a test certificate (standing
in for Photoshop's), comes back as a new version whose retoucher may not review it, is approved by
someone else and released; c2pa-python and encypher-c2pa read the whole chain back. A 16-bit TIFF
with an Adobe RGB profile and a layered PSD come back in too; anything else is refused in one line.
"""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playbook import locked
from test_release import ALT, approve, released
from test_reviews import every

from pressroom.store.provenance import COMPOSITE

RETOUCHER = "pat"  # an operator who is a reviewer too: the gate must still refuse them their own retouch
TOOL = "Photoshop 27.1"


def _team(cli) -> None:
    result = cli("user", "add", RETOUCHER, "--role", "operator", "--role", "reviewer")
    assert result.code == 0, result.err


def _hand_out(cli, image: int, target: Path, *args: str) -> dict:
    result = cli("post", "out", image, "-o", target, *args, "--as", RETOUCHER, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def _bring_in(cli, image: int, path: Path, *args: str) -> dict:
    result = cli("post", "in", image, path, "--tool", TOOL, *args, "--as", RETOUCHER, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def _image(cli, image: int) -> dict:
    return next(g for g in json.loads(cli("generations", "--json").out) if g["id"] == image)


def _retouched(source: Path, scale: int = 2) -> Image.Image:
    """The handed-out image, upresed and with a patch painted over its top-left quarter."""
    image = Image.open(source).convert("RGB")
    image = image.resize((image.width * scale, image.height * scale), Image.Resampling.LANCZOS)
    ImageDraw.Draw(image).rectangle((0, 0, image.width // 2 - 1, image.height // 2 - 1), fill=(250, 240, 10))
    return image


def _photoshop_identity(tmp_path, new_ledger):
    """A certificate chain of another organisation's: the stand-in for the retouching tool's signer."""
    from pressroom.store import signing
    from pressroom.store.studio import Studio

    other = Studio.init(tmp_path / "retouch-house", name="Retouch House", database_url=new_ledger())
    signing.create(other)
    keys = other.root / "keys"
    return (keys / "chain.pem").read_bytes(), (keys / "signer.key").read_bytes(), (keys / "root.pem").read_bytes()


def _sign_as_the_tool(identity, handed: Path, edited: Path, target: Path) -> None:
    """Sign ``edited`` as a retouching tool would: opened the handed-out file, edited it."""
    from c2pa import Builder, C2paSignerInfo, C2paSigningAlg, Signer

    chain, key, _root = identity
    manifest = {
        "claim_generator_info": [{"name": "Photoshop (test stand-in)", "version": "27.1"}],
        "title": edited.name,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {"action": "c2pa.opened", "parameters": {"ingredientIds": ["handed"]}},
                        {"action": "c2pa.edited", "description": "retouched the top-left corner, upresed 2x"},
                    ]
                },
            }
        ],
    }
    info = C2paSignerInfo(alg=C2paSigningAlg.ES256, sign_cert=chain, private_key=key, ta_url=None)
    with Signer.from_info(info) as signer:
        builder = Builder(manifest)
        with open(handed, "rb") as stream:
            builder.add_ingredient(
                {"title": handed.name, "relationship": "parentOf", "label": "handed"}, "image/png", stream
            )
        with open(edited, "rb") as source, open(target, "w+b") as out:
            builder.sign(signer, "image/png", source, out)


@pytest.mark.ledger_contract("post: a hand-out and a retouch recorded, reviewed and released from the ledger")
def test_a_retouched_file_goes_out_comes_back_is_reviewed_by_another_and_ships_with_its_history(
    cli, tmp_path, new_ledger
):
    from c2pa import Reader
    from encypher_c2pa import verify

    brief, lock = locked(cli, tmp_path)
    _team(cli)
    hero = lock["hero"]

    # out: the full-size master with its parameters, signed by the studio, and who took it
    handed = tmp_path / "handed.png"
    out = _hand_out(cli, hero, handed)
    assert out["by"] == RETOUCHER and out["generation"] == hero and Path(out["path"]) == handed
    doc = json.loads(cli("verify", handed, "--json").out)
    parent = _image(cli, hero)
    assert doc["c2pa"] == "Trusted" and doc["recipe"]["seed"] == parent["seed"]
    assert "Steps: " in doc["parameters"]
    tiff = _hand_out(cli, hero, tmp_path / "handed.tif", "--format", "tiff")
    assert json.loads(cli("verify", tiff["path"], "--json").out)["c2pa"] == "Trusted"
    assert Image.open(tiff["path"]).size == Image.open(handed).size

    # back in: edited, upresed, signed by the retouching tool with the handed-out file as its parent
    edited = tmp_path / "edited.png"
    _retouched(handed).save(edited)
    signed = tmp_path / "retouched.png"
    identity = _photoshop_identity(tmp_path, new_ledger)
    _sign_as_the_tool(identity, handed, edited, signed)
    came = _bring_in(cli, hero, signed, "--note", "cleaned the moss")
    new = came["id"]
    assert came["parent"] == hero and came["play"] == "post" and came["brief"] == brief
    assert (came["width"], came["height"]) == (parent["width"] * 2, parent["height"] * 2)  # the upres, recorded
    post = came["post"]
    assert post["tool"] == TOOL and post["note"] == "cleaned the moss" and post["credentials"] is True
    assert (post["parent_width"], post["width"]) == (parent["width"], parent["width"] * 2)
    assert 0.2 < post["changes"]["share"] < 0.5 and post["changes"]["in_words"].endswith("% of pixels changed")
    kept = cli.studio.assets.path(post["sha256"], "png")
    assert kept.read_bytes() == signed.read_bytes()  # kept byte for byte, its manifest with it

    # the card says what was done and what cannot be regenerated; reproduce says so in one line
    card = tmp_path / "post.toml"
    assert cli("recipe", "export", new, "-o", card).code == 0
    text = card.read_text()
    assert f"EDITED BY HAND in {TOOL}" in text and post["sha256"] in text and "cleaned the moss" in text
    assert parent["prompt"] in text  # the parent's recipe
    refused = cli("reproduce", card)
    assert refused.code == 6 and refused.out == ""
    assert refused.err.count("\n") == 1 and f"edited by hand in {TOOL} outside pressroom" in refused.err

    # the retoucher made it, so they may not review it; someone else approves it
    mine = cli("review", new, "--decision", "approved", *every(), "--alt-text", ALT, "--as", RETOUCHER)
    assert mine.code == 4 and f"{RETOUCHER} made generation {new} and may not review it" in mine.err
    approve(cli, new)

    master, rendition = released(cli, brief, "--channel", "linkedin", "--format", "jpeg")
    for f in (master, rendition):
        doc = json.loads(cli("verify", f["path"], "--json").out)
        assert doc["c2pa"] == "Trusted" and doc["digital_source_type"] == COMPOSITE
        [credentials] = [i for i in doc["lineage"] if i["relationship"] == "componentOf"]
        assert credentials["signed_by"] == "Retouch House signer"
    assert json.loads(cli("verify", master["path"], "--json").out)["actions"] == ["c2pa.opened", "c2pa.edited"]

    root = (cli.studio.root / "keys" / "root.pem").read_text()
    for f, mime in ((master, "image/png"), (rendition, "image/jpeg")):
        with open(f["path"], "rb") as stream, Reader(mime, stream) as reader:
            store = json.loads(reader.json())
            assert reader.get_validation_state() in ("Valid", "Trusted")
        _the_whole_chain(store)
        report = verify(f["path"], trust_pem=root, no_default_trust=True, online=False, telemetry=False)
        assert (report["integrity"], report["signature"], report["hard_binding"]) == ("valid", "valid", "match")
        assert report["validation_state"] == "Trusted"
        _the_whole_chain_as_encypher_reads_it(report["manifest_report"])

    # the canary re-reproduces the hero, never the files of the retouch: those cannot be regenerated
    canary = cli("audit", "--sample", "4", "--json")
    assert canary.code == 0, canary.err
    items = json.loads(canary.out)["canary"]["items"]
    assert [(i["kind"], i["id"]) for i in items] == [("hero", hero)] and items[0]["verdict"] == "exact"


def _the_whole_chain(store: dict) -> None:
    """release -> (the retouch in the other tool -> pressroom's hand-out), and the review in the release."""
    manifests = store["manifests"]
    active = manifests[store["active_manifest"]]
    assert any(a["label"] == "com.pressroom.review" for a in active["assertions"])
    retouches = [
        manifests[i["active_manifest"]]
        for i in _ingredients(manifests, active)
        if i.get("active_manifest")
        and "Photoshop" in json.dumps(manifests[i["active_manifest"]].get("claim_generator_info"))
    ]
    assert retouches, "the retouching tool's manifest is an ingredient of the released file"
    [handed] = [manifests[i["active_manifest"]] for i in retouches[0]["ingredients"]]
    assert handed["claim_generator_info"][0]["name"] == "pressroom"
    assert any(a["label"] == "com.pressroom.recipe" for a in handed["assertions"])


def _the_whole_chain_as_encypher_reads_it(report: dict) -> None:
    """The same chain in encypher-c2pa's report: ingredients are assertions linking to their manifest."""
    manifests = report["manifests"]

    def linked(manifest: dict, relationship: str) -> dict:
        [found] = [
            a["data"]["activeManifest"]["url"].split("/c2pa/", 1)[1]
            for a in manifest["assertions"]
            if a["label"].startswith("c2pa.ingredient") and a["data"].get("relationship") == relationship
        ]
        return manifests[found]

    active = manifests[report["active_manifest"]]
    assert any(a["label"] == "com.pressroom.review" for a in active["assertions"])
    retouch = linked(active, "componentOf")
    assert retouch["signature_info"]["common_name"] == "Retouch House signer"
    assert retouch["claim_generator_info"]["name"] == "Photoshop (test stand-in)"
    handed = linked(retouch, "parentOf")
    assert handed["claim_generator_info"]["name"] == "pressroom"
    assert any(a["label"] == "com.pressroom.recipe" for a in handed["assertions"])


def _ingredients(manifests: dict, manifest: dict) -> list[dict]:
    """The manifest's ingredients, and theirs, all the way down."""
    found = []
    for ingredient in manifest.get("ingredients", []):
        found.append(ingredient)
        if ingredient.get("active_manifest") in manifests:
            found += _ingredients(manifests, manifests[ingredient["active_manifest"]])
    return found


# -- other files that come back ------------------------------------------------------------------
def _adobe_rgb_icc() -> bytes:
    """A small ICC v2 display profile for Adobe RGB (1998): D50 colorants, gamma 563/256."""

    def tag_xyz(x, y, z):
        return b"XYZ \0\0\0\0" + struct.pack(">3i", *(round(v * 65536) for v in (x, y, z)))

    def tag_desc(text):
        ascii_ = text.encode() + b"\0"
        return b"desc\0\0\0\0" + struct.pack(">I", len(ascii_)) + ascii_ + b"\0" * 8 + b"\0\0\0" + b"\0" * 67

    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, 563) + b"\0\0"
    tags = [
        (b"desc", tag_desc("Adobe RGB (1998)")),
        (b"cprt", b"text\0\0\0\0" + b"No copyright, a test profile\0"),
        (b"wtpt", tag_xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", tag_xyz(0.60974, 0.31111, 0.01947)),
        (b"gXYZ", tag_xyz(0.20528, 0.62567, 0.06087)),
        (b"bXYZ", tag_xyz(0.14919, 0.06322, 0.74457)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"\0\0\0\0"
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2026, 12, 7, 0, 0, 0)
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + struct.pack(">3i", *(round(v * 65536) for v in (0.9642, 1.0, 0.8249)))
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def test_a_16_bit_adobe_rgb_tiff_and_a_layered_psd_come_back_in(cli, tmp_path):
    import numpy as np
    import tifffile
    from PIL import ImageCms
    from psd_tools import PSDImage
    from psd_tools.api.layers import PixelLayer

    brief, lock = locked(cli, tmp_path)
    _team(cli)
    hero = lock["hero"]
    base = Image.open(_hand_out(cli, hero, tmp_path / "handed.png")["path"]).convert("RGB")

    # a 16-bit TIFF in Adobe RGB: a saturated green a plain 8-bit reading would get wrong in sRGB
    icc = _adobe_rgb_icc()
    assert ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip() == "Adobe RGB (1998)"
    pixels = (np.asarray(base, dtype=np.uint16) * 257).astype(np.uint16)
    pixels[:10, :10] = (8000, 52000, 8000)
    tiff = tmp_path / "edited-16bit.tif"
    tifffile.imwrite(tiff, pixels, photometric="rgb", extratags=[(34675, 7, len(icc), icc, True)])
    came = _bring_in(cli, hero, tiff)
    post = came["post"]
    assert post["kind"] == "16-bit TIFF" and post["profile"] == "Adobe RGB (1998)" and post["format"] == "tiff"
    assert cli.studio.assets.path(post["sha256"], "tiff").read_bytes() == tiff.read_bytes()  # the profile kept
    shown = Image.open(came["path"])  # what pressroom shows and renders: converted to sRGB
    srgb = ImageCms.ImageCmsProfile(io.BytesIO(shown.info["icc_profile"]))
    assert shown.mode == "RGB" and "sRGB" in ImageCms.getProfileDescription(srgb)
    red, green, _ = shown.getpixel((2, 2))
    assert red < 8000 // 257 - 10 and green > 52000 // 257  # Adobe RGB's green lies outside sRGB: pushed out

    # a layered PSD: its flattened composite comes in
    psd = PSDImage.new("RGB", base.size)
    psd.append(PixelLayer.frompil(base, psd, "the image"))
    psd.append(PixelLayer.frompil(Image.new("RGB", (16, 16), (10, 20, 240)), psd, "a blue patch", top=4, left=4))
    layered = tmp_path / "edited.psd"
    psd.save(layered)
    came = _bring_in(cli, hero, layered)
    assert came["post"]["kind"] == "layered PSD (2 layers)" and came["post"]["format"] == "psd"
    assert Image.open(came["path"]).getpixel((10, 10)) == (10, 20, 240)
    assert Image.open(came["path"]).getpixel((40, 40)) == base.getpixel((40, 40))
    assert came["post"]["changes"]["in_words"] == f"{came['post']['changes']['share'] * 100:.1f} % of pixels changed"

    # WebP and an 8-bit TIFF with no profile come in as they are
    for name, fmt, kind in (("edited.webp", "WEBP", "WebP"), ("edited-8bit.tif", "TIFF", "TIFF")):
        path = tmp_path / name
        base.save(path, format=fmt, **({"lossless": True} if fmt == "WEBP" else {}))
        came_in = _bring_in(cli, hero, path)["post"]
        assert (came_in["kind"], came_in["profile"]) == (kind, "") and came_in["changes"]["share"] == 0.0

    # the retoucher of either may not review it
    for image in (came["id"],):
        mine = cli("review", image, "--decision", "approved", *every(), "--alt-text", ALT, "--as", RETOUCHER)
        assert mine.code == 4 and "may not review it" in mine.err


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("edited.gif", "gif", "is a GIF; bring it back as a PNG, JPEG, WebP, TIFF (8 or 16 bit) or PSD"),
        ("edited.png", b"not an image at all", "is not a readable image; bring it back as a PNG, JPEG, WebP"),
    ],
)
def test_a_file_of_another_kind_is_refused_in_one_line(cli, tmp_path, name, data, said):
    brief, lock = locked(cli, tmp_path)
    _team(cli)
    path = tmp_path / name
    if data == "gif":
        Image.new("RGB", (64, 80), (200, 10, 10)).save(path, format="GIF")
    else:
        path.write_bytes(data)
    before = len(json.loads(cli("generations", "--json").out))
    result = cli("post", "in", lock["hero"], path, "--tool", TOOL, "--as", RETOUCHER)
    assert result.code == 2 and result.err.count("\n") == 1 and said in result.err, result.err
    assert "Traceback" not in result.err
    assert len(json.loads(cli("generations", "--json").out)) == before  # nothing was made


def test_the_tool_must_be_named_and_only_an_operator_brings_a_file_back(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    _team(cli)
    edited = tmp_path / "edited.png"
    Image.new("RGB", (64, 80), (20, 200, 10)).save(edited)
    nameless = cli("post", "in", lock["hero"], edited, "--as", RETOUCHER)
    assert nameless.code == 2 and "name the tool the image was edited in" in nameless.err
    assert '--tool "Photoshop 27.1"' in nameless.err
    reviewer = cli("post", "in", lock["hero"], edited, "--tool", TOOL, "--as", "rita")
    assert reviewer.code == 4 and "needs the operator role" in reviewer.err
    bad = cli("post", "out", lock["hero"], "--format", "gif", "--as", RETOUCHER)
    assert bad.code == 2 and "format 'gif' is not one of png, tiff" in bad.err


def test_a_retouch_of_an_odd_size_is_not_fixed_by_a_model_but_can_be_cropped_and_brought_back(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    _team(cli)
    edited = tmp_path / "edited.png"
    Image.new("RGB", (67, 81), (20, 200, 10)).save(edited)
    odd = _bring_in(cli, lock["hero"], edited)
    refused = cli("fix", odd["id"], "--refine", "--as", RETOUCHER)
    assert refused.code == 6 and refused.err.count("\n") == 1
    assert f"image {odd['id']} is 67x81; a fix needs each side a multiple of 8" in refused.err
    assert "crop it to 64x80" in refused.err
    Image.new("RGB", (64, 80), (20, 200, 10)).save(edited)
    again = _bring_in(cli, odd["id"], edited)  # a version of the version: its lineage goes back to the hero
    assert again["parent"] == odd["id"] and again["post"]["parent_width"] == 67
    fixed = cli("fix", again["id"], "--refine", "--strength", "0.5", "--as", RETOUCHER, "--json")
    assert fixed.code == 0, fixed.err
