"""Contact sheets: a grid of images with a label under each cell, as one PNG."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

CELL = 192
LABEL = 34
PAD = 8


def make(cells: Sequence[tuple[Image, list[str]]], columns: int, title: str = "") -> bytes:
    """Cells of (image, label lines) in rows of ``columns``; returns PNG bytes."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default()
    rows = (len(cells) + columns - 1) // columns
    top = 28 if title else 0
    sheet = Image.new("RGB", (PAD + columns * (CELL + PAD), top + PAD + rows * (CELL + LABEL + PAD)), "white")
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((PAD, 8), title, fill="black", font=font)
    for index, (image, lines) in enumerate(cells):
        x = PAD + (index % columns) * (CELL + PAD)
        y = top + PAD + (index // columns) * (CELL + LABEL + PAD)
        thumb = image.convert("RGB").copy()
        thumb.thumbnail((CELL, CELL))
        sheet.paste(thumb, (x + (CELL - thumb.width) // 2, y + (CELL - thumb.height) // 2))
        for number, line in enumerate(lines[:2]):
            draw.text((x, y + CELL + 3 + number * 14), line[:34], fill="black", font=font)
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG")
    return buffer.getvalue()
