"""Creating a studio: its folder and ledger, its signing chain and the built-in models."""

from __future__ import annotations

from pathlib import Path

from pressroom.errors import ModelError
from pressroom.ledger import db
from pressroom.store import models, signing
from pressroom.store.studio import ENV_VAR as ENV_VAR  # the variable naming the studio a process serves
from pressroom.store.studio import Studio

POOL_SIZE, POOL_OVERFLOW = db.POOL_SIZE, db.POOL_OVERFLOW  # the ledger connections a process keeps, and opens beyond


def create(path: Path, *, name: str | None = None, database_url: str | None = None) -> dict:
    """A new studio, ready to use: its ledger, its signing chain and the built-in sketch model (the
    built-in tiny model is made the first time it is used: building it needs torch, and takes seconds)."""
    made: dict = {}

    def finish(studio: Studio) -> None:
        made["keys"] = signing.create(studio)  # nothing was signed yet: a resumed init makes a new chain
        notes = []
        try:
            sketch = models.ensure_sketch(studio)
            notes.append(
                f"built-in model sketch registered ({sketch.ref().short_hash}; the default: draws "
                "the subjects, backgrounds and places a prompt names)"
            )
        except ModelError as exc:
            notes.append(f"sketch model not registered: {exc}")
        notes.append("built-in model tiny: made the first time it is used (random weights, noise-like images)")
        made["note"] = "; ".join(notes)

    studio = Studio.init(path, name=name, database_url=database_url, finish=finish)
    keys, note = made["keys"], made["note"]
    return {
        "studio": str(studio.root),
        "ledger": studio.ledger_label,
        "assets": str(studio.assets.root),
        "keys": str(keys),
        "note": note,
    }


def open(path: Path) -> Studio:  # noqa: A001 - a studio is opened, as a file is
    """The studio in the folder ``path`` (a server process opens the one it serves)."""
    return Studio(path)


def find(path: Path | None = None) -> Studio:
    """The studio a command names (``--studio``), else the one ``PRESSROOM_STUDIO`` names, else the
    one the working folder is in; StudioError if there is none."""
    return Studio.find(path)
