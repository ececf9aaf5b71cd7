"""A real `pressroom serve` process on a free port, for the tests (and benchmarks) that talk to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(
    root: Path,
    *args: str,
    port: int | None = None,
    env: dict | None = None,
    timeout_s: float = 120,
    head: list[str] | None = None,
) -> tuple[subprocess.Popen, str]:
    """Start serving the studio at ``root`` (extra ``args`` to `serve`); returns the process and its
    base URL once it answers. ``head``: what runs the command line instead of ``-m pressroom.cli``
    (a script of the tests that wraps it, such as ``readonly.py FLAG --``)."""
    port = port or free_port()
    server = subprocess.Popen(
        [sys.executable, *(head or ["-m", "pressroom.cli"]), "serve", "--port", str(port), *args],
        env=env or {**os.environ, "PRESSROOM_STUDIO": str(root)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while True:
        assert server.poll() is None, server.stderr.read()
        try:
            if httpx.get(base + "/openapi.json", timeout=2).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)


def stop(*processes: subprocess.Popen | None, timeout_s: float = 20) -> None:
    """Ask each process to end, then make sure it has."""
    for process in processes:
        if process is None:
            continue
        process.terminate()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def served(root: Path, *args: str, env: dict | None = None) -> Iterator[str]:
    """Serve the studio at ``root`` until the block ends; yields the base URL once it answers."""
    server, base = start(root, *args, env=env)
    try:
        yield base
    finally:
        stop(server)
