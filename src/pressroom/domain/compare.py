"""Image fingerprints and the reproduction verdict.

- exact: the decoded pixels are identical (compared by the SHA-256 of the pixel array, so
  metadata and PNG compression do not matter);
- close: pHash and dHash distance <= 4 and SSIM >= 0.98 (a working threshold: JPEG q95 gives
  SSIM about 0.97, a 2 px shift about 0.69, a different image a pHash distance near 36);
- different: anything else.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

CLOSE_HASH_DISTANCE = 4
CLOSE_SSIM = 0.98


@dataclass(frozen=True)
class Fingerprint:
    pixel_sha256: str
    phash: str
    dhash: str


def pixel_sha256(image: Image) -> str:
    """SHA-256 of the decoded RGB pixels, prefixed with the size so shapes cannot collide."""
    import numpy as np

    rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    digest = hashlib.sha256(f"{rgb.shape[1]}x{rgb.shape[0]}:RGB8:".encode())
    digest.update(rgb.tobytes())
    return digest.hexdigest()


def fingerprint(image: Image) -> Fingerprint:
    import imagehash

    return Fingerprint(pixel_sha256(image), str(imagehash.phash(image)), str(imagehash.dhash(image)))


def hash_distance(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


@dataclass(frozen=True)
class Comparison:
    verdict: str  # exact | close | different
    pixels_identical: bool
    ssim: float | None
    phash_distance: int
    dhash_distance: int
    max_pixel_difference: int | None
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def _verdict(identical: bool, phash: int, dhash: int, ssim: float | None) -> str:
    if identical:
        return "exact"
    if ssim is not None and phash <= CLOSE_HASH_DISTANCE and dhash <= CLOSE_HASH_DISTANCE and ssim >= CLOSE_SSIM:
        return "close"
    return "different"


def compare(produced: Image, expected: Image) -> Comparison:
    import numpy as np
    from skimage.metrics import structural_similarity

    a = np.asarray(produced.convert("RGB"), dtype=np.uint8)
    b = np.asarray(expected.convert("RGB"), dtype=np.uint8)
    fa, fb = fingerprint(produced), fingerprint(expected)
    ph, dh = hash_distance(fa.phash, fb.phash), hash_distance(fa.dhash, fb.dhash)
    if a.shape != b.shape:
        return Comparison(
            "different",
            False,
            0.0,
            ph,
            dh,
            None,
            f"sizes differ: {a.shape[1]}x{a.shape[0]} vs {b.shape[1]}x{b.shape[0]}",
        )
    identical = fa.pixel_sha256 == fb.pixel_sha256
    ssim = 1.0 if identical else float(structural_similarity(a, b, channel_axis=2, data_range=255))
    diff = int(np.abs(a.astype(np.int16) - b.astype(np.int16)).max())
    return Comparison(_verdict(identical, ph, dh, ssim), identical, round(ssim, 6), ph, dh, diff)


def compare_to_fingerprint(produced: Image, expected: Fingerprint) -> Comparison:
    """Compare when only the expected image's hashes are known: SSIM cannot be measured."""
    got = fingerprint(produced)
    identical = got.pixel_sha256 == expected.pixel_sha256
    ph = hash_distance(got.phash, expected.phash) if expected.phash else 64
    dh = hash_distance(got.dhash, expected.dhash) if expected.dhash else 64
    note = (
        ""
        if identical
        else ("the original image was not found, so SSIM is unknown; give the expected image to measure it")
    )
    return Comparison(
        _verdict(identical, ph, dh, 1.0 if identical else None),
        identical,
        1.0 if identical else None,
        ph,
        dh,
        0 if identical else None,
        note,
    )
