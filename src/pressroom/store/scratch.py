"""The studio's one place for temporary files, ``<studio>/tmp/``, and the sweep of what crashes left.

Every temporary file or folder a command makes in a studio (an image before it is renamed into
the asset store, the unsigned copy a release signs, the tiny model while it is built) lives
here, named after the process that made it: ``<host>+<pid>+<random>``. A process killed
mid-write leaves its entries behind; ``sweep``, run at the start of every command that makes
them, removes those whose process is gone. Entries a live process owns are left alone, and so
are those of another host (a studio on a shared disk): that host sweeps its own.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FOLDER = "tmp"


def _host() -> str:
    return socket.gethostname().replace("+", "-") or "localhost"


def _prefix() -> str:
    return f"{_host()}+{os.getpid()}+"


def place(root: Path) -> Path:
    """The temporary folder of the studio at ``root`` (made when first needed)."""
    folder = Path(root) / FOLDER
    folder.mkdir(exist_ok=True)
    return folder


def file(root: Path, suffix: str = "") -> tuple[int, Path]:
    """A new temporary file (open descriptor, path), mode 0600, owned by this process."""
    fd, name = tempfile.mkstemp(dir=place(root), prefix=_prefix(), suffix=suffix)
    return fd, Path(name)


@contextmanager
def folder(root: Path) -> Iterator[Path]:
    """A temporary folder owned by this process, removed when the block ends."""
    made = Path(tempfile.mkdtemp(dir=place(root), prefix=_prefix()))
    try:
        yield made
    finally:
        shutil.rmtree(made, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    try:  # a killed process its parent has not reaped yet still answers; it writes nothing more
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def owner(entry: Path) -> tuple[str, int] | None:
    """(host, pid) of the process that made a temporary entry, or None for a name not made here."""
    parts = entry.name.split("+")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1])


def sweep(root: Path) -> list[Path]:
    """Remove the temporary entries of processes on this host that are gone; return them."""
    folder = Path(root) / FOLDER
    if not folder.is_dir():
        return []
    host, removed = _host(), []
    for entry in folder.iterdir():
        made_by = owner(entry)
        if made_by is None or made_by[0] != host or _alive(made_by[1]):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed
