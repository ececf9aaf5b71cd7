"""The content-addressed asset store: every file is named by the SHA-256 of its bytes.

Layout: ``<store>/<first two hex>/<full hex>.<ext>``. Writes are atomic (``files.write``: temp
file in the studio's temporary place, fsync, rename, fsync of the folder), so a crash leaves
either the whole file or nothing under its final name. Writing the same bytes twice is a no-op. A full disk is
one error that says so, and leaves nothing behind.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pressroom.store.files import write as atomic_write  # noqa: F401 - the name other modules know it by


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


class AssetStore:
    """Files addressed by their SHA-256; ``put`` returns the hash, ``path`` finds the file."""

    def __init__(self, root: Path, scratch: Path | None = None) -> None:
        self.root = Path(root)
        self.scratch = scratch  # the studio whose temporary place holds files being written

    def path(self, sha256: str, ext: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.{ext.lstrip('.')}"

    def put(self, data: bytes, ext: str) -> str:
        sha = sha256_bytes(data)
        target = self.path(sha, ext)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, data, scratch=self.scratch)
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
