"""Large-format proofing: is there enough resolution for this print size at this viewing distance?

A print viewed from d inches needs about 6875 / d ppi (so 5 ft ≈ 115 ppi; 300 dpi is the
small-format norm). The proof reports the ppi the image reaches at the asked size and writes
crops of its most detailed regions as they will print, for the reviewer to inspect at 1:1.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

from pressroom.errors import InputError, Refused
from pressroom.jobs import generations
from pressroom.store import files, imagefiles

if TYPE_CHECKING:
    from pressroom.context import Context

PER_INCH = {"in": 1.0, "ft": 12.0, "cm": 1 / 2.54, "mm": 1 / 25.4, "m": 100 / 2.54}
VIEWING_CONSTANT = 6875.0
TILE = 64
NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"  # 5, 5.5, .5 (never 1.2.3)
LARGEST_IN = 12 * 1000  # a thousand feet: past any billboard or viewing distance
MAX_CROPS = 32
# a 1:1 crop is a TILE square enlarged to print size: at most the project's pixel limit
MAX_CROP_SCALE = imagefiles.MAX_SIDE // TILE


def _measure(number: str, unit: str, what: str, text: str, field: str) -> float:
    inches = float(number) * PER_INCH[unit]
    if not 0 < inches <= LARGEST_IN:
        raise InputError(f"{what} {text!r} must be more than 0 and at most {LARGEST_IN // 12} ft", field=field)
    return inches


def _inches(text: str, what: str) -> float:
    match = re.fullmatch(rf"\s*{NUMBER}\s*(in|ft|cm|mm|m)\s*", text)
    if not match:
        raise InputError(f"{what} {text!r} needs a number and a unit (in, ft, cm, mm, m), e.g. 5ft", field="distance")
    return _measure(match.group(1), match.group(2), what, text, "distance")


def parse_size(text: str) -> tuple[float, float]:
    match = re.fullmatch(rf"\s*{NUMBER}\s*x\s*{NUMBER}\s*(in|cm|mm)\s*", text)
    if not match:
        raise InputError(f"size {text!r} must look like 36x48in or 90x120cm", field="size")
    return (
        _measure(match.group(1), match.group(3), "size", text, "size"),
        _measure(match.group(2), match.group(3), "size", text, "size"),
    )


def needed_ppi(distance_in: float) -> float:
    return VIEWING_CONSTANT / distance_in


def detailed_regions(image, count: int) -> list[tuple[int, int, int, int, float]]:
    """The ``count`` most detailed TILE-pixel squares (by Laplacian variance), not overlapping."""
    import cv2
    import numpy as np

    gray = cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2GRAY)
    lap = cv2.Laplacian(gray, cv2.CV_64F)
    tile = min(TILE, image.width, image.height)
    scored = [
        (float(lap[y : y + tile, x : x + tile].var()), x, y)
        for y in range(0, image.height - tile + 1, tile)
        for x in range(0, image.width - tile + 1, tile)
    ]
    scored.sort(reverse=True)
    return [(x, y, x + tile, y + tile, round(score, 1)) for score, x, y in scored[:count]]


def proof(ctx: Context, generation_id: int, size: str, distance: str, crops: int = 3) -> dict:
    """The large-format proof of an image: its ppi at a print size against a viewing distance, and 1:1 crops."""
    from PIL import Image

    studio = ctx.studio
    width_in, height_in = parse_size(size)
    distance_in = _inches(distance, "distance")
    if not 0 <= crops <= MAX_CROPS:
        raise InputError(f"crops must be 0 to {MAX_CROPS} (got {crops})", field="crops")
    row = generations.get(studio, generation_id)
    image = imagefiles.load(row.path(studio), f"generation {row.id}'s file")
    if (image.width > image.height) != (width_in > height_in) and image.width != image.height:
        width_in, height_in = height_in, width_in  # print in the image's orientation
    ppi = min(image.width / width_in, image.height / height_in)
    needed = needed_ppi(distance_in)
    scale = max(1.0, needed / ppi)
    if crops and scale > MAX_CROP_SCALE:
        nearest = VIEWING_CONSTANT / (ppi * MAX_CROP_SCALE)
        raise Refused(
            f"at {distance} the 1:1 crops would be enlarged {scale:.0f}x, more than {MAX_CROP_SCALE}x; "
            f"judge from {nearest:.1f} in or further, or ask for 0 crops for the figures alone",
            field="crops",
        )
    folder = studio.inside(Path("proofs") / f"gen-{row.id}", "the proof folder")
    written = []
    for index, (x0, y0, x1, y1, detail) in enumerate(detailed_regions(image, crops), 1):
        region = image.crop((x0, y0, x1, y1))
        printed = region.resize((round(region.width * scale), round(region.height * scale)), Image.Resampling.LANCZOS)
        path = folder / f"crop-{index}.png"
        buffer = io.BytesIO()
        printed.save(buffer, format="PNG")
        files.write(path, buffer.getvalue(), scratch=studio.root)
        written.append({"path": str(path), "box": [x0, y0, x1, y1], "detail": detail})
    return {
        "generation": row.id,
        "pixels": f"{image.width}x{image.height}",
        "size_in": f"{width_in:g}x{height_in:g}",
        "distance_in": round(distance_in, 1),
        "ppi": round(ppi, 1),
        "needed_ppi": round(needed, 1),
        "enough": ppi >= needed,
        "upscale_needed": round(needed / ppi, 2) if ppi < needed else 1.0,
        "crops": written,
    }
