"""A real `pressroom serve` process on a free port, for the tests that talk to it (HTTP or a browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(root: Path, timeout_s: float = 120) -> Iterator[str]:
    """Serve the studio at ``root`` until the block ends; yields the base URL once it answers."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "pressroom.cli", "serve", "--port", str(port)],
                              env={**os.environ, "PRESSROOM_STUDIO": str(root)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            assert server.poll() is None, server.stderr.read()
            try:
                if httpx.get(base + "/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
