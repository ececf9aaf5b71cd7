import subprocess
import sys


def test_the_demo_runs_from_a_fresh_process(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pressroom.cli", "demo", "--keep", str(tmp_path / "demo")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "verdict exact" in done.stdout
    assert (tmp_path / "demo" / "cards" / "gen-1.toml").is_file()
    assert len(list((tmp_path / "demo" / "assets").rglob("*.png"))) == 3
