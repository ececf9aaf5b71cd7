"""Review copies: what a client sees through a guest link, never the file itself.

A copy is at most ``LONG_SIDE`` pixels on its long side, JPEG, with "review copy" drawn into its
pixels in a band across the lower part, so a screenshot or a saved copy says what it is. Made
when asked (a shared image is looked at a few times, not thousands): nothing is kept on disk.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from pressroom.store import imagefiles

LONG_SIDE = 1024
WORDS = "review copy"


def review_copy(source: Path) -> bytes:
    """The JPEG review copy of ``source``: at most ``LONG_SIDE`` px on its long side, marked."""
    with imagefiles.opened(source, "the image") as image:
        copy = image.convert("RGB")
    if max(copy.size) > LONG_SIDE:
        copy.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
    _mark(copy)
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=85)
    return out.getvalue()


def _mark(image: Image.Image) -> None:
    """Draw ``WORDS`` in white on a dark band across the lower part of ``image``, in place."""
    width, height = image.size
    size = max(10, min(width, height) // 12)
    font = ImageFont.load_default(size=size)
    draw = ImageDraw.Draw(image, "RGBA")
    left, top, right, bottom = draw.textbbox((0, 0), WORDS, font=font)
    text_w, text_h = right - left, bottom - top
    pad = max(2, size // 3)
    y = height - text_h - 3 * pad
    draw.rectangle((0, y - pad, width, y + text_h + pad), fill=(0, 0, 0, 150))
    x = 0
    while x < width:  # repeated along the band, so a crop keeps it
        draw.text((x + pad - left, y - top), WORDS, font=font, fill=(255, 255, 255, 230))
        x += text_w + 4 * pad
