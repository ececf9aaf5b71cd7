#!/bin/sh
# The README's command 2, and what CI runs (.ci/run): install what the tests need, check the code
# (lint, format, the layers of src/pressroom), then run the tests on a SQLite ledger and on PostgreSQL.
# Offline; about 11 minutes on a 2-core machine. Each step stops the run when it fails.
set -e
cd "$(dirname "$0")/.."
began=$(date +%s)
took() { echo "== $1: $(( $(date +%s) - began )) s since the start"; }
sh scripts/system-packages.sh
python3 -m venv .venv
# uv installs the same pinned versions as pip, faster: 38 s here against pip's 100 to 145 s, most of
# it compiling every module once (the environment may forbid Python to keep what it compiles, and
# then each of the tests' processes would compile torch again). uv reads no pip configuration, so it
# is given the package sources pip is configured with (a CPU build of torch may come from find-links).
.venv/bin/pip install -q -c constraints.txt uv
sources() { .venv/bin/pip config list 2>/dev/null | sed -n "s/^[^.]*\.$1='\(.*\)'\$/\1/p" | tr ' ' '\n' | awk '!seen[$0]++' | paste -sd "$2" -; }
links=$(sources find-links ,); [ -z "$links" ] || export UV_FIND_LINKS="$links"
index=$(sources index-url ' '); [ -z "$index" ] || export UV_INDEX_URL="$index"
extra=$(sources extra-index-url ' '); [ -z "$extra" ] || export UV_EXTRA_INDEX_URL="$extra"
.venv/bin/uv pip install -q --python .venv/bin/python --index-strategy unsafe-best-match --compile-bytecode \
  -c constraints.txt -e '.[diffusers,dev]'
# pressroom's own modules (installed editable, so not compiled by uv) and the tests' helpers: compiled
# once here, or each of the few hundred processes the tests start compiles what it imports again
.venv/bin/python -m compileall -q -j 0 src tests
took "set-up"
.venv/bin/ruff check src tests bench scripts
.venv/bin/ruff format --check src tests bench scripts
.venv/bin/lint-imports
took "checks"
.venv/bin/python -m pytest -q -p no:cacheprovider -n auto --durations=15
took "tests on SQLite"
PRESSROOM_TEST_DATABASE=postgresql .venv/bin/python -m pytest -q -p no:cacheprovider -n auto --durations=15
took "tests on PostgreSQL"
