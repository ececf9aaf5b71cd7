"""The ``pressroom`` command line: one module per command group, each command a few lines.

A command parses its arguments, builds a Context at the edge (:mod:`.common`), calls one play
and prints the result (a Rich table for people, one JSON document with ``--json`` for scripts).
Errors deriving from ``PressroomError`` end as one line on stderr with the kind's exit code.
"""

from __future__ import annotations

import functools
import sys

import typer

from pressroom.cli import (
    adapters,
    audit,
    briefs,
    concept,
    guests,
    images,
    jobs,
    keys,
    library,
    login,
    loras,
    models,
    notify,
    outbox,
    people,
    post,
    production,
    recipes,
    report,
    review,
    server,
    studio,
    tokens,
)

app = typer.Typer(
    name="pressroom",
    help="AI image generation as a governed team function: every image reproducible from its recipe card.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for group in (
    studio,
    models,
    loras,
    adapters,
    people,
    tokens,
    briefs,
    concept,
    production,
    post,
    jobs,
    outbox,
    notify,
    review,
    report,
    guests,
    recipes,
    library,
    images,
    audit,
    keys,
    server,
    login,
):
    group.register(app)


@functools.cache
def _command():
    """The click command tree typer builds from ``app``: built once per process, since building it
    reads every command's signature (about 0.2 s) and it holds no state between invocations."""
    return typer.main.get_command(app)


def main(argv: list[str] | None = None) -> int:
    import click
    from typer.exceptions import TyperException  # typer's own copy of click's usage errors

    from pressroom.cli.common import message
    from pressroom.errors import PressroomError

    command = _command()
    try:
        # without standalone mode click returns an Exit's code instead of raising it
        code = command.main(args=argv, prog_name="pressroom", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except (click.ClickException, TyperException) as exc:
        # a usage mistake (unknown command or option, a value of the wrong type): one line too
        text = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        if text.strip():  # (no text: a bare group, whose help was just printed)
            sys.stderr.write(f"error: {text} (see `pressroom --help`)\n")
        return getattr(exc, "exit_code", 2)
    except (click.Abort, KeyboardInterrupt):
        sys.stderr.write("interrupted: everything made so far is stored\n")
        return 130
    except PressroomError as exc:
        sys.stderr.write(f"error: {message(exc)}\n")
        return exc.exit_code
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
