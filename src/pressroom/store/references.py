"""Reference images that condition a recipe: taken in, stored, and named on its card.

``--reference NAME:FILE[:WEIGHT]`` names a registered adapter (``adapters.py``) or ``img2img``, the
reference image, and its weight: the IP-Adapter's scale (default 0.6), the ControlNet's conditioning
scale (default 1.0) or the img2img strength (default 0.6). The image is kept in the studio's asset
store by the SHA-256 of its file. For a canny ControlNet pressroom computes the edge map here, with
OpenCV, once: the map is stored too and the card names its hash, so reproducing an image never
depends on the OpenCV version. A depth or pose ControlNet is given its map as the reference itself.

A volume run may vary the recipe's first reference (``--slot reference`` at lock-in, then ``--vary
reference=FILE`` per product shot): each file is stored, its map computed, and the image identified
by the reference's SHA-256. Through the API a reference is uploaded first (``upload``) and then
named by its SHA-256 wherever a file would be.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from pressroom.domain.recipes import Recipe, Reference, check_denoising
from pressroom.errors import InputError
from pressroom.store import adapters, imagefiles, ledgerfiles, userfiles

if TYPE_CHECKING:
    from PIL import Image
    from sqlalchemy.orm import Session

    from pressroom.store.studio import Studio

SLOT = "reference"  # the volume slot that varies the recipe's first reference
IMG2IMG = "img2img"
DEFAULT_WEIGHT = {"img2img": 0.6, "ip-adapter": 0.6, "controlnet": 1.0}
CANNY = (100, 200)  # OpenCV's low and high hysteresis thresholds
FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}


def parse(option: str) -> tuple[str, Path, float | None]:
    """``NAME:FILE[:WEIGHT]`` as the adapter's name (or img2img), the file and the weight."""
    name, sep, rest = option.partition(":")
    if not sep or not name.strip() or not rest.strip():
        raise InputError(
            f"reference {option!r} must look like NAME:FILE[:WEIGHT], e.g. img2img:shoe.png:0.6 or "
            "a registered adapter's name: style-ip:mood.jpg:0.5",
            field="reference",
        )
    path, sep, weight = rest.rpartition(":")
    if not sep:
        return name.strip(), Path(rest), None
    try:
        return name.strip(), Path(path), float(weight)
    except ValueError:
        raise InputError(
            f"reference {option!r}: the weight after the last ':' must be a number, e.g. {name}:{path}:0.6",
            field="reference",
        ) from None


def canny_map(image: Image.Image, thresholds: tuple[int, int] = CANNY) -> bytes:
    """The canny edge map of an image as an RGB PNG (white edges on black)."""
    import cv2
    import numpy as np
    from PIL import Image

    edges = cv2.Canny(np.asarray(image.convert("L")), *thresholds)
    out = io.BytesIO()
    Image.fromarray(np.stack([edges] * 3, axis=-1)).save(out, "PNG")
    return out.getvalue()


def keep(studio: Studio, session: Session, data: bytes, what: str) -> tuple[str, Image.Image]:
    """A reference image checked (readable, a PNG, JPEG or WebP, within the pixel limit) and stored
    in this transaction as it was given; its SHA-256 and the decoded image."""
    image = imagefiles.load(data, what, field="reference")
    ext = FORMATS.get(image.format or "")
    if ext is None:
        raise InputError(f"{what} is not a PNG, JPEG or WebP image; convert it first", field="reference")
    return ledgerfiles.put(studio, session, data, ext, "reference"), image


def read(studio: Studio, file: str) -> tuple[bytes, str]:
    """A reference's bytes and how errors name it: a file, or (from the API) a stored reference's SHA-256."""
    if ledgerfiles.SHA256.fullmatch(file) and (stored := studio.assets.find(file)) is not None:
        return stored.read_bytes(), f"stored reference {file[:12]}"
    return userfiles.read_bytes(Path(file), "reference image"), f"reference image {file}"


def take(studio: Studio, session: Session, template: Reference, data: bytes, what: str) -> Reference:
    """``template`` with its image (and, for a ControlNet, its control map) made from ``data``,
    both stored in this transaction."""
    image_sha, image = keep(studio, session, data, what)
    control, canny = None, None
    if template.role == "controlnet":
        if template.adapter.control == "canny":
            canny = list(template.canny or CANNY)
            control = ledgerfiles.put(studio, session, canny_map(image, tuple(canny)), "png", "control")
        else:  # a depth or pose map, supplied as the reference
            control = image_sha
    return template.model_copy(update={"image_sha256": image_sha, "control_sha256": control, "canny": canny})


def build(studio: Studio, session: Session, options: list[str]) -> list[Reference]:
    """The references ``--reference`` options name, their files stored."""
    built = []
    for option in options:
        name, path, weight = parse(option)
        if name == IMG2IMG:
            role, adapter = IMG2IMG, None
        else:
            adapter = adapters.REGISTRY.load(studio, name).ref()
            role = adapter.kind
        weight = DEFAULT_WEIGHT[role] if weight is None else weight
        try:
            template = Reference(
                role=role,
                image_sha256="0" * 64,
                weight=weight,
                adapter=adapter,
                control_sha256="0" * 64 if role == "controlnet" else None,
            )
        except ValueError as exc:
            raise InputError(f"reference {option!r}: {_reason(exc)}", field="reference") from None
        built.append(take(studio, session, template, *read(studio, str(path))))
    roles = [reference.role for reference in built]
    for role in set(roles):
        if roles.count(role) > 1:
            raise InputError(f"a recipe takes one {role} reference; {roles.count(role)} were given", field="reference")
    return built


def _reason(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if errors:
        return "; ".join(e["msg"].removeprefix("Value error, ") for e in errors())
    return str(exc)


def with_references(recipe: Recipe, conditioning: list[Reference]) -> Recipe:
    """``recipe`` conditioned by ``conditioning`` (replacing a reference of the same role), its
    ``references`` naming every stored image it reads; an img2img strength that leaves none of its
    steps to denoise is refused."""
    kept = list(recipe.conditioning)
    for reference in conditioning:  # in place of the same role's, so the first stays first
        roles = [r.role for r in kept]
        if reference.role in roles:
            kept[roles.index(reference.role)] = reference
        else:
            kept.append(reference)
    for reference in kept:
        if reference.role == IMG2IMG:
            check_denoising(reference.weight, recipe.steps, "img2img strength", "reference")
    stored = list(dict.fromkeys([sha for r in kept for sha in (r.image_sha256, r.control_sha256) if sha]))
    return recipe.model_copy(update={"conditioning": kept, "references": stored})


def varied(studio: Studio, session: Session, recipe: Recipe, data: bytes, what: str) -> Recipe:
    """``recipe`` with its first reference's image replaced by ``data`` (a volume slot value)."""
    if not recipe.conditioning:
        raise InputError(
            "this recipe has no reference image to vary; lock a version with a reference image first", field="vary"
        )
    first = take(studio, session, recipe.conditioning[0], data, what)
    return with_references(recipe, [first])
