"""Release with signed provenance, verification of any file, and the searchable library."""

import json
import shutil
import struct
import subprocess

import pytest
from PIL import Image
from playbook import locked
from sd_parsers import ParserManager
from test_reviews import every

from pressroom.errors import Forbidden, InputError, Refused
from pressroom.store.provenance import COMPOSITE, TRAINED

pytestmark = pytest.mark.ledger_contract("release: approved images become signed, searchable files")

REFUSED, FORBIDDEN = Refused.exit_code, Forbidden.exit_code

ALT = "A red trail running shoe on a mossy rock"


def approve(cli, generation, alt=ALT):
    result = cli("review", generation, "--decision", "approved", *every(), "--alt-text", alt, "--as", "rita")
    assert result.code == 0, result.err


def released(cli, brief, *args):
    result = cli("release", brief, *args, "--as", "kim", "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def flip_pixel_byte(path, target):
    """Change one byte of the compressed image data in place, leaving every other byte alone."""
    data = bytearray(path.read_bytes())
    if path.suffix == ".png":
        pos = 8
        while True:
            length, kind = struct.unpack(">I4s", data[pos : pos + 8])
            if kind == b"IDAT":
                index = pos + 8 + length // 2
                break
            pos += 12 + length
    elif path.suffix == ".jpg":
        pos = 2
        while True:  # walk the segments: the C2PA box holds a JPEG thumbnail with its own markers
            marker, size = data[pos + 1], struct.unpack(">H", data[pos + 2 : pos + 4])[0]
            if marker == 0xDA:
                start, end = pos + 2 + size, data.rfind(b"\xff\xd9")
                break
            pos += 2 + size
        index = (start + end) // 2
        while data[index] >= 0xF0 or data[index - 1] == 0xFF:
            index += 1
    else:  # WebP: RIFF chunks; change a byte inside the VP8 / VP8L bitstream
        pos = 12
        while True:
            kind, size = bytes(data[pos : pos + 4]), struct.unpack("<I", data[pos + 4 : pos + 8])[0]
            if kind in (b"VP8 ", b"VP8L"):
                index = pos + 8 + size // 2
                break
            pos += 8 + size + (size & 1)
    data[index] ^= 0x01
    target.write_bytes(bytes(data))


def test_nothing_ships_before_approval(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    director = cli("release", brief, "--as", "dana")
    assert director.code == FORBIDDEN and "dana may not release images: it needs the keeper role" in director.err
    blocked = cli("release", brief, "--as", "kim")
    assert blocked.code == REFUSED and "export stays blocked until approval" in blocked.err
    cli("review", lock["hero"], "--decision", "approved", *every(alt_text="n/a"), "--as", "rita")
    no_alt = cli("release", brief, "--as", "kim")
    assert no_alt.code == REFUSED and "without alt text" in no_alt.err
    blank = cli("review", lock["hero"], "--decision", "approved", *every(), "--alt-text", " \t ", "--as", "rita")
    assert blank.code == InputError.exit_code and "the image has none" in blank.err  # whitespace is no alt text
    assert "write its alt text (give --alt-text TEXT)" in blank.err  # the CLI names its flag
    cli("review", lock["hero"], "--decision", "approved", *every(alt_text="n/a"), "--alt-text", "   ", "--as", "rita")
    still = cli("release", brief, "--as", "kim")
    assert still.code == REFUSED and "without alt text" in still.err


def test_an_approved_image_culled_as_rejected_ships_only_once_kept_again(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"])
    assert cli("cull", lock["hero"], "--reject", "--reason", "composition", "--as", "omar").code == 0
    blocked = cli("release", brief, "--as", "kim")
    assert (
        blocked.code == REFUSED and f"generation {lock['hero']} is approved but was culled as rejected" in blocked.err
    )
    assert len(blocked.err.strip().splitlines()) == 1
    assert cli("cull", lock["hero"], "--keep", "--as", "omar").code == 0
    [master] = released(cli, brief)
    assert master["generation"] == lock["hero"]


def test_released_png_jpeg_webp_verify_trusted_and_a_changed_byte_is_invalid(cli, studio, tmp_path):
    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"])
    files = released(
        cli, brief, "--channel", "instagram-feed", "--format", "png", "--format", "jpeg", "--format", "webp"
    )
    assert [(f["rendition"], f["format"]) for f in files] == [
        ("master", "png"),
        ("instagram-feed", "png"),
        ("instagram-feed", "jpeg"),
        ("instagram-feed", "webp"),
    ]
    assert all(set(f) >= {"asset", "path", "format", "rendition"} for f in files)
    kim = {u["name"]: u["id"] for u in json.loads(cli("user", "list", "--json").out)}["kim"]
    assert {(f["released_by"], f["released_by_id"]) for f in files} == {("kim", kim)}
    for f in files[1:]:
        assert Image.open(f["path"]).size == (1080, 1350)
        assert f["path"].endswith(
            f"b{brief}-r{lock['recipe']}v1-s{1}-g{lock['hero']}-instagram-feed."
            + {"png": "png", "jpeg": "jpg", "webp": "webp"}[f["format"]]
        )
        doc = json.loads(cli("verify", f["path"], "--json").out)
        assert doc["c2pa"] == "Trusted", doc["failures"]
        assert doc["actions"] == ["c2pa.opened", "c2pa.edited"]
        assert doc["digital_source_type"] == TRAINED and doc["alt_text"] == ALT
        assert doc["recipe"]["seed"] == 1 and doc["recipe"]["post"][-1]["op"] == "encode"
        assert doc["lineage"][0]["title"].endswith("-master.png") and doc["lineage"][0]["relationship"] == "parentOf"
        tampered = tmp_path / ("tampered" + f["path"][f["path"].rfind(".") :])
        flip_pixel_byte(type(tmp_path)(f["path"]), tampered)
        checked = cli("verify", tampered, "--json")
        broken = json.loads(checked.out)
        assert (
            checked.code == 1
            and broken["c2pa"] == "Invalid"
            and any("dataHash.mismatch" in x for x in broken["failures"])
        )
    master = json.loads(cli("verify", files[0]["path"], "--json").out)
    assert master["c2pa"] == "Trusted" and master["actions"] == ["c2pa.created"]


def test_without_the_studio_root_a_file_is_valid_not_trusted(cli, tmp_path, monkeypatch):
    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"])
    [master] = released(cli, brief)
    copy = tmp_path / "elsewhere.png"
    shutil.copy(master["path"], copy)
    monkeypatch.delenv("PRESSROOM_STUDIO")
    monkeypatch.chdir(tmp_path)
    valid = cli("verify", copy, "--json")
    doc = json.loads(valid.out)
    assert doc["c2pa"] == "Valid" and any("untrusted" in f for f in doc["failures"])
    assert valid.code == 0 and doc["metadata_verified"]  # signed, by a signer this machine does not know
    plain = tmp_path / "plain.png"
    Image.new("RGB", (16, 16)).save(plain, pnginfo=_claims("a forged recipe"))
    unsigned = cli("verify", plain, "--json")
    assert unsigned.code == 1 and json.loads(unsigned.out)["c2pa"] == "none"  # `verify F && publish F` stops
    assert json.loads(unsigned.out)["metadata_verified"] is False
    assert "unverified" in cli("verify", plain).out
    damaged = tmp_path / "damaged.png"
    damaged.write_bytes(b"\0" * 16 + copy.read_bytes()[16:])  # its header wrecked: no longer reads as a PNG
    broken = cli("verify", damaged, "--json")
    assert broken.code == 1 and json.loads(broken.out)["c2pa"] == "Invalid", broken.err


def _claims(text: str):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("parameters", f"{text}\nSteps: 5, Sampler: Euler, Seed: 1, CFG scale: 7")
    return info


def test_independent_readers_see_source_type_alt_text_and_parameters(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"])
    files = released(cli, brief, "--channel", "linkedin", "--format", "png", "--format", "jpeg", "--format", "webp")
    for f in files:
        out = subprocess.run(
            ["exiftool", "-j", "-XMP-iptcExt:DigitalSourceType", "-XMP-iptcCore:AltTextAccessibility", f["path"]],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        tags = json.loads(out)[0]
        assert tags["DigitalSourceType"] == TRAINED and tags["AltTextAccessibility"] == ALT
        info = ParserManager().parse(f["path"])
        assert info is not None, f["path"]
        [sampler] = info.samplers
        assert sampler.parameters["seed"] == "1" and sampler.parameters["steps"] == "2"


def test_a_fixed_image_is_released_as_composite_with_its_parent(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    fixed = json.loads(cli("fix", lock["hero"], "--refine", "--strength", "0.5", "--as", "omar", "--json").out)
    approve(cli, fixed["id"], "A red shoe, refined")
    [master] = released(cli, brief)
    doc = json.loads(cli("verify", master["path"], "--json").out)
    assert doc["c2pa"] == "Trusted" and doc["actions"] == ["c2pa.opened", "c2pa.edited"]
    assert doc["digital_source_type"] == COMPOSITE and doc["lineage"][0]["relationship"] == "parentOf"


def test_release_is_idempotent_and_custom_channels_come_from_config(cli, studio, tmp_path):
    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"])
    config = studio.root / "pressroom.toml"
    config.write_text(config.read_text() + "\n[channels.billboard]\nwidth = 960\nheight = 320\n")
    first = released(cli, brief, "--channel", "billboard")
    assert [(f["rendition"], Image.open(f["path"]).size) for f in first] == [
        ("master", (64, 80)),
        ("billboard", (960, 320)),
    ]
    assert released(cli, brief, "--channel", "billboard") == []
    unknown = cli("release", brief, "--channel", "tiktok", "--as", "kim")
    assert unknown.code == 2 and "unknown channel 'tiktok'" in unknown.err


def test_search_finds_a_release_by_prompt_and_alt_text_and_filters(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"], "A crimson sneaker resting on emerald moss")
    files = released(cli, brief, "--channel", "linkedin")
    ids = sorted(f["asset"] for f in files)
    by_prompt = json.loads(cli("search", "mountain stream", "--json").out)["assets"]  # from the prompt's context slot
    by_alt = json.loads(cli("search", "crimson sneaker", "--json").out)["assets"]
    assert sorted(a["asset"] for a in by_prompt) == ids and sorted(a["asset"] for a in by_alt) == ids
    assert json.loads(
        cli("search", "crimson", "--model", "tiny", "--reviewer", "rita", "--since", "2020-01-01", "--json").out
    )["assets"]
    assert json.loads(cli("search", "crimson", "--reviewer", "ravi", "--json").out)["assets"] == []
    assert json.loads(cli("search", "crimson", "--since", "2999-01-01", "--json").out)["assets"] == []
    assert json.loads(cli("search", "zeppelin", "--json").out)["assets"] == []
    bad = cli("search", "crimson", "--since", "yesterday")
    assert bad.code == 2 and "must be a date" in bad.err


def test_similar_finds_released_assets_by_look(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"])
    [master] = released(cli, brief)
    probe = tmp_path / "probe.jpg"
    Image.open(master["path"]).convert("RGB").save(probe, quality=70)
    found = json.loads(cli("similar", probe, "--json").out)
    assert found[0]["asset"] == master["asset"] and found[0]["distance"] <= 4


def test_reproduce_a_released_asset_by_its_id(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"])
    files = released(cli, brief, "--channel", "youtube-thumbnail", "--format", "jpeg")
    for f in files:
        doc = json.loads(cli("reproduce", f["asset"], "--json").out)
        assert doc["verdict"] == "exact", (f, doc)


def test_init_makes_a_signing_chain_with_a_private_key(tmp_path, capsys, new_ledger):
    import stat

    from cryptography import x509

    from pressroom.cli import main

    url = new_ledger()
    assert main(["init", str(tmp_path / "s"), *(["--database", url] if url else [])]) == 0
    keys = tmp_path / "s" / "keys"
    assert stat.S_IMODE((keys / "signer.key").stat().st_mode) == 0o600
    chain = x509.load_pem_x509_certificates((keys / "chain.pem").read_bytes())
    root = x509.load_pem_x509_certificate((keys / "root.pem").read_bytes())
    leaf, middle = chain
    assert leaf.issuer == middle.subject and middle.issuer == root.subject
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert middle.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_an_organisation_certificate_can_replace_the_studio_chain(cli, studio, tmp_path, new_ledger):
    from pressroom.store import signing
    from pressroom.store.studio import Studio

    org = Studio.init(tmp_path / "org", name="ACME Brands", database_url=new_ledger())  # any chain C2PA accepts will do
    signing.create(org)
    config = studio.root / "pressroom.toml"
    config.write_text(
        config.read_text() + f'\n[signing]\nchain = "{org.root}/keys/chain.pem"\n'
        f'key = "{org.root}/keys/signer.key"\ntrust_anchors = "{org.root}/keys/root.pem"\n'
    )
    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"])
    [master] = released(cli, brief)
    doc = json.loads(cli("verify", master["path"], "--json").out)
    assert doc["c2pa"] == "Trusted" and doc["signer"] == "ACME Brands signer"
