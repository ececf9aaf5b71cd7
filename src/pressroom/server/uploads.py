"""An uploaded image (a file to verify, or to find look-alikes of) as a file of its own for as long
as it is looked at: the API and the pages take uploads the same way."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import UploadFile

from pressroom.errors import InputError, PressroomError

SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
KINDS = "a PNG, JPEG or WebP"
# what an edited image may come back from another tool as (``plays.post``)
POST_SUFFIXES = (*SUFFIXES, ".tif", ".tiff", ".psd")
POST_KINDS = "a PNG, JPEG, WebP, TIFF or PSD"


MAX_NAME = 255  # characters of an upload's file name


def shown_name(file: UploadFile) -> str:
    """The upload's file name, as messages show it: refused when it holds control characters (a NUL
    ...) or is longer than any file system keeps."""
    name = file.filename or ""
    if any(ord(c) < 32 or ord(c) == 127 for c in name) or not name.isprintable():
        raise InputError(
            "file name must not hold control characters; rename the file and upload it again", field="file"
        )
    if len(name) > MAX_NAME:
        raise InputError(f"file name is {len(name)} characters; rename the file to at most {MAX_NAME}", field="file")
    try:
        name.encode()
    except UnicodeEncodeError:
        raise InputError("file name is not valid text; rename the file and upload it again", field="file") from None
    return Path(name).name


@dataclass(frozen=True)
class Upload:
    """An upload kept as a file of the server's naming (``path``) for as long as it is looked at."""

    path: Path
    name: str  # the name it was sent under, as answers show it

    def said(self, value):
        """``value`` (an answer: text, lists, mappings) speaking of the upload by its own name,
        never by where the server keeps it."""
        if isinstance(value, str):
            return value.replace(str(self.path), self.name).replace(f"{self.path.parent}/", "")
        if isinstance(value, dict):
            return {key: self.said(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.said(item) for item in value]
        return value


@contextmanager
def uploaded(file: UploadFile, suffixes: tuple[str, ...] = SUFFIXES, kinds: str = KINDS) -> Iterator[Upload]:
    """An uploaded PNG, JPEG or WebP (or the ``suffixes`` named, ``kinds`` in words) as a file in a
    temporary folder of its own (named by the server, never by the upload); errors about it name
    the upload, not the server's folder."""
    name = shown_name(file)
    suffix = Path(name).suffix.lower()
    if suffix not in suffixes:
        raise InputError(f"file must be {kinds} (got {name!r})", field="file")
    with tempfile.TemporaryDirectory() as folder:
        upload = Upload(Path(folder) / f"upload{suffix}", name)
        with upload.path.open("wb") as out:
            while chunk := file.file.read(1 << 20):
                out.write(chunk)
        try:
            yield upload
        except PressroomError as exc:
            raise type(exc)(upload.said(str(exc)), field=exc.field) from None
