"""Shared fixtures: a real studio on disk with the built-in tiny model, built once per run.

Building the tiny model takes a few seconds, so one template studio is made per session and
each test gets its own copy (and, on PostgreSQL, its own copy of the template's database; see
``ledgers.py``: ``PRESSROOM_TEST_DATABASE`` picks the database of the whole run). Tests never
touch the network.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
# one compute thread per test process (and the processes tests start): pytest-xdist already runs a
# process per core, and torch's default of a thread per core on top of that makes the threads spin
# waiting for each other (measured: 3 tiny-model sprints at 64 px took 11.3 s of CPU with 2 threads on
# a busy 2-core machine, 0.9 s with 1)
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.pop("PRESSROOM_STUDIO", None)

import ledgers as ledger_kinds  # noqa: E402
from quickmodel import small_tiny  # noqa: E402
from snapshots import Snapshots  # noqa: E402

from pressroom.cli import main  # noqa: E402
from pressroom.plays import accounts  # noqa: E402
from pressroom.store.studio import Studio  # noqa: E402

# passwords hashed in the tests' own processes use argon2-cffi's profile for tests (the same argon2id,
# 8 KiB and one pass): the real one costs 0.3 s of CPU a hash or a check, and the suite made 200 of
# them, a twentieth of its CPU. The processes tests start (a server, a CLI command) hash with the real
# profile; test_server.py checks what a server process stores.
accounts.PASSWORD_PROFILE = "CHEAPEST"


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only(reason): the test is about SQLite itself; not run on PostgreSQL")
    config.addinivalue_line(
        "markers", "postgresql_only(reason): the test is about PostgreSQL itself; not run on SQLite"
    )
    config.addinivalue_line(
        "markers",
        "ledger_contract(reason): the test holds the ledger to its contract (a play's "
        "flow, concurrency, migrations, search, the audit, the queue); the PostgreSQL "
        "run runs these",
    )
    config.addinivalue_line(
        "markers",
        "long_running: one of the few tests of a minute or more; started first, so "
        "that the run does not wait on it at the end",
    )


def pytest_xdist_auto_num_workers(config):
    """``-n auto``: half again as many test processes as cores. Much of a test's time is spent
    waiting (for a server, a worker's next poll, a browser), and a third process fills it: on the
    2-core machine the SQLite run took 534 s with three against 563 s with two."""
    return max(2, (os.cpu_count() or 1) * 3 // 2)


def pytest_report_header(config):
    return f"ledger database: {ledger_kinds.KIND} (PRESSROOM_TEST_DATABASE)"


ON_POSTGRESQL = ("ledger_contract", "postgresql_only")  # the marks that put a test in the PostgreSQL run


def pytest_ignore_collect(collection_path, config):
    """On the PostgreSQL run, a test module that names neither ``ledger_contract`` nor
    ``postgresql_only`` holds no test the run keeps (see below): it is not even imported. Importing
    the 41 such modules took each test process 9 of the 12 s it spent collecting."""
    if (
        ledger_kinds.KIND == "postgresql"
        and collection_path.name.startswith("test_")
        and collection_path.suffix == ".py"
    ):
        text = collection_path.read_text(encoding="utf-8")
        if not any(mark in text for mark in ON_POSTGRESQL):
            return True
    return None


def pytest_collection_modifyitems(config, items):
    """The SQLite run runs every test but those marked ``postgresql_only``. The PostgreSQL run runs
    the ledger's contract: the tests marked ``ledger_contract`` (every play's flow, concurrency,
    migrations, search, the audit, the queue) and those marked ``postgresql_only``, never one
    marked ``sqlite_only``. A test that only passes through the ledger on its way to what it is
    about (a page, a bad argument, the engine's pixels) runs once, on SQLite. Deselected tests are
    counted in the run's summary. Tests marked ``long_running`` are started first."""
    kept, dropped = [], []
    for item in items:
        if ledger_kinds.KIND == "sqlite":
            runs = not item.get_closest_marker("postgresql_only")
        else:
            marked = any(item.get_closest_marker(mark) for mark in ON_POSTGRESQL)
            runs = marked and not item.get_closest_marker("sqlite_only")
        (kept if runs else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    kept.sort(key=lambda item: item.get_closest_marker("long_running") is None)  # stable: the rest keep their order
    items[:] = kept


@pytest.fixture(scope="session")
def ledgers():
    """Where this run's ledgers live (SQLite files, or databases on a PostgreSQL server it started)."""
    kind = ledger_kinds.start()
    yield kind
    kind.stop()


@pytest.fixture(scope="session")
def postgres(ledgers):
    """A PostgreSQL server: the run's own on a PostgreSQL run, else one started for the tests that need it."""
    if ledgers.kind == "postgresql":
        yield ledgers
        return
    server = ledger_kinds.PostgresLedgers()
    yield server
    server.stop()


@pytest.fixture
def new_ledger(ledgers):
    """Make a fresh, empty ledger URL for a studio a test creates itself (None: the SQLite default)."""
    made = []

    def make() -> str | None:
        url = ledgers.new_url()
        made.append(url)
        return url

    yield make
    for url in made:
        ledgers.drop(url)


TINY_SIZE = 64


@pytest.fixture(scope="session")
def template_studio(tmp_path_factory, ledgers) -> Path:
    root = tmp_path_factory.mktemp("template") / "studio"
    studio = Studio.init(root, name="test", database_url=ledgers.new_url(), default_model="tiny")  # tiny: fast tests
    small_tiny(studio, TINY_SIZE)
    studio.close()
    return root


@pytest.fixture
def studio(template_studio, tmp_path, ledgers) -> Studio:
    root = tmp_path / "studio"
    shutil.copytree(template_studio, root)
    url = ledgers.clone(template_studio, root)
    opened = Studio(root)
    yield opened
    opened.close()
    ledgers.drop(url)


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture(scope="session")
def snapshots(tmp_path_factory, ledgers) -> Snapshots:
    """Studios saved after expensive setups (``playbook.locked``), put back instead of redone."""
    return Snapshots(tmp_path_factory.mktemp("snapshots"), ledgers)


@pytest.fixture
def cli(capsys, monkeypatch, studio, snapshots):
    """Run the real CLI in this process against the test's studio (via PRESSROOM_STUDIO).

    ``cli.studio`` is that studio and ``cli.snapshots`` the worker's saved setups."""
    monkeypatch.setenv("PRESSROOM_STUDIO", str(studio.root))

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    run.studio, run.snapshots = studio, snapshots
    return run


@pytest.fixture(autouse=True)
def _pages_closed(request):
    """After a browser test, close the pages it opened in the people's shared contexts (browsing.py)."""
    yield
    if "browser" in request.fixturenames:
        import browsing

        browsing.close_pages()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium under Playwright, one per test process (the page tests share it). Its headless
    shell where installed: the same Blink and V8 without the desktop browser's machinery, and Playwright's
    own choice for headless runs; the page tests took 44 % less of the CPU with it (test_pages.py: 46 s of
    Chromium's CPU against 82 s with the full browser in headless mode)."""
    from playwright import sync_api as playwright

    chromium = shutil.which("chromium-headless-shell") or shutil.which("chromium") or "/usr/bin/chromium"
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()
