"""A studio whose default model runs on the fake engine: for tests about the ledger and the files.

A test that proves what several processes do to one ledger, or what a killed command leaves on
disk, needs images but not the diffusers engine. On the fake engine every play (concept, lock,
volume, release) runs as it does on tiny, and a ``pressroom`` subprocess never imports torch
(about 2 CPU seconds instead of 10). Tests about the engine itself keep the tiny model.
"""

from __future__ import annotations

import re
import tomllib

from pressroom.engines import tiny
from pressroom.plays import models as model_plays
from pressroom.store import models

NAME = "quick"


def default_to_fake(studio, name: str = NAME, size: int = 64) -> None:
    """Register the fake-engine model ``name`` and make it the studio's default (its config re-read)."""
    model_plays.add(studio, name, engine="fake", license="apache-2.0", commercial=True, size=size)
    config = studio.root / "pressroom.toml"
    text, changed = re.subn(r'(?m)^default_model = "[^"]*"$', f'default_model = "{name}"', config.read_text())
    assert changed == 1, text
    config.write_text(text)
    studio.config = tomllib.loads(config.read_text())
    assert studio.default_model == name


def default_to_quick(studio, snapshots) -> None:
    """The test's studio with ``quick`` (64 px, the fake engine) as its default model: registered for
    real once per test worker, put back after that (``snapshots.py``), so that the same playbook
    run on it afterwards is saved and put back too."""
    snapshots.reuse(studio, "quick", lambda: default_to_fake(studio))


def small_tiny(studio, size: int = 64) -> None:
    """The built-in tiny model registered in ``studio``, drawing at ``size`` px where a command names
    no size (it draws at 256 otherwise: sixteen times the pixels, which no test's point depends on)."""
    tiny.ensure(studio)
    manifest = studio.root / "models" / f"{models.TINY}.toml"
    text, changed = re.subn(r"(?m)^size = 256$", f"size = {size}", manifest.read_text(), count=1)
    assert changed == 1, text
    manifest.write_text(text)
