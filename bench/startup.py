"""How fast `pressroom --help` starts, next to a bare Python start, in one run.

Prints the median of several runs of each and, last, ``help_ratio`` (pressroom --help time /
bare `python -c pass` time) and ``help_seconds``. `pressroom --help` must not import torch,
diffusers, transformers, SQLAlchemy or numpy; the script checks that too.

    python bench/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

PROBE = (
    "import sys\nfrom pressroom.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
    "heavy = [m for m in ('torch', 'diffusers', 'transformers', 'sqlalchemy', 'numpy') if m in sys.modules]\n"
    "sys.stderr.write(f'HEAVY {heavy}\\n')\n"
)


def timed(args: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    bare, helps, heavy = [], [], ""
    for _ in range(runs):  # alternate, so drift in machine speed hits both alike
        bare.append(timed([sys.executable, "-c", "pass"])[0])
        seconds, err = timed([sys.executable, "-c", PROBE])
        helps.append(seconds)
        heavy = err.strip().splitlines()[-1]
    print(f"runs={runs} bare_python_s={statistics.median(bare):.3f} help_s={statistics.median(helps):.3f}")
    print(heavy)
    print(f"help_seconds={statistics.median(helps):.3f}")
    print(f"help_ratio={statistics.median(helps) / statistics.median(bare):.2f}")
    return 0 if heavy == "HEAVY []" else 1


if __name__ == "__main__":
    sys.exit(main())
