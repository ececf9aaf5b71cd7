"""Reading a file a person named (a brief, a card, a mask): each way it can fail is one error.

A missing file is ``NotFound``; a folder, an unreadable file or text that is not UTF-8 is an
``InputError`` that says which file and what to give instead. Images are read by
:mod:`.imagefiles`, which also checks their size.
"""

from __future__ import annotations

from pathlib import Path

from pressroom.errors import InputError, NotFound


def read_bytes(path: Path, what: str, *, hint: str = "") -> bytes:
    """The bytes of the file ``path``, named ``what`` in errors; ``hint`` is added when it is missing."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise NotFound(f"{what} {path} does not exist" + (f"; {hint}" if hint else "")) from None
    except IsADirectoryError:
        raise InputError(f"{what} {path} is a folder; give a file") from None
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def read_text(path: Path, what: str, *, hint: str = "") -> str:
    """The text of the UTF-8 file ``path`` (see :func:`read_bytes`)."""
    data = read_bytes(path, what, hint=hint)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{what} {path} is not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x}); save it as UTF-8"
        ) from None
