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
@pytest.mark.parametrize("args,needle,code", [
    (["generate", "--model", "nope", "--prompt", "x"], "unknown model 'nope'", 3),
    (["generate", "--prompt", "x", "--width", "250"], "--width 250 is not a multiple of 8, which Stable Diffusion 1.x/2.x needs; use 248 or 256", 2),
    (["generate", "--prompt", "x", "--scheduler", "warp"], "unknown scheduler 'warp'", 2),
    (["generate"], "nothing to generate", 2),
    (["generate", "--prompt", "x", "--subject", "y"], "either --prompt or skeleton slots", 2),
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
])
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
    result = cli("generate", "--subject", "a lighthouse", "--style", "flat vector", "--seed", "40", "--count", "3",
                 "--steps", "2", "--width", "64", "--height", "64", "--batch-size", "2", "--json")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert [r["seed"] for r in rows] == [40, 41, 42]
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    for row in rows:
        assert set(row) >= {"id", "path", "seed", "sha256"} and row["prompt"] == "a lighthouse, flat vector"
    listed = json.loads(cli("generations", "--json").out)
    assert [r["id"] for r in listed] == [r["id"] for r in rows]


def test_a_long_prompt_warns_on_stderr(cli):
    result = cli("generate", "--prompt", " ".join(["golden hour portrait photo"] * 30), "--steps", "1",
                 "--width", "64", "--height", "64")
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


def test_every_command_is_documented_in_the_readme():
    from pathlib import Path

    import typer

    from pressroom.cli import app

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    group = typer.main.get_command(app)
    names = []
    for name, command in group.commands.items():
        subcommands = getattr(command, "commands", None)
        names += [f"{name} {sub}" for sub in subcommands] if subcommands else [name]
    undocumented = [name for name in names if f"pressroom {name}" not in readme and f"`{name}" not in readme]
    assert undocumented == []
