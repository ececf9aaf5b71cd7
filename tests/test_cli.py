"""The command line: fast start, one-line errors, scriptable JSON."""

import json
import subprocess
import sys

import pytest


def test_help_imports_no_torch():
    code = (
        "import sys\n"
        "from pressroom.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'diffusers', 'transformers', 'sqlalchemy', 'numpy') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "Usage" in done.stdout
    assert "HEAVY []" in done.stdout, done.stdout


# each mistake's kind has its exit code: 2 bad input, 3 not found (see errors.py)
@pytest.mark.parametrize(
    "args,needle,code",
    [
        (["generate", "--model", "nope", "--prompt", "x"], "unknown model 'nope'", 3),
        (
            ["generate", "--prompt", "x", "--width", "250"],
            "--width 250 is not a multiple of 8, which Stable Diffusion 1.x/2.x needs; use 248 or 256",
            2,
        ),
        (["generate", "--prompt", "x", "--scheduler", "warp"], "unknown scheduler 'warp'", 2),
        (["generate"], "nothing to generate", 2),
        (
            ["generate", "--prompt", "x", "--subject", "y"],
            "--prompt and skeleton slots (subject, style ...) were both",
            2,
        ),
        (["generate", "--card", "missing.toml"], "card missing.toml does not exist", 3),
        (["reproduce", "missing.toml"], "card missing.toml does not exist", 3),
        (["recipe", "export", "99"], "no generation 99", 3),
        (["model", "add", "x", "--path", "/nonexistent"], "does not exist", 3),
        # usage mistakes that typer's own copy of click raises: one line as well
        (["nosuchcommand"], "No such command 'nosuchcommand'", 2),
        (["generate", "--steps", "abc", "--prompt", "x"], "Invalid value for '--steps'", 2),
        (["cull", "notanumber", "--keep"], "Invalid value for 'GEN...'", 2),
        (["generate", "--nope"], "No such option: --nope", 2),
        (["verify", "."], "is a folder; give an image file", 2),
    ],
)
def test_user_mistakes_are_one_line_errors(cli, args, needle, code):
    result = cli(*args)
    assert result.code == code, result.err
    assert needle in result.err
    assert result.err.startswith("error: ") and len(result.err.strip().splitlines()) == 1


def test_a_malformed_card_names_field_and_line(cli, tmp_path):
    card = tmp_path / "bad.toml"
    card.write_text('prompt = "x"\nseed = -4\n[model]\nname = "tiny"\n')
    result = cli("generate", "--card", card)
    assert result.code == 2 and "seed (line 2) Input should be greater than or equal to 0" in result.err


def test_generate_json_lists_every_image_with_its_hashes(cli, studio):
    result = cli(
        "generate",
        "--subject",
        "a lighthouse",
        "--style",
        "flat vector",
        "--seed",
        "40",
        "--count",
        "3",
        "--steps",
        "2",
        "--width",
        "64",
        "--height",
        "64",
        "--batch-size",
        "2",
        "--json",
    )
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert [r["seed"] for r in rows] == [40, 41, 42]
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    for row in rows:
        assert set(row) >= {"id", "path", "seed", "sha256"} and row["prompt"] == "a lighthouse, flat vector"
    listed = json.loads(cli("generations", "--json").out)
    assert [r["id"] for r in listed] == [r["id"] for r in rows]


def test_a_long_prompt_warns_on_stderr(cli):
    result = cli(
        "generate",
        "--prompt",
        " ".join(["golden hour portrait photo"] * 30),
        "--steps",
        "1",
        "--width",
        "64",
        "--height",
        "64",
    )
    assert result.code == 0 and "warning:" in result.err and "77" in result.err


def test_init_from_the_command_line(tmp_path, capsys, new_ledger):
    from pressroom.cli import main

    url = new_ledger()
    assert main(["init", str(tmp_path / "s"), "--json", *(["--database", url] if url else [])]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["studio"] == str(tmp_path / "s") and "tiny" in made["note"]
    if url is None:
        assert made["ledger"] == str(tmp_path / "s" / "ledger.sqlite")
    else:
        from sqlalchemy.engine import make_url

        assert make_url(made["ledger"]) == make_url(url)


# -- service errors name fields and values; the CLI adds its flags -------------------------------------
def _commands() -> dict[tuple[str, ...], set[str]]:
    """Every command and group by its words (``("brief", "show")``), with the options it takes."""
    import typer

    from pressroom.cli import app

    def walk(command, words):  # (typer has its own copy of click: a group is what has commands)
        yield (
            words,
            {
                opt
                for param in command.params
                for opt in (*getattr(param, "opts", ()), *getattr(param, "secondary_opts", ()))
            },
        )
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                yield from walk(sub, (*words, name))

    return dict(walk(typer.main.get_command(app), ()))


def _flag_hints() -> list[str]:
    from pressroom.cli.common import FLAGS

    return sorted(FLAGS)


@pytest.mark.parametrize("field", _flag_hints())
def test_each_flag_hint_names_commands_and_options_that_exist(field):
    import re

    from pressroom.cli.common import FLAGS

    commands, hint = _commands(), FLAGS[field]
    for quoted in re.findall(r"`pressroom ([^`]*)`", hint):
        words = quoted.split()
        found = next((tuple(words[:n]) for n in range(len(words), 0, -1) if tuple(words[:n]) in commands), None)
        assert found, f"{field}: there is no command `pressroom {quoted}`"
        for flag in re.findall(r"--[a-z][a-z-]*", quoted):
            assert flag in commands[found], f"{field}: `pressroom {' '.join(found)}` takes no {flag}"
    anywhere = set().union(*commands.values())
    for flag in re.findall(r"--[a-z][a-z-]*", re.sub(r"`[^`]*`", "", hint)):
        assert flag in anywhere, f"{field}: no command takes {flag}"


# raised only while a process opens its studio folder or the CLI's own login file, before any page
# exists: the fix is a command with the folder in it (`pressroom init PATH`), so they name it
NAMES_COMMANDS = {"store/studio.py", "store/logins.py"}


def test_errors_below_the_front_ends_name_fields_not_flags_or_commands():
    import ast
    import re
    from pathlib import Path

    import pressroom

    root, found = Path(pressroom.__file__).parent, []
    for path in sorted(root.rglob("*.py")):
        where = path.relative_to(root).as_posix()
        if where.split("/")[0] in ("cli", "server") or where in NAMES_COMMANDS or "/migrations/" in where:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            for part in ast.walk(node.exc):
                if (
                    isinstance(part, ast.Constant)
                    and isinstance(part.value, str)
                    and re.search(r"(^|[\s(])--[a-z]|`pressroom ", part.value)
                ):
                    found.append(f"{where}:{part.lineno}: {part.value}")
    assert not found, "a message names a flag or a command; name the field (field=...) instead:\n" + "\n".join(found)
