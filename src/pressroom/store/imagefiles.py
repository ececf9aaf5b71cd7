"""Every image pressroom reads is opened here: a file a user names, or one from the studio's store.

The header is read first and the pixel count checked against ``MAX_PIXELS`` (the one limit for
the whole project) before any pixel is decoded, so a decompression bomb (a small file that
unpacks to gigabytes) costs nothing. A missing file, a folder, a file that is no image, a
truncated or corrupt one: each ends as one error naming the file and what to do, never a
traceback from Pillow.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pressroom.errors import InputError, NotFound

if TYPE_CHECKING:
    from PIL.Image import Image

# the most pixels any image may have: 8192 x 8192, a 4x upscale of a 2048 px image
MAX_SIDE = 8192
MAX_PIXELS = MAX_SIDE * MAX_SIDE

# what Pillow raises for damaged data, depending on the format's plugin
DAMAGED = (OSError, ValueError, SyntaxError, EOFError, struct.error, IndexError)


def _name(source: Path | bytes, what: str) -> str:
    return what if isinstance(source, (bytes, bytearray)) else f"{what} {source}"


def check_size(
    width: int, height: int, name: str = "the image", field: str | None = None, fix: str = "use a smaller image"
) -> None:
    """Refuse an image over the project's pixel limit (also for images pressroom is asked to make)."""
    if width * height > MAX_PIXELS:
        raise InputError(
            f"{name} is {width}x{height} pixels, over pressroom's limit of {MAX_PIXELS:,} "
            f"({MAX_SIDE}x{MAX_SIDE}); {fix}",
            field=field,
        )


@contextmanager
def opened(
    source: Path | bytes, what: str = "image", *, field: str | None = None, hint: str = "give a PNG, JPEG or WebP"
) -> Iterator[Image]:
    """The image at ``source`` (a path, or the file's bytes), its header read and its size checked,
    no pixel decoded yet; ``hint`` says what to give instead of a file that is no image. Decoding
    failures inside the block are the caller's to handle."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    name = _name(source, what)
    try:
        with warnings.catch_warnings():
            # Pillow warns (and past twice its own limit refuses) on huge headers; ours is lower
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else Path(source))
    except FileNotFoundError:
        raise NotFound(f"{name} does not exist", field=field) from None
    except IsADirectoryError:
        raise InputError(f"{name} is a folder; give an image file", field=field) from None
    except PermissionError:
        raise InputError(f"{name} cannot be read (permission denied)", field=field) from None
    except Image.DecompressionBombError:
        raise InputError(
            f"{name} declares more pixels than pressroom's limit of {MAX_PIXELS:,} "
            f"({MAX_SIDE}x{MAX_SIDE}); use a smaller image",
            field=field,
        ) from None
    except UnidentifiedImageError:
        raise InputError(f"{name} is not a readable image; {hint}", field=field) from None
    except DAMAGED as exc:
        raise InputError(f"{name} cannot be read as an image ({exc}); {hint}", field=field) from None
    with image:
        check_size(image.width, image.height, name, field)
        yield image


def load(
    source: Path | bytes, what: str = "image", *, field: str | None = None, hint: str = "give a PNG, JPEG or WebP"
) -> Image:
    """The image at ``source``, checked (see :func:`opened`) and fully decoded."""
    with opened(source, what, field=field, hint=hint) as image:
        try:
            image.load()
        except DAMAGED as exc:
            raise InputError(
                f"{_name(source, what)} is damaged or truncated ({exc}); give an image that opens in a viewer",
                field=field,
            ) from None
        return image


# the files an image may come back in from another tool, by the name Pillow gives their format
ACCEPTED = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "TIFF": "tiff", "PSD": "psd"}
ACCEPTED_WORDS = "PNG, JPEG, WebP, TIFF (8 or 16 bit) or PSD"


@dataclass(frozen=True)
class Incoming:
    """A file from another tool: its pixels in sRGB (8 bit, RGB) and what it was."""

    image: Image
    ext: str  # the extension it is kept under: png, jpg, webp, tiff or psd
    kind: str  # in words: "PNG", "16-bit TIFF", "layered PSD" ...
    profile: str  # the colour profile it carries, by its description ("" when none)


def incoming(data: bytes, what: str = "the file", *, field: str | None = "file") -> Incoming:
    """A file brought back from another tool: PNG, JPEG, WebP, TIFF (8 or 16 bit) or PSD (its
    flattened composite), read and converted to sRGB from the colour profile it carries. The file
    itself is kept as it came; only the pixels pressroom shows and renders are converted. Any other
    file is refused in one line naming the formats."""
    hint = f"bring it back as a {ACCEPTED_WORDS}"
    with opened(data, what, field=field, hint=hint) as image:
        fmt = image.format or ""
        if fmt not in ACCEPTED:
            raise InputError(f"{what} is a {fmt or 'file of another kind'}; {hint}", field=field)
        deep = image.mode.startswith("I;16")
        try:
            if fmt == "PSD":
                picture, icc, layers = _psd(data)
            else:
                image.load()
                picture, icc, layers = image, image.info.get("icc_profile"), 0
        except DAMAGED as exc:
            raise InputError(f"{what} is damaged or truncated ({exc}); {hint}", field=field) from None
        bits = _bits(data, fmt) if fmt in ("TIFF", "PNG") else 8
        kind = {"JPEG": "JPEG", "WEBP": "WebP"}.get(fmt, fmt)
        if bits > 8 or deep:
            kind = f"16-bit {kind}"
        if layers > 1:
            kind = f"layered {kind} ({layers} layers)"
        converted, profile = to_srgb(picture, icc, what, field)
        return Incoming(converted, ACCEPTED[fmt], kind, profile)


def _psd(data: bytes):
    """A PSD's flattened composite, its ICC profile and how many layers it has."""
    from psd_tools import PSDImage
    from psd_tools.constants import Resource

    psd = PSDImage.open(io.BytesIO(data))
    icc = psd.image_resources.get_data(Resource.ICC_PROFILE) if psd.image_resources else None
    return psd.composite(), icc, len(list(psd.descendants()))


def _bits(data: bytes, fmt: str) -> int:
    """Bits per channel as the file declares them (Pillow reads 16-bit colour into 8 bits)."""
    if fmt == "PNG" and len(data) > 25:
        return data[24]
    if fmt == "TIFF":
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            declared = image.tag_v2.get(258, (8,))
            return max(declared) if isinstance(declared, tuple) else int(declared)
    return 8


def to_srgb(image: Image, icc: bytes | None, what: str = "the file", field: str | None = "file") -> tuple[Image, str]:
    """``image`` as 8-bit RGB in sRGB, converted from its ICC profile ``icc`` (none: taken as sRGB);
    returns it and the profile's description."""
    from PIL import Image as PILImage
    from PIL import ImageCms

    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):  # 16-bit greyscale: scaled to 8 bits
        import numpy as np

        values = np.asarray(image, dtype=np.float64)
        image = PILImage.fromarray(np.clip(values / 257.0, 0, 255).astype("uint8"), "L")
    if not icc:
        return image.convert("RGB"), ""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        name = (ImageCms.getProfileDescription(source) or "").strip()
        base = image.convert("RGB") if image.mode not in ("RGB", "CMYK", "L") else image
        converted = ImageCms.profileToProfile(
            base, source, ImageCms.createProfile("sRGB"), renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError) as exc:
        raise InputError(
            f"{what} carries a colour profile pressroom cannot read ({exc}); save it with an RGB profile",
            field=field,
        ) from None
    return converted, name
