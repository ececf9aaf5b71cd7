"""Writing a file: whole or not at all, and never through a link or over what is not a file.

``write`` is the one way pressroom puts a file on disk, inside the studio (assets, manifests,
keys, released files) or where a person asked (``-o``). The bytes go to a temporary file,
are flushed to disk, and the temporary file is renamed over the target, so a reader or a crash
sees the old file or the new one, never half. The target is looked at first without following
links: a symbolic link, a folder, a FIFO, a device or a socket is refused, never replaced (as
root, ``-o /dev/null`` would otherwise swap the device for a file), and the rename replaces a
name, not what a link points to. The temporary file is made next to the target, or in the
studio's temporary folder (``scratch``) when the studio is given, so that a sweep finds what a
killed process left.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pressroom.errors import InputError, Unavailable


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def target(path: str | os.PathLike, *, field: str | None = None) -> Path:
    """``path`` checked as a place to write a file: its folder exists, and it is absent or a regular file."""
    text = os.fspath(path)
    if not text.strip():
        raise InputError(f"{field or 'the output path'} is empty; name a file to write", field=field)
    where = Path(text).expanduser()
    try:
        found = os.lstat(where)
    except FileNotFoundError:
        found = None
    except OSError as exc:
        raise InputError(f"cannot write {where}: {exc.strerror}", field=field) from None
    if found is not None:
        if stat.S_ISLNK(found.st_mode):
            raise InputError(
                f"{where} is a symbolic link; pressroom does not write through links: name the "
                "file itself or a new path",
                field=field,
            )
        if stat.S_ISDIR(found.st_mode):
            raise InputError(f"{where} is a folder; name a file inside it, e.g. {where / 'out'}", field=field)
        if not stat.S_ISREG(found.st_mode):
            raise InputError(
                f"{where} is not a regular file (a FIFO, device or socket); name a regular file to write", field=field
            )
    parent = where.parent
    if not parent.is_dir():
        raise InputError(f"cannot write {where}: the folder {parent} does not exist; create it first", field=field)
    return where


def write(
    path: str | os.PathLike,
    data: bytes,
    *,
    scratch: Path | None = None,
    private: bool = False,
    field: str | None = None,
) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path written.

    ``scratch``: the studio folder whose temporary place holds the temporary file; the write is
    then the studio's own, and missing folders on the way to the target are made. ``private``: the file is readable by its owner
    only, from the moment it exists (a key). ``field``: the input that named the path, for errors.
    """
    if scratch is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    where = target(path, field=field)
    try:
        fd, tmp = _temporary(where, scratch)
    except OSError as exc:
        raise _failed(where, exc, field) from exc
    try:
        if not private:
            os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; stored files are for the whole team
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        target(where, field=field)  # still not a link or a device (it may have changed meanwhile)
        os.replace(tmp, where)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _failed(where, exc, field) from exc
        raise
    dir_fd = os.open(where.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return where


def _temporary(where: Path, scratch: Path | None) -> tuple[int, str]:
    if scratch is not None:
        from pressroom.store import scratch as places

        fd, tmp = places.file(scratch, where.suffix)
        if os.stat(tmp).st_dev == os.stat(where.parent).st_dev:
            return fd, str(tmp)
        os.close(fd)  # another disk: a rename cannot cross it, so the temporary file goes next to the target
        tmp.unlink()
    return tempfile.mkstemp(dir=where.parent, prefix=".tmp-", suffix=where.suffix)


@contextmanager
def room(path: Path) -> Iterator[None]:
    """Turn a full disk (or a spent quota) met while writing under ``path`` into one error."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise _failed(path, exc, None) from exc


def _failed(where: Path, exc: OSError, field: str | None) -> Exception:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return Unavailable(
            f"the disk holding {where} is full: nothing was written there; free some space and "
            "run the same command again",
            field=field,
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return InputError(f"cannot write {where}: {exc.strerror}; choose a place you may write to", field=field)
    return InputError(f"cannot write {where}: {exc.strerror or exc}", field=field)
