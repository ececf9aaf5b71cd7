"""A volume run killed part way and run again ends with every image exactly once."""

import json
import os
import signal
import subprocess
import sys
import time

from playbook import open_brief, people, sprint
from sqlalchemy import text

VALUES = ["a red boot", "a blue boot", "a grey boot"]
SEEDS = 4


def volume_rows(studio):
    with studio.session() as session:
        return [tuple(row) for row in session.execute(
            text("select slot_value, seed from generations where play = 'volume'"))]


def test_a_killed_volume_run_resumes_without_duplicates_or_orphans(cli, studio, tmp_path):
    people(cli)
    brief = open_brief(cli, tmp_path)
    concepts = sprint(cli, brief)
    cli("direction", "approve", brief, concepts[0]["id"], "--as", "dana")
    lock = json.loads(cli("lock", brief, "--as", "omar", "--steps", "10", "--width", "256", "--height", "256",
                          "--json").out)
    command = [sys.executable, "-m", "pressroom.cli", "volume", str(lock["recipe"]), "--seeds", str(SEEDS),
               "--batch-size", "1", "--as", "omar"]
    for value in VALUES:
        command += ["--vary", f"subject={value}"]
    env = {**os.environ, "PRESSROOM_STUDIO": str(studio.root)}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while len(volume_rows(studio)) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = volume_rows(studio)
    assert 2 <= len(before) < len(VALUES) * SEEDS, "the run should have been killed part way"

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

    rerun = subprocess.run(command + ["--json"], env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    doc = json.loads(rerun.stdout)
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
