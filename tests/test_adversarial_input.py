"""Hardening, class 1: every mistake is one line on stderr and a non-zero exit, never a traceback.

The walk enumerates every command of the typer app (a new command is walked without editing this
file) and feeds it bad arguments: an unknown option, nothing at all, a word where a number goes,
numbers out of any range, ids and files that do not exist. It runs in this process for speed; a
sample runs the installed ``pressroom`` as a real process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
import typer

from pressroom.cli import app, main

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
    from pressroom import people

    with studio.session() as session:
        people.add(session, "walker", list(people.ROLES))


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_answers_bad_arguments_in_one_line(name, studio, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PRESSROOM_STUDIO", str(studio.root))
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
    assert {"generate", "volume", "proof", "verify", "similar", "fix", "brief new", "jobs", "jobs cancel",
            "recipe export", "user add"} <= set(COMMANDS)
    for name, command in COMMANDS.items():
        assert command.callback is not None, name


def _installed() -> list[str]:
    script = Path(sys.executable).with_name("pressroom")
    return [str(script)] if script.exists() else [sys.executable, "-c", "import sys\nfrom pressroom.cli import main\n"
                                                  "sys.exit(main())"]


@pytest.mark.parametrize("args", [
    ["nosuchcommand"],
    ["generate", "--steps", "abc", "--prompt", "x"],
    ["cull", HUGE, "--keep"],
    ["brief", "show", "-" + HUGE],
    ["volume", "999999", "--vary", "subject=x", "--seeds", HUGE],
    ["proof", "999999", "--size", "0x0in", "--distance", "5ft"],
    ["similar", "/nonexistent/pressroom/x.png"],
    ["brief", "new", "--file", "."],
])
def test_a_real_process_prints_one_line(args, studio, tmp_path):
    _everyone(studio)
    env = {**os.environ, "PRESSROOM_STUDIO": str(studio.root), "PRESSROOM_USER": "walker"}
    done = subprocess.run([*_installed(), *args], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    _one_line(args, done.returncode, done.stderr, True)
