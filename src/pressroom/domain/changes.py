"""What changed between two versions of an image: the share of pixels changed and a heat map.

The earlier image is resized (Lanczos) to the later one's size first, so an upres compares too.
A pixel counts as changed when any of its channels differs by more than ``TOLERANCE`` of 255:
a re-encode or a resize moves values by a step or two, a retouch by far more. The heat map shows
the difference (the largest of the three channels) from black (none) through red and yellow to
white (the most).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

TOLERANCE = 8  # of 255


@dataclass(frozen=True)
class Changes:
    share: float  # of the later image's pixels, 0 to 1
    width: int
    height: int
    resized: bool  # the earlier image was resized to compare

    def in_words(self) -> str:
        return f"{self.share * 100:.1f} % of pixels changed"


def _difference(earlier: Image, later: Image):
    import numpy as np
    from PIL import Image as PILImage

    before = earlier.convert("RGB")
    if before.size != later.size:
        before = before.resize(later.size, PILImage.Resampling.LANCZOS)
    a = np.asarray(before, dtype=np.int16)
    b = np.asarray(later.convert("RGB"), dtype=np.int16)
    return np.abs(a - b).max(axis=2)


def changes(earlier: Image, later: Image) -> Changes:
    difference = _difference(earlier, later)
    return Changes(float((difference > TOLERANCE).mean()), later.width, later.height, earlier.size != later.size)


def heat_map(earlier: Image, later: Image) -> Image:
    """|later - earlier| as a heat map at the later image's size."""
    import numpy as np
    from PIL import Image as PILImage

    t = _difference(earlier, later).astype(np.float32) / 255.0
    t = np.clip(t * 3.0, 0.0, 1.0)  # small edits should show: a third of the range is full heat
    red = np.clip(t * 3.0, 0.0, 1.0)
    green = np.clip(t * 3.0 - 1.0, 0.0, 1.0)
    blue = np.clip(t * 3.0 - 2.0, 0.0, 1.0)
    rgb = (np.stack([red, green, blue], axis=2) * 255).astype(np.uint8)
    return PILImage.fromarray(rgb, "RGB")
