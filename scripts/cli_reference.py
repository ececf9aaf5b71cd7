"""Write docs/cli.md, the command reference, from the commands themselves.

    python scripts/cli_reference.py            write docs/cli.md
    python scripts/cli_reference.py --check    exit 1 if docs/cli.md is out of date

It imports the Typer app from ``pressroom.cli`` (nothing else of pressroom), turns it into its
click group and walks every command and sub-command in name order, writing each one's usage,
help text and every argument and option with its help and default. The output depends on the
commands alone (no terminal width, no environment), so the same code always gives the same file.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "cli.md"
PROG = "pressroom"

HEADER = f"""\
# Command reference

<!-- Written by scripts/cli_reference.py from the commands themselves: do not edit by hand.
     Run `python scripts/cli_reference.py` after changing a command. -->

Every `{PROG}` command, sub-command, argument and option, with the help text the command itself
prints under `--help`. The guides in this folder explain what the commands are for; start at the
[README](../README.md).

Three options recur: `--studio PATH` picks the studio (default: `$PRESSROOM_STUDIO`, else the
current folder or its nearest parent holding a studio), `--json` prints one JSON document for
scripts, and `--as NAME` names the person acting (default: `$PRESSROOM_USER`, else `user` under
`[studio]` in `pressroom.toml`; a team studio takes the person from their token instead). Every
command also takes `--help`.
"""


def _app():
    import importlib.util

    if importlib.util.find_spec("pressroom") is None:  # a checkout that is not installed still works
        sys.path.insert(0, str(ROOT / "src"))
    from pressroom.cli import app  # the only pressroom import: the package keeps its name

    return app


def walk(command, context, path: tuple[str, ...] = ()):
    """Yield ``(path, command, context)`` for the command and everything under it, by name."""
    yield path, command, context
    for name in sorted(getattr(command, "commands", {}) or {}):
        child = command.commands[name]
        if getattr(child, "hidden", False):
            continue
        yield from walk(child, type(context)(child, info_name=name, parent=context), path + (name,))


def _cell(text: str) -> str:
    """Text fit for one cell of a Markdown table."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _clean(text: str | None) -> str:
    return inspect.cleandoc(text or "").strip()


def _is_option(param) -> bool:
    return getattr(param, "param_type_name", "") == "option"


def _default(param) -> str:
    if param.required:
        return "required"
    default = param.default
    if callable(default):  # a factory: say nothing rather than something that may change
        return ""
    if getattr(param, "is_flag", False):
        if param.secondary_opts:  # --x/--no-x
            if default is None:
                return ""
            return f"`{param.opts[0] if default else param.secondary_opts[0]}`"
        return "on" if default else ""
    if default is None or default == "" or (isinstance(default, (list, tuple)) and not default):
        return ""
    if isinstance(default, (list, tuple)):
        return ", ".join(f"`{item}`" for item in default)
    return f"`{default}`"


def _range(param) -> str:
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is not None and high is not None:
        return f"{low} to {high}"
    if low is not None:
        return f"at least {low}"
    if high is not None:
        return f"at most {high}"
    return ""


def _help(param) -> str:
    text = _clean(getattr(param, "help", "") or "")
    allowed = _range(param)
    if allowed:
        text = f"{text} ({allowed})" if text else allowed.capitalize()
    if getattr(param, "multiple", False) and "repeat" not in text.lower():
        text = f"{text} Repeatable." if text else "Repeatable."
    return text


def _name(param, context) -> str:
    record = param.get_help_record(context)
    if record and record[0]:
        return record[0]
    return " / ".join([*param.opts, *param.secondary_opts]) or param.name


def section(path: tuple[str, ...], command, context) -> str:
    title = " ".join((PROG, *path))
    lines = [f"## {title}", ""]
    usage = " ".join([context.command_path, *command.collect_usage_pieces(context)])
    lines += ["```", usage, "```", ""]
    text = _clean(command.help)
    if text:
        lines += [text, ""]
    if getattr(command, "commands", None) and getattr(command, "invoke_without_command", False):
        alone = _clean(getattr(command.callback, "__doc__", ""))
        if alone and alone != text:
            lines += [f"Run alone (`{title}`): {alone}", ""]
    params = [p for p in command.params if not getattr(p, "hidden", False) and p.name != "help"]
    arguments = [p for p in params if not _is_option(p)]
    options = [p for p in params if _is_option(p)]
    if arguments:
        lines += ["| argument | help | default |", "|---|---|---|"]
        lines += [f"| `{_cell(_name(p, context))}` | {_cell(_help(p))} | {_cell(_default(p))} |" for p in arguments]
        lines.append("")
    if options:
        lines += ["| option | help | default |", "|---|---|---|"]
        lines += [f"| `{_cell(_name(p, context))}` | {_cell(_help(p))} | {_cell(_default(p))} |" for p in options]
        lines.append("")
    subcommands = sorted(
        n for n, c in (getattr(command, "commands", {}) or {}).items() if not getattr(c, "hidden", False)
    )
    if subcommands and path:  # (the root's are the index above)
        lines.append("Sub-commands: " + ", ".join(f"`{title} {name}`" for name in subcommands) + ".")
        lines.append("")
    return "\n".join(lines)


def commands():
    """Every command as ``(path, command, context)``, the root first (its path is empty)."""
    import typer

    group = typer.main.get_command(_app())
    context_class = getattr(group, "context_class", None)
    if context_class is None:  # pragma: no cover - every click command has one
        from click import Context as context_class
    root = context_class(group, info_name=PROG)
    return list(walk(group, root))


def render() -> str:
    found = commands()
    index = ["## Commands", ""]
    index += [f"- [`{' '.join((PROG, *path))}`](#{_anchor(' '.join((PROG, *path)))})" for path, _, _ in found if path]
    body = [section(path, command, context) for path, command, context in found]
    return HEADER + "\n" + "\n".join(index) + "\n\n" + "\n".join(body).rstrip("\n") + "\n"


def _anchor(title: str) -> str:
    """The anchor GitHub gives a heading (lower case, punctuation dropped, spaces as hyphens)."""
    import re

    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write docs/cli.md from the pressroom commands.")
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/cli.md is out of date; write nothing")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.is_file() else ""
        if current != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run `python scripts/cli_reference.py`", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
