#!/bin/sh
# The README's command 2, and what CI runs (.ci/run): install what the tests need, check the code
# (lint, format, the layers of src/pressroom), then run the tests on a SQLite ledger and on PostgreSQL.
# Offline; about a quarter of an hour on a 2-core machine. Each step stops the run when it fails.
set -e
cd "$(dirname "$0")/.."
began=$(date +%s)
took() { echo "== $1: $(( $(date +%s) - began )) s since the start"; }
sh scripts/system-packages.sh
python3 -m venv .venv
.venv/bin/pip install -q -c constraints.txt -e '.[diffusers,dev]'
took "set-up"
.venv/bin/ruff check src tests bench scripts
.venv/bin/ruff format --check src tests bench scripts
.venv/bin/lint-imports
took "checks"
.venv/bin/python -m pytest -q -p no:cacheprovider -n auto --durations=15
took "tests on SQLite"
PRESSROOM_TEST_DATABASE=postgresql .venv/bin/python -m pytest -q -p no:cacheprovider -n auto --durations=15
took "tests on PostgreSQL"
