"""The content-addressed asset store: every file is named by the SHA-256 of its bytes.

Layout: ``<store>/<first two hex>/<full hex>.<ext>``. Writes are atomic (temp file in the
same folder, fsync, rename, fsync of the folder), so a crash leaves either the whole file
or nothing under its final name. Writing the same bytes twice is a no-op. A full disk is
one error that says so, and leaves nothing behind.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import Unavailable


@contextmanager
def room(path: Path) -> Iterator[None]:
    """Turn a full disk (or a spent quota) met while writing under ``path`` into one error."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise Unavailable(f"the disk holding {path} is full: nothing was written there; "
                          "free some space and run the same command again") from exc


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    with room(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; stored files are for the whole team
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class AssetStore:
    """Files addressed by their SHA-256; ``put`` returns the hash, ``path`` finds the file."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str, ext: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.{ext.lstrip('.')}"

    def put(self, data: bytes, ext: str) -> str:
        sha = sha256_bytes(data)
        target = self.path(sha, ext)
        if not target.exists():
            atomic_write(target, data)
        return sha

    def sweep(self, known: set[str], older_than_s: float = 60.0) -> list[Path]:
        """Delete files whose hash is not in ``known`` and temp files a crash left; return them.

        Files younger than ``older_than_s`` are spared: another process may be about to record them.
        """
        import time

        removed = []
        if not self.root.is_dir():
            return removed
        cutoff = time.time() - older_than_s
        for path in self.root.glob("*/*"):
            if path.stat().st_mtime > cutoff:
                continue
            if path.name.startswith(".tmp-") or path.name.split(".")[0] not in known:
                path.unlink(missing_ok=True)
                removed.append(path)
        return removed

    def find(self, sha256: str) -> Path | None:
        """The stored file with this hash, whatever its extension, or None."""
        folder = self.root / sha256[:2]
        if not folder.is_dir():
            return None
        for candidate in folder.glob(f"{sha256}.*"):
            return candidate
        return None
