import subprocess
import sys

import pytest


@pytest.mark.sqlite_only("the demo makes its own temporary studio with the default SQLite ledger; it takes no database")
def test_the_demo_runs_from_a_fresh_process(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pressroom.cli", "demo", "--keep", str(tmp_path / "demo")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    for play in ("1. intake", "2. concept sprint", "3. rank", "4. lock-in pass", "5. volume run", "6. cull",
                 "7. fix and finish", "8. review gate", "9. release with signed provenance", "10. metrics",
                 "11. a stranger reproduces"):
        assert play in done.stdout
    assert "exact -> locked" in done.stdout and "verdict exact" in done.stdout
    assert "12 images: 3 subjects x 4 seeds" in done.stdout
    assert "Trusted, c2pa.opened, c2pa.edited" in done.stdout and "rework after review 33%" in done.stdout
    assert len(list((tmp_path / "demo" / "releases" / "brief-1").glob("*"))) == 8
    assert len(list((tmp_path / "demo" / "cards").glob("brief-1-recipe-1-v1.toml"))) == 1
    assert (tmp_path / "demo" / "ledger.sqlite").is_file()  # put back after the reproduction
