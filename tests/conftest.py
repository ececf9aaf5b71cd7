"""Shared fixtures: a real studio on disk with the built-in tiny model, built once per run.

Building the tiny model takes a few seconds, so one template studio is made per session and
each test gets its own copy. Tests never touch the network.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.pop("PRESSROOM_STUDIO", None)

from pressroom import models  # noqa: E402
from pressroom.cli import main  # noqa: E402
from pressroom.studio import Studio  # noqa: E402


@pytest.fixture(scope="session")
def template_studio(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("template") / "studio"
    studio = Studio.init(root, name="test")
    models.ensure_tiny(studio)
    studio.close()
    return root


@pytest.fixture
def studio(template_studio, tmp_path) -> Studio:
    root = tmp_path / "studio"
    shutil.copytree(template_studio, root)
    # the copied manifest points at the template's weights; point it at this copy's
    manifest = root / "models" / "tiny.toml"
    manifest.write_text(manifest.read_text().replace(str(template_studio), str(root)))
    opened = Studio(root)
    yield opened
    opened.close()


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys, monkeypatch, studio):
    """Run the real CLI in this process against the test's studio (via PRESSROOM_STUDIO)."""
    monkeypatch.setenv("PRESSROOM_STUDIO", str(studio.root))

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
