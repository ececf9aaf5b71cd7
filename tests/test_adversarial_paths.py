"""Issue 13, class 2: no file name can reach outside the studio or replace what is not a regular file.

Names (models, styles, templates, channels, people, slots) are checked once where they enter
(``names.check``); paths made from them are checked to lie inside the studio (``Studio.inside``);
every file is written by ``files.write``, which refuses a folder, an empty name, a missing or
unwritable folder, a symbolic link, a FIFO, a device or a socket, in one line. Each test tries
what a user does by accident and what an insider would try on purpose, through the real command
line, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import socket
import stat

import pytest
from playbook import locked
from test_release import approve

from pressroom.domain import names
from pressroom.errors import InputError

SMALL = ["--steps", "1", "--width", "64", "--height", "64"]


def one_line_error(result, code: int = 2) -> str:
    assert result.code == code, (result.code, result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.err, result.err
    return lines[0]


@pytest.fixture
def generation(cli) -> int:
    made = cli("generate", "--prompt", "a red shoe", *SMALL, "--json")
    assert made.code == 0, made.err
    return json.loads(made.out)[0]["id"]


# -- names -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "../../x",
        "a/b",
        "..",
        ".hidden",
        "x..y",
        "/etc/passwd",
        "x\\y",
        "x y",
        "red\x1b[2Jshoe",
        "evil\u202etxt.exe",
        "line\nbreak",
        "",
        " padded",
    ],
)
def test_a_name_that_becomes_a_file_name_is_refused(name):
    with pytest.raises(InputError):
        names.check(name, "model name", file=True)


@pytest.mark.parametrize("name", ["tiny", "sd-1.5_v2", "SDXL.base"])
def test_ordinary_file_names_pass(name):
    assert names.check(name, "model name", file=True) == name


def test_a_long_path_is_refused_as_a_path_and_shown_cut_short():
    path = "/" + "deep/" * 40 + "x"
    with pytest.raises(InputError, match="is not allowed: it names a file") as refused:
        names.check(path, "model name", file=True, limit=64)
    assert len(str(refused.value)) < 64 + 150 and "..." in str(refused.value)
    with pytest.raises(InputError, match="is 65 characters long; keep it to 64"):
        names.check("x" * 65, "model name", file=True, limit=64)


def test_a_model_name_cannot_load_a_manifest_outside_models(cli, studio):
    outside = studio.root.parent / "x.toml"  # a forged manifest next to the studio, weights unregistered
    outside.write_text('name = "x"\nformat = "none"\nengine = "fake"\nlicense = "Apache-2.0"\ncommercial = true\n')
    for name in ("../../x", "../x", str(outside.with_suffix(""))):
        refused = cli("generate", "--model", name, "--prompt", "a shoe", *SMALL)
        assert "not allowed" in one_line_error(refused)
    added = cli("model", "add", "../escaped", "--engine", "fake")
    assert "not allowed" in one_line_error(added)
    assert not (studio.root / "escaped.toml").exists() and not (studio.root.parent / "escaped.toml").exists()


def test_a_manifest_whose_name_carries_escapes_is_damaged_not_listed(cli, studio):
    (studio.models_dir / "sly.toml").write_text('name = "sly\\u001b[2J"\nformat = "none"\nengine = "fake"\n')
    listed = cli("model", "list")
    assert "\x1b" not in listed.out + listed.err
    assert "damaged" in one_line_error(listed, code=7)


@pytest.mark.parametrize(
    "args",
    [
        ["user", "add", "red\x1b[31mdana", "--role", "director"],  # colour escape into every listing
        ["user", "add", "dana\u202e", "--role", "director"],  # right-to-left override
        ["style", "add", "watercolour\x07", "--text", "soft washes", "--as", "omar"],
        ["user", "add", "", "--role", "director"],
    ],
)
def test_names_with_control_characters_are_refused_where_they_enter(cli, args):
    assert cli("user", "add", "omar", "--role", "operator").code == 0
    refused = cli(*args)
    line = one_line_error(refused)
    assert "\x1b" not in line and "\u202e" not in line and "\x07" not in line
    kept = [u["name"] for u in json.loads(cli("user", "list", "--json").out)]
    kept += [s["name"] for s in json.loads(cli("style", "list", "--json").out)]
    assert args[2] not in kept and not any("\x1b" in n or "\u202e" in n or "\x07" in n for n in kept)


def test_a_user_renamed_to_an_escape_is_refused(cli):
    assert cli("user", "add", "dana", "--role", "director").code == 0
    line = one_line_error(cli("user", "rename", "dana", "dana\x1b]0;owned\x07"))
    assert "control character" in line and "\x1b" not in line
    assert [u["name"] for u in json.loads(cli("user", "list", "--json").out)] == ["dana"]


def test_a_card_cannot_bring_in_a_slot_name_with_escapes(cli, generation, tmp_path):
    card = tmp_path / "card.toml"
    assert cli("recipe", "export", generation, "-o", card).code == 0
    text = card.read_text()
    assert text.count("[skeleton.free]\n") == 1
    card.write_text(text.replace("[skeleton.free]\n", '[skeleton.free]\n"red\\u001b[2Jshoe" = "a lace"\n'))
    before = len(json.loads(cli("generations", "--json").out))
    line = one_line_error(cli("generate", "--card", card))
    assert "slot name" in line and "control character U+001B" in line and "\x1b" not in line
    assert len(json.loads(cli("generations", "--json").out)) == before  # nothing made


# -- output files (-o) -----------------------------------------------------------------------------
def test_export_to_a_folder_an_empty_name_a_missing_or_unwritable_folder_says_so(cli, generation, tmp_path):
    assert "is a folder" in one_line_error(cli("recipe", "export", generation, "-o", tmp_path))
    assert "--output is empty" in one_line_error(cli("recipe", "export", generation, "-o", ""))
    missing = one_line_error(cli("recipe", "export", generation, "-o", tmp_path / "no" / "card.toml"))
    assert "does not exist" in missing
    assert "cannot write" in one_line_error(cli("recipe", "export", generation, "-o", "/sys/card.toml"))
    written = cli("recipe", "export", generation, "-o", tmp_path / "card.toml")
    assert written.code == 0 and (tmp_path / "card.toml").read_text().startswith("# pressroom recipe card")


def test_export_never_replaces_a_device_a_fifo_a_socket_or_a_link(cli, generation, tmp_path):
    null_before = os.lstat("/dev/null")
    line = one_line_error(cli("recipe", "export", generation, "-o", "/dev/null"))  # as root, too
    assert "not a regular file" in line
    after = os.lstat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == null_before.st_rdev
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert "not a regular file" in one_line_error(cli("recipe", "export", generation, "-o", fifo))
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    sock_path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(sock_path))
        assert "not a regular file" in one_line_error(cli("recipe", "export", generation, "-o", sock_path))
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    link = tmp_path / "card.toml"
    link.symlink_to(precious)
    assert "symbolic link" in one_line_error(cli("recipe", "export", generation, "-o", link))
    assert link.is_symlink() and precious.read_text() == "keep me"
    assert not list(tmp_path.glob(".tmp-*"))  # nothing left beside the refused targets


def test_a_link_planted_in_the_studio_is_not_written_through(cli, studio, generation, tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    studio.cards_dir.mkdir(exist_ok=True)
    (studio.cards_dir / f"gen-{generation}.toml").symlink_to(precious)  # the card's default place
    assert "symbolic link" in one_line_error(cli("recipe", "export", generation))
    assert precious.read_text() == "keep me"


def test_reproduce_refuses_its_output_before_doing_the_work(cli, generation, tmp_path):
    card = tmp_path / "card.toml"
    assert cli("recipe", "export", generation, "-o", card).code == 0
    assert "is a folder" in one_line_error(cli("reproduce", card, "-o", tmp_path))
    assert "not a regular file" in one_line_error(cli("reproduce", card, "-o", "/dev/null"))
    done = cli("reproduce", card, "-o", tmp_path / "again.png", "--json")
    assert done.code == 0 and json.loads(done.out)["verdict"] == "exact"


# -- release: channels and links cannot send files outside the studio ---------------------------------
def test_release_writes_nothing_outside_the_studio(cli, studio, tmp_path):
    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"])
    config = studio.root / "pressroom.toml"
    plain = config.read_text()
    escape = studio.root.parent / "escape"
    config.write_text(plain + '\n[channels."../../escape"]\nwidth = 64\nheight = 64\n')
    refused = cli("release", brief, "--channel", "../../escape", "--as", "kim")
    assert "channel name" in one_line_error(refused) and not escape.exists()
    config.write_text(plain + '\n[channels."x\\u001b[2J"]\nwidth = 64\nheight = 64\n')
    assert "control character" in one_line_error(cli("release", brief, "--as", "kim"))
    config.write_text(plain)
    outside = tmp_path / "outside"
    outside.mkdir()
    (studio.root / "releases").symlink_to(outside, target_is_directory=True)  # an insider's link
    linked = cli("release", brief, "--as", "kim")
    assert "outside the studio" in one_line_error(linked) and not list(outside.iterdir())
    (studio.root / "releases").unlink()
    done = cli("release", brief, "--as", "kim", "--json")
    assert done.code == 0, done.err
    assert all(path.startswith(str(studio.root)) for path in (f["path"] for f in json.loads(done.out)))
