"""Post-processing steps and channel renditions: crop, resize, encode.

A recipe's ``post`` list is applied after generation, by reproduction as by release, so a
released rendition reproduces from its recipe like any image. ``encode`` round-trips through
the file format, so the pixels compared are the ones a lossy format really stores.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pressroom.domain import names
from pressroom.domain.recipes import PostStep
from pressroom.errors import InputError
from pressroom.store import imagefiles

if TYPE_CHECKING:
    from PIL.Image import Image

QUALITY = 95


@dataclass(frozen=True)
class Channel:
    name: str
    width: int
    height: int
    dpi: int = 72


CHANNELS = {
    c.name: c
    for c in (
        Channel("instagram-feed", 1080, 1350),
        Channel("instagram-story", 1080, 1920),
        Channel("linkedin", 1200, 628),
        Channel("youtube-thumbnail", 1280, 720),
        Channel("print-a4-300dpi", 2480, 3508, 300),
    )
}


def channels(config: dict) -> dict[str, Channel]:
    """The built-in presets plus ``[channels.NAME] width, height, dpi`` from the studio config."""
    found = dict(CHANNELS)
    for name, spec in config.get("channels", {}).items():
        where = f"[channels.{name}] in pressroom.toml"
        try:
            names.check(name, "channel name", file=True, limit=60)
        except InputError as exc:
            raise InputError(f"[channels] in pressroom.toml: {exc}") from None
        try:
            channel = Channel(name, int(spec["width"]), int(spec["height"]), int(spec.get("dpi", 72)))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{where} needs integer width and height") from exc
        if not (0 < channel.width <= imagefiles.MAX_SIDE and 0 < channel.height <= imagefiles.MAX_SIDE):
            raise InputError(
                f"{where}: width and height must be 1 to {imagefiles.MAX_SIDE} pixels "
                f"(got {channel.width}x{channel.height}); fix the studio's config"
            )
        if not 0 < channel.dpi <= 10_000:
            raise InputError(f"{where}: dpi must be 1 to 10000 (got {channel.dpi}); fix the studio's config")
        found[name] = channel
    return found


def fit(width: int, height: int, target: Channel) -> list[PostStep]:
    """Centre-crop to the channel's aspect, then resize to its size (Lanczos)."""
    aspect = target.width / target.height
    if width / height > aspect:
        crop_w, crop_h = round(height * aspect), height
    else:
        crop_w, crop_h = width, round(width / aspect)
    left, top = (width - crop_w) // 2, (height - crop_h) // 2
    return [
        PostStep(op="crop", params={"box": [left, top, left + crop_w, top + crop_h]}),
        PostStep(op="resize", params={"width": target.width, "height": target.height, "method": "lanczos"}),
    ]


def encode_step(fmt: str) -> PostStep:
    return PostStep(op="encode", params={"format": fmt, **({"quality": QUALITY} if fmt != "png" else {})})


def apply(image: Image, steps: list[PostStep]) -> Image:
    from PIL import Image

    for step in steps:
        p = step.params
        if step.op == "crop":
            image = image.crop(tuple(p["box"]))
        elif step.op == "resize":
            image = image.convert("RGB").resize((p["width"], p["height"]), Image.Resampling.LANCZOS)
        elif step.op == "encode":
            if p["format"] != "png":
                buffer = io.BytesIO()
                image.convert("RGB").save(buffer, format=p["format"].upper(), quality=p["quality"])
                image = imagefiles.load(buffer.getvalue(), f"the {p['format']} encoding").convert("RGB")
        else:
            raise InputError(f"unknown post-processing step {step.op!r}")
    return image
