"""Sharpness as the variance of the Laplacian (low means soft or blurred)."""

from __future__ import annotations

from pressroom.checks import Context, Finding

NAME, ITEM = "sharpness", "edges"
SOFT = 100.0


def laplacian_variance(image) -> float:
    import cv2
    import numpy as np

    gray = cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def run(context: Context) -> Finding:
    score = laplacian_variance(context.image)
    large = context.print_size_in is not None
    result = "warn" if score < SOFT and large else "pass"
    detail = f"Laplacian variance {score:.0f}" + (" (soft for large format)" if result == "warn" else "")
    return Finding(NAME, ITEM, result, round(score, 1), detail, "Laplacian of the grey image")
