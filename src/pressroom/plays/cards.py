"""Exporting an image's recipe card: the card file, with the images its recipe reads beside it."""

from __future__ import annotations

from pathlib import Path

from pressroom.errors import InputError
from pressroom.jobs.generations import get
from pressroom.plays import imports
from pressroom.store import files
from pressroom.store.cards import images_beside, stored_facts, write
from pressroom.store.studio import Studio


def export(studio: Studio, generation_id: int, output: str | Path | None = None) -> Path:
    """Write the card of a stored generation; default path ``<studio>/cards/gen-<id>.toml``.

    ``output`` is where a person asked for it (``-o``): checked before anything else is done. A card
    written out of the studio takes the images its recipe reads (a parent, a mask, reference images)
    along, beside it in ``images_beside(card)``, so it reproduces where the studio is not."""
    if output is not None:
        files.target(output, field="output")
    row = get(studio, generation_id)
    kept = output is None
    path = studio.cards_dir / f"gen-{row.id}.toml" if kept else output
    recipe = row.parsed_recipe()
    if not kept and recipe.references:
        folder = images_beside(Path(path).expanduser())
        try:
            folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"cannot make {folder} for the images the card reads: {exc.strerror or exc}; "
                "write the card somewhere else",
                field="output",
            ) from None
        for sha in recipe.references:
            stored = studio.assets.find(sha)
            if stored is not None:
                files.write(folder / stored.name, stored.read_bytes(), field="output")
    with studio.session() as session:
        origin = imports.card_of(session, row)
    return write(
        path,
        recipe,
        **stored_facts(row),
        origin=origin,
        scratch=studio.root if kept else None,
        field=None if kept else "output",
    )
