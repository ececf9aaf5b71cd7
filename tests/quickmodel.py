"""A studio whose default model runs on the fake engine: for tests about the ledger and the files.

A test that proves what several processes do to one ledger, or what a killed command leaves on
disk, needs images but not the diffusers engine. On the fake engine every play (concept, lock,
volume, release) runs as it does on tiny, and a ``pressroom`` subprocess never imports torch
(about 2 CPU seconds instead of 10). Tests about the engine itself keep the tiny model.
"""

from __future__ import annotations

import tomllib

from pressroom import models

NAME = "quick"


def default_to_quick(studio) -> None:
    """Register the fake-engine model ``quick`` (64 px) and make it the studio's default."""
    models.add(studio, NAME, engine="fake", size=64)
    config = studio.root / "pressroom.toml"
    text = config.read_text()
    assert 'default_model = "tiny"' in text, text
    config.write_text(text.replace('default_model = "tiny"', f'default_model = "{NAME}"'))
    studio.config = tomllib.loads(config.read_text())
    assert studio.default_model == NAME
