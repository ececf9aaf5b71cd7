"""A volume run killed part way and run again ends with every image exactly once.

The one kill test on the real engine (the tiny diffusers model): the run is a real ``pressroom
volume`` process that SIGKILLs itself after its second image (``crashpoint.py``).
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from playbook import locked
from sqlalchemy import text
from workers import HERE, after_images

pytestmark = pytest.mark.ledger_contract("a killed volume run resumes from what the ledger holds")

VALUES = ["a red boot", "a blue boot"]
SEEDS = 3


def volume_rows(studio):
    with studio.session() as session:
        return [
            tuple(row)
            for row in session.execute(text("select slot_value, seed from generations where play = 'volume'"))
        ]


def test_a_killed_volume_run_resumes_without_duplicates_or_orphans(cli, studio, tmp_path):
    _, lock = locked(cli, tmp_path)
    args = ["volume", str(lock["recipe"]), "--seeds", str(SEEDS), "--batch-size", "1", "--as", "omar"]
    for value in VALUES:
        args += ["--vary", f"subject={value}"]
    env = {**os.environ, "PRESSROOM_STUDIO": str(studio.root)}
    killed = subprocess.run(
        [sys.executable, os.path.join(HERE, "crashpoint.py"), after_images(2), "--", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    before = volume_rows(studio)
    assert len(before) == 2, "the run should have been killed part way, after its second image"

    # what a kill between writing a file and committing its row leaves behind
    orphan = studio.assets.path("f" * 64, "png")
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"written, never recorded")
    half_written = studio.assets.root / "ab" / ".tmp-123.png"
    half_written.parent.mkdir(parents=True, exist_ok=True)
    half_written.write_bytes(b"partial")
    an_hour_ago = time.time() - 3600
    for leftover in (orphan, half_written):
        os.utime(leftover, (an_hour_ago, an_hour_ago))

    rerun = cli(*args, "--json")
    assert rerun.code == 0, rerun.err
    doc = json.loads(rerun.out)
    assert doc["skipped"] == len(before) and len(doc["made"]) == len(VALUES) * SEEDS - len(before)

    after = volume_rows(studio)
    assert len(after) == len(VALUES) * SEEDS and len(set(after)) == len(after)
    assert {v for v, _ in after} == set(VALUES)
    seeds = sorted({s for _, s in after})
    assert len(seeds) == SEEDS and seeds == list(range(seeds[0], seeds[0] + SEEDS))

    with studio.session() as session:
        known = {row[0] for row in session.execute(text("select sha256 from assets"))}
        referenced = {row[0] for row in session.execute(text("select file_sha256 from generations"))}
    on_disk = {p.name.split(".")[0] for p in studio.assets.root.glob("*/*")}
    assert not orphan.exists() and not half_written.exists()
    assert on_disk == known and referenced <= known
