"""Thumbnails: small WebP files named by their source's SHA-256 and edge, made once, kept in the
studio's ``cache/thumbs`` folder.

A contact sheet of hundreds of images loads these instead of the full files; the name changes
whenever the source's content does, so the server can tell browsers to keep them for a year.
"""

from __future__ import annotations

import io
from pathlib import Path

from pressroom.errors import InputError
from pressroom.store import files, imagefiles
from pressroom.store.studio import Studio

EDGES = (256, 768)  # the longest side: a sheet's tile, a page's large view
FOLDER = Path("cache") / "thumbs"


def thumbnail(studio: Studio, source: Path, sha256: str, edge: int) -> Path:
    """The WebP thumbnail of ``source`` (whose content hash is ``sha256``), at most ``edge`` pixels a side."""
    if edge not in EDGES:
        raise InputError(f"a thumbnail is {' or '.join(map(str, EDGES))} pixels wide, not {edge}", field="edge")
    path = studio.root / FOLDER / f"{sha256}-{edge}.webp"
    if path.is_file():
        return path
    with imagefiles.opened(source, "the image") as image:
        small = image.convert("RGB")
        if max(small.size) > edge:
            small.thumbnail((edge, edge))
        elif max(small.size) < edge // 2:  # a 64-pixel image would be a speck on the sheet: scale it up, crisp
            factor = max(1, edge // 2 // max(small.size))
            small = small.resize((small.width * factor, small.height * factor), resample=0)
        out = io.BytesIO()
        small.save(out, "WEBP", quality=82, method=4)
    return files.write(path, out.getvalue(), scratch=studio.root)
