"""Several processes on one studio: nobody sees "database is locked", nothing is taken twice.

What is proven is the ledger's, not the engine's: the studio draws with a fake-engine model
(quickmodel.py), so its processes do not import torch.
"""

import json
import os
import subprocess
import sys

import pytest
from playbook import locked
from quickmodel import default_to_quick

from pressroom.domain.gate import CHECKLIST
from pressroom.errors import Conflict
from pressroom.store.assets import sha256_file

pytestmark = pytest.mark.ledger_contract("many writers on one ledger at once")


def _spawn(studio, *args):
    env = {**os.environ, "PRESSROOM_STUDIO": str(studio.root)}
    return subprocess.Popen(
        [sys.executable, "-m", "pressroom.cli", *map(str, args)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _together(studio, *commands, timeout=300):
    """Start every command at once; (exit code, stdout, stderr) of each."""
    running = [_spawn(studio, *command) for command in commands]
    outputs = [p.communicate(timeout=timeout) for p in running]
    return [(p.returncode, out, err) for p, (out, err) in zip(running, outputs, strict=True)]


def _no_lock_errors(results):
    for _code, _out, err in results:
        assert "locked" not in err.lower() or "database" not in err.lower(), err
        assert "Traceback" not in err, err


def test_two_locks_of_one_brief_at_once_take_different_versions(cli, studio, tmp_path):
    default_to_quick(studio, cli.snapshots)
    brief, first = locked(cli, tmp_path)
    lock = ["lock", brief, "--as", "omar", "--steps", "2", "--width", "64", "--height", "80", "--json"]
    results = _together(studio, lock, lock)
    _no_lock_errors(results)
    assert [code for code, _, _ in results] == [0, 0], [err for _, _, err in results]
    versions = sorted(json.loads(out)["version"] for _, out, _ in results)
    assert versions == [first["version"] + 1, first["version"] + 2]


def test_two_releases_at_once_write_each_file_once(cli, studio, tmp_path):
    default_to_quick(studio, cli.snapshots)
    brief, lock = locked(cli, tmp_path)
    checks = [part for item in CHECKLIST for part in ("--check", f"{item}=pass")]
    approved = cli(
        "review", lock["hero"], "--decision", "approved", *checks, "--alt-text", "A red shoe on moss", "--as", "rita"
    )
    assert approved.code == 0, approved.err
    release = ["release", brief, "--channel", "instagram-feed", "--format", "jpeg", "--as", "kim", "--json"]
    results = _together(studio, release, release)
    _no_lock_errors(results)
    assert [code for code, _, _ in results] == [0, 0], [err for _, _, err in results]
    written = [doc for _, out, _ in results for doc in json.loads(out)]
    keys = [(doc["generation"], doc["rendition"], doc["format"]) for doc in written]
    assert sorted(keys) == sorted(set(keys)) and len(keys) == 2  # the master and one rendition, once each
    for doc in written:  # the file on disk is the one the ledger recorded
        assert (
            sha256_file(studio.root / doc["path"] if not os.path.isabs(doc["path"]) else doc["path"]) == doc["sha256"]
        )


def test_adding_one_style_twice_at_once_is_a_conflict_not_a_traceback(cli, studio):
    cli("user", "add", "omar", "--role", "operator")
    add = ["style", "add", "risograph", "--text", "risograph print, two inks", "--as", "omar"]
    results = _together(studio, *([add] * 4))
    _no_lock_errors(results)
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, Conflict.exit_code, Conflict.exit_code, Conflict.exit_code], [e for _, _, e in results]
    for code, _, err in results:
        if code:
            assert err.startswith("error: style 'risograph' exists already") and len(err.strip().splitlines()) == 1


def test_promoting_two_recipes_to_one_template_name_at_once_is_a_conflict(cli, studio, tmp_path):
    default_to_quick(studio, cli.snapshots)
    brief, first = locked(cli, tmp_path)
    second = cli("lock", brief, "--as", "omar", "--steps", "2", "--width", "64", "--height", "80", "--json")
    assert second.code == 0, second.err
    recipes = [first["recipe"], json.loads(second.out)["recipe"]]
    results = _together(studio, *[["template", "promote", recipe, "trail-hero", "--as", "dana"] for recipe in recipes])
    _no_lock_errors(results)
    assert sorted(code for code, _, _ in results) == [0, Conflict.exit_code], [e for _, _, e in results]
    refused = next(err for code, _, err in results if code)
    assert refused.startswith("error: a template named 'trail-hero'") and len(refused.strip().splitlines()) == 1
