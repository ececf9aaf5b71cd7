"""Helpers for playbook tests: people, a complete brief, and a brief taken to a locked recipe."""

from __future__ import annotations

import json

from pressroom.plays.briefs import TEMPLATE

SMALL = ["--width", "64", "--height", "80"]


def people(cli) -> None:
    for name, role in (("dana", "director"), ("omar", "operator"), ("rita", "reviewer"), ("kim", "keeper")):
        assert cli("user", "add", name, "--role", role).code == 0


def brief_file(tmp_path, text: str = TEMPLATE, name: str = "brief.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def open_brief(cli, tmp_path, text: str = TEMPLATE) -> int:
    result = cli("brief", "new", "--file", brief_file(tmp_path, text), "--as", "dana", "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)["id"]


def sprint(cli, brief: int, per_style: int = 1) -> list[dict]:
    result = cli(
        "concept",
        brief,
        "--style",
        "watercolor",
        "--style",
        "flat-vector",
        "--style",
        "cinematic",
        "--per-style",
        per_style,
        "--steps",
        "2",
        "--as",
        "omar",
        "--json",
    )
    assert result.code == 0, result.err
    return json.loads(result.out)["generations"]


def locked(cli, tmp_path, slot: str = "subject") -> tuple[int, dict]:
    """A brief through intake, concept sprint, direction and lock; returns (brief, lock json).

    Run for real the first time a test worker needs it from a given state, put back after that
    (``snapshots.py``): the same studio, ledger and answer, six seconds sooner."""
    brief_file(tmp_path)
    return cli.snapshots.reuse(cli.studio, f"locked {slot}", lambda: _locked(cli, tmp_path, slot))


def _locked(cli, tmp_path, slot: str) -> tuple[int, dict]:
    people(cli)
    brief = open_brief(cli, tmp_path)
    concepts = sprint(cli, brief)
    assert cli("direction", "approve", brief, concepts[0]["id"], "--as", "dana").code == 0
    result = cli("lock", brief, "--as", "omar", "--slot", slot, "--steps", "2", *SMALL, "--json")
    assert result.code == 0, result.err
    return brief, json.loads(result.out)
