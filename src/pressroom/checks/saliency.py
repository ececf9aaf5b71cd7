"""The subject of an image: where the eye goes, as one box, found by spectral residual saliency.

The spectral residual method (Hou and Zhang, CVPR 2007): on a small grey copy of the image, the log
amplitude spectrum minus its local average is what is unexpected in the picture; transformed back
with the original phase it lights up what stands out from its surroundings. The brightest connected
region of that map, above three times its mean, is the subject when it holds most of the map's
weight. A picture where nothing stands out (an even texture, a blank frame, soft colour fields) has
no subject box.

The release preview uses the box to warn when a channel's crop cuts into the subject.
"""

from __future__ import annotations

SIDE = 64  # the longest side of the grey copy the map is computed on
LEAST = 0.01  # a region smaller than this share of the picture is a detail, not the subject
MOST = 0.6  # above this share, nothing stands out: everything is "salient"
STANDS_OUT = 0.65  # the share of the map's weight the bright region must hold to be a subject


def box(image) -> tuple[int, int, int, int] | None:
    """The subject's box (x, y, w, h) in the image's pixels, or None where nothing stands out."""
    import cv2
    import numpy as np

    scale = SIDE / max(image.width, image.height)
    size = (max(8, round(image.width * scale)), max(8, round(image.height * scale)))
    grey = np.asarray(image.convert("L").resize(size), dtype=np.float64) / 255.0
    spectrum = np.fft.fft2(grey)
    log_amplitude = np.log(np.abs(spectrum) + 1e-9)
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3))
    glow = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    glow = cv2.GaussianBlur(glow, (0, 0), 2.0)
    if not glow.max() > 0:
        return None
    mask = (glow > 3 * glow.mean()).astype(np.uint8)
    if not LEAST <= mask.mean() <= MOST or glow[mask > 0].sum() < STANDS_OUT * glow.sum():
        return None
    count, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(mask, np.ones((5, 5), np.uint8)))
    largest = max((row[4] for row in stats[1:]), default=0)
    if largest < LEAST * mask.size:
        return None
    # the subject: the largest region and those at least a quarter its size (the edges of one thing)
    parts = [row for row in stats[1:] if row[4] >= largest / 4]
    left, top = min(row[0] for row in parts), min(row[1] for row in parts)
    right, bottom = max(row[0] + row[2] for row in parts), max(row[1] + row[3] for row in parts)
    sx, sy = image.width / size[0], image.height / size[1]
    return int(left * sx), int(top * sy), max(1, round((right - left) * sx)), max(1, round((bottom - top) * sy))


def outside(crop: list[int], subject: tuple[int, int, int, int]) -> float:
    """The share of the subject box (x, y, w, h) that falls outside ``crop`` (left, top, right, bottom)."""
    left, top, right, bottom = crop
    x, y, w, h = subject
    kept_w = max(0, min(x + w, right) - max(x, left))
    kept_h = max(0, min(y + h, bottom) - max(y, top))
    return 1 - (kept_w * kept_h) / (w * h)
