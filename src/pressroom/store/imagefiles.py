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
