"""Hardening, class 1: every mistake is one line on stderr and a non-zero exit, never a traceback.

The walk enumerates every command of the typer app (a new command is walked without editing this
file) and feeds it bad arguments: an unknown option, nothing at all, a word where a number goes,
numbers out of any range, ids and files that do not exist. It runs in this process for speed; a
sample runs the installed ``pressroom`` as a real process.

These tests are about the command line, the files and the ledger, not the engine: their studios
draw with a fake-engine default model (quickmodel.py), so a command that does run draws in
milliseconds and a subprocess never imports torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
import typer
from quickmodel import default_to_quick
from workers import after_images, wait_for

from pressroom.cli import app, main
from pressroom.plays import models as model_plays

HUGE = str(2**70)  # past every integer column of SQLite and PostgreSQL


def _commands(command=None, path=()):
    command = command or typer.main.get_command(app)
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        yield path, command
        return
    if getattr(command, "invoke_without_command", False) and path:
        yield path, command  # a group that also runs on its own (`pressroom jobs`)
    for name, sub in subcommands.items():
        yield from _commands(sub, (*path, name))


COMMANDS = {" ".join(path): command for path, command in _commands()}
SHARED = {"studio", "json_out", "as_"}


def _kind(param) -> str:
    return str(param.bare_type())


def _flag(param) -> list[str]:
    return [] if param.param_type_name == "argument" else [param.opts[0]]


def _names_a_file(param) -> bool:
    return "path" in _kind(param).lower() or param.name in ("file", "card", "inpaint")


def _bad_value(param, missing: Path) -> str:
    """A value of the right type that names nothing: an id, a name or a file that does not exist."""
    if _names_a_file(param):
        return str(missing)
    return {"int": "999999", "float": "1.5"}.get(_kind(param), "nosuch")


def _required_args(command, missing: Path, replace: dict | None = None) -> list[str]:
    args: list[str] = []
    for param in command.params:
        if param.name in SHARED:
            continue
        value = (replace or {}).get(param.name)
        if value is None and param.required:
            value = _bad_value(param, missing)
        if value is not None and not getattr(param, "is_flag", False):
            args += [*_flag(param), value]
    return args


def _cases(path: tuple[str, ...], command, missing: Path) -> list[tuple[list[str], bool]]:
    """(arguments, must fail) pairs: every bad-argument case of one command."""
    params = [p for p in command.params if p.name not in SHARED]
    required = any(p.required for p in params)
    # an id or a file that does not exist is an error (a free-text query that finds nothing is not)
    names_nothing = any(p.required and (_kind(p) == "int" or _names_a_file(p)) for p in params)
    cases = [([*path, "--no-such-option"], True)]
    if required:
        cases.append(([*path], True))  # a missing argument or option
        cases.append(([*path, *_required_args(command, missing)], names_nothing))
    for param in command.params:
        if param.name in SHARED or _kind(param) not in ("int", "float"):
            continue
        cases.append(([*path, *_required_args(command, missing, {param.name: "abc"})], True))  # not a number
        if param.param_type_name == "option" and not _kind(param) == "int":
            continue
        for number in ("-1", "0", HUGE, "-" + HUGE):
            args = [*path, *_required_args(command, missing, {param.name: number})]
            # out of range: an error when another argument names nothing; else at least no traceback
            cases.append((args, names_nothing))
    return cases


def _run_in_process(args: list[str], capsys) -> tuple[int, str]:
    capsys.readouterr()
    try:
        code = main(args)
    except SystemExit as exc:  # not a return: still a failure of the one-line contract
        pytest.fail(f"pressroom {' '.join(args)} raised SystemExit({exc.code}) instead of returning")
    except BaseException:
        pytest.fail(f"pressroom {' '.join(args)} raised a traceback:\n{traceback.format_exc()}")
    return code, capsys.readouterr().err


def _one_line(args: list[str], code: int, err: str, must_fail: bool) -> None:
    shown = "pressroom " + " ".join(args)
    assert "Traceback" not in err, f"{shown}: {err}"
    if must_fail:
        assert code != 0, f"{shown} exited 0"
    if code != 0:
        lines = err.strip().splitlines()
        assert len(lines) == 1, f"{shown} printed {len(lines)} lines on stderr:\n{err}"
        assert lines[0].startswith(("error: ", "interrupted: ")), f"{shown}: {err}"


def _everyone(studio) -> None:
    from pressroom.plays import people

    with studio.session() as session:
        people.add(session, "walker", list(people.ROLES))


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_answers_bad_arguments_in_one_line(name, studio, snapshots, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PRESSROOM_STUDIO", str(studio.root))
    default_to_quick(studio, snapshots)
    _everyone(studio)
    monkeypatch.setenv("PRESSROOM_USER", "walker")  # every role: the error met is the argument's, not the role's
    monkeypatch.chdir(tmp_path)  # a command that writes by default writes here, never into the repository
    missing = tmp_path / "missing" / "nothing.png"
    cases = _cases(tuple(name.split()), COMMANDS[name], missing)
    assert len(cases) >= 1
    for args, must_fail in cases:
        code, err = _run_in_process(args, capsys)
        _one_line(args, code, err, must_fail)


def test_the_walk_reaches_every_command_and_group():
    # the walk is the app's own listing: a command added later is walked too
    assert {
        "generate",
        "volume",
        "proof",
        "verify",
        "similar",
        "fix",
        "brief new",
        "jobs",
        "jobs cancel",
        "recipe export",
        "user add",
    } <= set(COMMANDS)
    for name, command in COMMANDS.items():
        assert command.callback is not None, name


def _installed() -> list[str]:
    script = Path(sys.executable).with_name("pressroom")
    return (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "import sys\nfrom pressroom.cli import main\nsys.exit(main())"]
    )


@pytest.mark.parametrize(
    "args",
    [
        ["nosuchcommand"],
        ["generate", "--steps", "abc", "--prompt", "x"],
        ["cull", HUGE, "--keep"],
        ["brief", "show", "-" + HUGE],
        ["volume", "999999", "--vary", "subject=x", "--seeds", HUGE],
        ["proof", "999999", "--size", "0x0in", "--distance", "5ft"],
        ["similar", "/nonexistent/pressroom/x.png"],
        ["brief", "new", "--file", "."],
    ],
)
def test_a_real_process_prints_one_line(args, studio, tmp_path):
    _everyone(studio)
    env = {**os.environ, "PRESSROOM_STUDIO": str(studio.root), "PRESSROOM_USER": "walker"}
    done = subprocess.run([*_installed(), *args], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    _one_line(args, done.returncode, done.stderr, True)


# -- files given where a file is expected ------------------------------------------------------
SMALL = ["--steps", "1", "--width", "64", "--height", "64"]


def _one_error(result, code: int, *needles: str) -> None:
    assert result.code == code, result.err
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.parametrize(
    "make,needle",
    [
        (lambda p: p.mkdir(), "is a folder; give a file"),
        (lambda p: p.write_bytes('title = "café"\n'.encode("latin-1")), "is not UTF-8 text (byte 12 is 0xe9)"),
        (lambda p: p.write_bytes(b"\xff\xfe\x00t\x00i"), "is not UTF-8 text"),
        (lambda p: None, "does not exist; `pressroom brief template` prints one"),
    ],
)
def test_a_brief_file_that_cannot_be_read_is_one_line(cli, tmp_path, make, needle):
    cli("user", "add", "dana", "--role", "director")
    path = tmp_path / "brief.toml"
    make(path)
    for args in (["brief", "new", "--file", path], ["brief", "update", "1", "--file", path]):
        result = cli(*args, "--as", "dana")
        _one_error(result, 3 if "does not exist" in needle else 2, needle, str(path))


def test_a_card_that_cannot_be_read_is_one_line(cli, tmp_path):
    folder = tmp_path / "card.toml"
    folder.mkdir()
    _one_error(cli("reproduce", folder), 2, "is a folder")
    latin = tmp_path / "latin.toml"
    latin.write_bytes('prompt = "café"\n'.encode("latin-1"))
    _one_error(cli("generate", "--card", latin), 2, "is not UTF-8 text")


# -- images: one opening, one pixel limit, checked before decoding --------------------------------
def _chunk(kind: bytes, data: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, height: int, pixels: bytes) -> bytes:
    """A greyscale PNG declaring ``width`` x ``height``, its compressed data ``pixels``."""
    import struct

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def _bomb() -> bytes:
    """A real decompression bomb: a few hundred KB that decode to a square just past the limit."""
    import zlib

    from pressroom.store.imagefiles import MAX_SIDE

    side = MAX_SIDE + 64
    return _png(side, side, zlib.compress(bytes((side + 1) * side), 9))


def _claims_huge() -> bytes:
    import zlib

    return _png(100_000, 100_000, zlib.compress(bytes(1000)))  # past Pillow's own refusal too


BAD_IMAGES = {
    "bomb": (lambda p, good: p.write_bytes(_bomb()), 2, "over pressroom's limit of 67,108,864 (8192x8192)"),
    "huge header": (lambda p, good: p.write_bytes(_claims_huge()), 2, "limit of 67,108,864"),
    "truncated": (lambda p, good: p.write_bytes(good[: len(good) // 2]), 2, "is damaged or truncated"),
    "corrupt": (lambda p, good: p.write_bytes(bytes(range(256)) * 8), 2, "is not a readable image"),
    "empty": (lambda p, good: p.write_bytes(b""), 2, "is not a readable image"),
    "folder": (lambda p, good: p.mkdir(), 2, "is a folder"),
    "missing": (lambda p, good: None, 3, "does not exist"),
}


@pytest.fixture
def made(cli, studio):
    """One small generated image: its id, its file's bytes, its card (and a person with every role)."""
    default_to_quick(studio, cli.snapshots)
    _everyone(studio)
    result = cli("generate", "--prompt", "a red shoe on moss", "--seed", "3", *SMALL, "--json")
    assert result.code == 0, result.err
    row = json.loads(result.out)[0]
    exported = cli("recipe", "export", row["id"])
    assert exported.code == 0, exported.err
    return row["id"], Path(row["path"]).read_bytes(), studio.cards_dir / f"gen-{row['id']}.toml"


@pytest.mark.parametrize("case", sorted(BAD_IMAGES))
def test_every_command_that_reads_a_given_image_refuses_a_bad_one_in_one_line(cli, made, tmp_path, case):
    make, code, needle = BAD_IMAGES[case]
    generation, good, card = made
    path = tmp_path / "bad.png"
    make(path, good)
    _one_error(cli("similar", path), code, needle, str(path))
    _one_error(cli("reproduce", card, "--expect", path), code, needle)
    mask_needle = {"folder": "is a folder", "missing": "does not exist"}.get(case, needle)
    _one_error(cli("fix", generation, "--inpaint", path, "--as", "walker"), code, mask_needle)
    verified = cli("verify", path)  # a damaged file may still be described (exit 1: a verdict); never a traceback
    assert "Traceback" not in verified.err
    if verified.code > 1:
        _one_error(verified, verified.code, str(path))


@pytest.mark.parametrize("case", ["bomb", "huge header", "truncated", "corrupt", "empty"])
def test_a_damaged_stored_image_is_one_line_for_every_command_that_reads_it(cli, studio, made, case):
    make, code, needle = BAD_IMAGES[case]
    generation, good, _card = made
    stored = studio.root / json.loads(cli("generations", "--json").out)[0]["path"]
    stored.unlink()
    make(stored, good)
    for args in (["check", generation], ["proof", generation, "--size", "10x10in", "--distance", "5ft"]):
        _one_error(cli(*args), 2, needle, f"generation {generation}'s file")
    _one_error(cli("fix", generation, "--refine", "--steps", "4", "--as", "walker"), 2, needle)  # the parent


def test_every_image_in_the_code_opens_through_imagefiles():
    # one place checks the size before decoding: nothing else may call Pillow's opener
    source = Path(__file__).parents[1] / "src" / "pressroom"
    openers = sorted(
        str(path.relative_to(source))
        for path in source.rglob("*.py")
        if "Image.open(" in path.read_text() or "imread(" in path.read_text()
    )
    assert openers == ["store/imagefiles.py"]


def test_the_pixel_limit_is_checked_before_decoding():
    from pressroom.errors import InputError
    from pressroom.store import imagefiles

    # a header claiming 100000 x 100000 with a kilobyte of data: decoding would fail as truncated,
    # so a message about the limit shows the header was judged first
    with pytest.raises(InputError, match="limit of 67,108,864"):
        imagefiles.load(_claims_huge(), "the upload")
    side = imagefiles.MAX_SIDE
    with imagefiles.opened(_png(side, side, b""), "a square at the limit") as image:
        assert image.size == (side, side)  # at the limit is allowed (and nothing was decoded)


# -- proof sizes and distances, channel sizes ------------------------------------------------------
@pytest.mark.parametrize(
    "options,code,needle",
    [
        (["--size", "0x0in", "--distance", "5ft"], 2, "--size '0x0in' must be more than 0"),
        (["--size", "36x0cm", "--distance", "5ft"], 2, "must be more than 0"),
        (["--size", "1.2.3x4in", "--distance", "5ft"], 2, "must look like 36x48in"),
        (["--size", "36x48", "--distance", "5ft"], 2, "must look like 36x48in"),
        (["--size", "-3x4in", "--distance", "5ft"], 2, "must look like 36x48in"),
        (["--size", "36x48in", "--distance", "0ft"], 2, "--distance '0ft' must be more than 0"),
        (["--size", "36x48in", "--distance", "ft"], 2, "needs a number and a unit"),
        (["--size", "36x48in", "--distance", "1e9ft"], 2, "needs a number and a unit"),
        (["--size", "36x48in", "--distance", "5 parsecs"], 2, "needs a number and a unit"),
        (["--size", "36x48in", "--distance", "100000ft"], 2, "at most 1000 ft"),
        (["--size", "36x48in", "--distance", "5ft", "--crops", "-1"], 2, "--crops must be 0 to 32"),
        (["--size", "36x48in", "--distance", "5ft", "--crops", "1000"], 2, "--crops must be 0 to 32"),
        (["--size", "36x48in", "--distance", "0.001in"], 6, "enlarged"),
    ],
)
def test_proof_refuses_impossible_sizes_and_distances_in_one_line(cli, made, options, code, needle):
    generation = made[0]
    _one_error(cli("proof", generation, *options), code, needle)


def test_proof_without_crops_works_at_any_distance(cli, made):
    # the crop scale bound says how to go further: figures alone need no crops
    result = cli("proof", made[0], "--size", "36x48in", "--distance", "0.001in", "--crops", "0", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["crops"] == [] and json.loads(result.out)["enough"] is False


@pytest.mark.parametrize(
    "channel,needle",
    [
        ("width = 0\nheight = 1350", "width and height must be 1 to 8192 pixels (got 0x1350)"),
        ("width = -1080\nheight = 1350", "(got -1080x1350)"),
        ("width = 1080\nheight = -5", "(got 1080x-5)"),
        ("width = 100000\nheight = 100", "must be 1 to 8192"),
        ("width = 1080\nheight = 1350\ndpi = 0", "dpi must be 1 to 10000"),
        ("width = 'wide'\nheight = 1350", "needs integer width and height"),
    ],
)
def test_a_channel_with_an_impossible_size_is_one_line(cli, studio, channel, needle):
    _everyone(studio)
    config = studio.root / "pressroom.toml"
    config.write_text(config.read_text() + f"\n[channels.bad]\n{channel}\n")
    _one_error(cli("release", "1", "--channel", "bad", "--as", "walker"), 2, "[channels.bad] in pressroom.toml", needle)


# -- how much one command may make ---------------------------------------------------------------
def test_generate_counts_are_bounded_and_the_error_says_how_to_split(cli):
    for count in ("10001", str(10**12)):
        _one_error(
            cli("generate", "--prompt", "x", "--count", count, "--seed", "5"),
            2,
            "--count asks for",
            "more than 10,000 in one run",
            "count 10000 from seed S, then from seed S+10000",
            "--seed S",
        )  # the CLI names the flags that split it
    _one_error(cli("generate", "--prompt", "x", "--count", "3", "--seed", str(2**64 - 2)), 2, "--seed must be")


def test_volume_and_concept_runs_are_bounded(cli, studio, tmp_path):
    from playbook import locked

    default_to_quick(studio, cli.snapshots)
    brief, lock = locked(cli, tmp_path)
    recipe = lock["recipe"]
    before = json.loads(cli("jobs", "--json").out)  # the sprint and the lock that made the recipe
    _one_error(
        cli("volume", recipe, "--vary", "subject=a", "--seeds", "2000000", "--as", "omar"),
        2,
        "--seeds must be 1 to 1,000,000 per value",
    )
    _one_error(
        cli("volume", recipe, "--vary", "subject=a", "--vary", "subject=b", "--seeds", "6000", "--as", "omar"),
        2,
        "--seeds asks for 12,000 images",
        "seeds 5000 first and then the full number",
    )
    _one_error(cli("volume", recipe, "--vary", "subject=a", "--seeds", "0", "--as", "omar"), 2, "--seeds must be 1")
    _one_error(
        cli(
            "concept",
            brief,
            "--style",
            "watercolor",
            "--style",
            "flat-vector",
            "--style",
            "cinematic",
            "--per-style",
            "5000",
            "--as",
            "omar",
        ),
        2,
        "--per-style asks for 15,000 images",
    )
    assert json.loads(cli("jobs", "--json").out) == before  # nothing refused was queued


def test_a_volume_plan_streams_its_recipes(cli, studio, tmp_path):
    import tracemalloc

    from playbook import locked

    from pressroom.plays import lockin, volume

    default_to_quick(studio, cli.snapshots)
    _brief, lock = locked(cli, tmp_path)
    with studio.session() as session:
        recipe = lockin.get(session, lock["recipe"])
        tracemalloc.start()
        plan = volume.plan(recipe, [("subject", "a"), ("subject", "b")], volume.MAX_SEEDS)
        assert len(plan) == 2 * volume.MAX_SEEDS
        assert sum(1 for _ in plan.identities()) == len(plan)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 4 * 2**20, peak  # two million recipes in a list would take gigabytes
    first = plan.recipe("b", recipe.parsed.seed + 7)
    assert first.seed == recipe.parsed.seed + 7 and "b" in first.prompt


# -- the same volume run twice at once -----------------------------------------------------------
def test_two_identical_volume_runs_at_once_share_one_job(cli, studio, tmp_path):
    from playbook import locked

    default_to_quick(studio, cli.snapshots)
    _brief, lock = locked(cli, tmp_path)
    run = ["volume", lock["recipe"], "--vary", "subject=a blue shoe", "--seeds", "3", "--as", "omar", "--json"]
    # at once, for sure: the first run is held after its first image while the second asks for the same
    # run and starts waiting for its end (held where it first looks for abandoned jobs, its request made)
    points = {"first": after_images(1), "second": "pressroom.jobs.queue:reclaim::1"}
    running = []
    for name, point in points.items():
        env = {
            **os.environ,
            "PRESSROOM_STUDIO": str(studio.root),
            "CRASHPOINT_THEN": "go",
            "CRASHPOINT_HOLD": str(tmp_path / f"{name}.go"),
            "CRASHPOINT_REACHED": str(tmp_path / f"{name}.here"),
        }
        running.append(
            subprocess.Popen(
                [sys.executable, str(Path(__file__).parent / "crashpoint.py"), point, "--", *map(str, run)],
                env=env,
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
        wait_for(lambda: (tmp_path / f"{name}.here").exists(), f"the {name} run at its point", running)
    for name in points:
        (tmp_path / f"{name}.go").touch()
    results = [(p.returncode, out, err) for p, (out, err) in ((p, p.communicate(timeout=300)) for p in running)]
    for code, _out, err in results:
        assert code == 0 and "Traceback" not in err, err
    made = [sorted(row["id"] for row in json.loads(out)["made"]) for _, out, _ in results]
    assert made[0] == made[1] and len(made[0]) == 3  # both report the one job's images
    jobs = [
        job for job in json.loads(cli("jobs", "--json").out) if job["kind"] == "volume"
    ]  # (the sprint's, the lock's)
    assert [job["state"] for job in jobs] == ["done"]
    rows = json.loads(cli("generations", "--recipe", lock["recipe"], "--json").out)
    volume_seeds = sorted(row["seed"] for row in rows if row["play"] == "volume")
    assert len(volume_seeds) == 3 == len(set(volume_seeds))
    # queued twice without waiting: the same job again, not a second one
    queued = [json.loads(cli(*run[:-1], "--no-wait", "--json").out)["job"] for _ in range(2)]
    assert queued[0] == queued[1] == jobs[0]["id"]


# -- a full disk -------------------------------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path):
    """A real 24 MiB filesystem (tmpfs; mounting needs root), unmounted after the test."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], capture_output=True)
    # the tests run as root (the project's machines do); a machine that cannot mount fails here, loudly
    assert made.returncode == 0, f"cannot mount a small filesystem (needs root): {made.stderr.decode().strip()}"
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def _fill(folder: Path, leave: int) -> Path:
    """Fill the filesystem of ``folder`` until about ``leave`` bytes are free; returns the filler."""
    filler = folder / "filler"
    with open(filler, "wb") as handle:
        try:
            while True:
                free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
                if free <= leave:
                    break
                handle.write(bytes(min(1 << 20, max(4096, free - leave))))
                handle.flush()
        except OSError:
            pass
    return filler


def _consistent(root: Path) -> int:
    """Every stored file is in the ledger's index and every indexed file is whole; no temp file is
    left anywhere in the studio. Returns how many generations the ledger holds."""
    from pressroom.ledger.tables import Generation, StoredFile
    from pressroom.store.assets import sha256_file
    from pressroom.store.studio import Studio

    assert [p for p in root.rglob(".tmp-*")] == []
    studio = Studio(root)
    try:
        with studio.session() as session:
            indexed = {row.sha256: row.ext for row in session.query(StoredFile)}
            rows = session.query(Generation).all()
        on_disk = {p.stem: p for p in studio.assets.root.rglob("*.*")}
        assert set(on_disk) == set(indexed)
        for sha, path in on_disk.items():
            assert sha256_file(path) == sha  # no half file under a final name
        for row in rows:
            assert row.file_sha256 in indexed
        return len(rows)
    finally:
        studio.close()


# the fake engine's 128 px images are about 30 KB: six outgrow 64 KB of room and fit in 256 KB
DISK = ["--steps", "1", "--width", "128", "--height", "128"]


@pytest.mark.parametrize("leave", [0, 8 * 1024, 64 * 1024, 256 * 1024])
@pytest.mark.parametrize("ledger_too", [True, False], ids=["ledger-on-the-full-disk", "images-only"])
def test_a_full_disk_is_one_line_and_leaves_the_studio_consistent(
    studio, small_disk, tmp_path, leave, ledger_too, capsys, monkeypatch
):
    import shutil

    root = small_disk / "studio"
    shutil.copytree(studio.root, root)
    config = root / "pressroom.toml"
    if not ledger_too and 'url = "sqlite:///ledger.sqlite"' in config.read_text():
        # the ledger on a disk with room, the images on the full one (on PostgreSQL it is so anyway)
        shutil.move(root / "ledger.sqlite", tmp_path / "ledger.sqlite")
        config.write_text(
            config.read_text().replace(
                'url = "sqlite:///ledger.sqlite"', f'url = "sqlite:///{tmp_path / "ledger.sqlite"}"'
            )
        )
    from pressroom.store.studio import Studio

    copy = Studio(root)
    model_plays.add(copy, "quick", engine="fake", size=64)  # the files are what is tested: the fake engine draws
    copy.close()
    monkeypatch.setenv("PRESSROOM_STUDIO", str(root))
    before = _consistent(root)
    filler = _fill(small_disk, leave)
    run = ["generate", "--model", "quick", "--prompt", "a red shoe", "--seed", "9", "--count", "6", *DISK]
    code, err = _run_in_process([*run, "--json"], capsys)
    assert code or leave > 64 * 1024, "the disk should have run out with this little room"
    if code:  # the disk ran out before the six images were stored
        assert code == 7 and err.startswith("error: the disk holding") and "is full" in err, err
        if not ledger_too:
            assert "the disk holding the ledger" not in err  # the image's write met the full disk
        assert len(err.strip().splitlines()) == 1 and "run the same command again" in err
    filler.unlink()  # space again (SQLite needs some to open its ledger): what the failed run left is whole
    made = _consistent(root) - before
    assert made == 6 if code == 0 else 0 <= made < 6
    # the same command finishes the work
    code, err = _run_in_process(run, capsys)
    assert code == 0, err
    assert _consistent(root) >= before + 6


def test_an_upscale_past_the_pixel_limit_is_refused_before_any_pixel_is_made(cli, studio):

    _everyone(studio)
    model_plays.add(studio, "quick", engine="fake", size=64)  # the fake engine: a large image in milliseconds
    result = cli(
        "generate",
        "--model",
        "quick",
        "--prompt",
        "a wide banner",
        "--seed",
        "1",
        "--steps",
        "1",
        "--width",
        "2056",
        "--height",
        "2048",
        "--json",
    )
    assert result.code == 0, result.err
    generation = json.loads(result.out)[0]["id"]
    _one_error(
        cli("fix", generation, "--upscale", "4", "--upscaler", "lanczos", "--as", "walker"),
        2,
        "a 4x upscale is 8224x8192 pixels, over pressroom's limit",
        "use a smaller factor",
    )
    assert [row["id"] for row in json.loads(cli("generations", "--json").out)] == [generation]  # nothing made
