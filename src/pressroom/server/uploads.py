"""An uploaded image (a file to verify, or to find look-alikes of) as a file of its own for as long
as it is looked at: the API and the pages take uploads the same way."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import UploadFile

from pressroom.errors import InputError, PressroomError

SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


@contextmanager
def uploaded(file: UploadFile) -> Iterator[Path]:
    """An uploaded PNG, JPEG or WebP as a file of its own name in a temporary folder of its own;
    errors about it name the upload, not the server's folder."""
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"file must be a PNG, JPEG or WebP (got {file.filename!r})", field="file")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(file.filename or "").name
        with path.open("wb") as out:
            while chunk := file.file.read(1 << 20):
                out.write(chunk)
        try:
            yield path
        except PressroomError as exc:
            raise type(exc)(str(exc).replace(f"{folder}/", ""), field=exc.field) from None
