"""What every command shares: the options, the edge where studio and acting person are resolved, output.

The acting person is found here and only here: ``--as NAME``, else ``PRESSROOM_USER``, else
``[studio] user`` in the config. Commands build a Context with :func:`context` and call plays;
none opens a ledger session itself. Domain modules are imported inside functions so that
``pressroom --help`` starts without torch, SQLAlchemy or numpy.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Callable, Optional

import typer

if TYPE_CHECKING:
    from ..context import Context

USER_VAR = "PRESSROOM_USER"

StudioOpt = Annotated[
    Optional[Path],
    typer.Option("--studio", help="Studio folder (default: $PRESSROOM_STUDIO, else the current folder or a parent)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
AsOpt = Annotated[Optional[str], typer.Option("--as", help="Who is acting (default: $PRESSROOM_USER, else the studio config).")]

# how a field named in an error message is given on the command line
FLAGS = {
    "actor": f"pass --as NAME, set {USER_VAR}, or set user in pressroom.toml",
    "reason": "give --reason TEXT",
    "decision": "give --decision",
    "mask": "check the file given to --inpaint",
    "force": "or pass --force to inpaint anyway",
    "alt_text": "give --alt-text TEXT",
    "text": "give --text",
    "password": "give it on stdin with --password-stdin",
}


def hint(field: str | None) -> str:
    return FLAGS.get(field or "", "")


def message(exc) -> str:
    """An error as the command line says it: a message that starts with the field it is about
    names the flag instead (``steps must be ...`` -> ``--steps must be ...``), and a field with a
    known fix gets it added."""
    text, field = str(exc), exc.field
    if field and text.startswith(field) and not text[len(field):len(field) + 1].isalnum():
        text = "--" + field.replace("_", "-") + text[len(field):]
    extra = hint(field)
    return text + (f" ({extra})" if extra and extra not in text else "")


def context(studio: Optional[Path], as_: Optional[str] = None, *, acting: bool = True) -> "Context":
    """The Context of a command: the studio found from --studio, and the person acting, if named.

    ``acting=False`` for commands that only read: nobody needs to be named for them.
    """
    from .. import people
    from ..context import Actor, Context
    from ..studio import Studio

    ctx = Context(Studio.find(studio), Actor.unknown("cli"))
    if not acting:
        return ctx
    from .. import accounts

    if accounts.team_mode(ctx.studio.config):  # a team studio: the person comes from their token
        from ..errors import InputError, SignInRequired

        if as_:
            raise InputError("--as is refused in a team studio (sign_in = \"required\"); "
                             f"set {accounts.TOKEN_VAR} to your token instead", field="as")
        from .. import logins

        kept = logins.stored(ctx.studio.config.get("server", {}).get("url"))
        token = os.environ.get(accounts.TOKEN_VAR, "") or (kept or {}).get("token", "")
        if not token:
            raise SignInRequired(f"this is a team studio: set {accounts.TOKEN_VAR} to your token "
                                 "(`pressroom token create NAME`) or run `pressroom login`", field="token")
        return ctx.acting_as(accounts.token_actor(ctx, token, "cli"))
    name = as_ or os.environ.get(USER_VAR) or ctx.studio.config.get("studio", {}).get("user", "")
    return ctx.acting_as(people.actor(ctx, name, "cli"))


def optional_context(studio: Optional[Path]) -> "Context | None":
    """The Context if a studio is named or found; None when none is around and none was asked for."""
    from ..context import Context
    from ..errors import StudioError
    from ..studio import Studio

    try:
        return Context(Studio.find(studio))
    except StudioError:
        if studio is not None:
            raise
        return None


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def print_json(document) -> None:
    sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")


def listing(rows: list[dict], columns: dict[str, Callable[[dict], object]], json_out: bool) -> None:
    """A list command's output: the rows as one JSON document, or a table of the named columns."""
    if json_out:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(*columns)
    for row in rows:
        table.add_row(*(str(cell(row)) for cell in columns.values()))
    console().print(table)


def print_assets(docs: list[dict], extra: str = "") -> None:
    out = console()
    for doc in docs:
        detail = f"  distance {doc[extra]:>2}" if extra else ""
        out.print(f"  asset {doc['asset']:>4}{detail}  {doc['rendition']:<18} {doc['format']:<5} {doc['path']}")


def progress(total: int, quiet: bool, label: str = "generating"):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    err = console(stderr=True)
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=err, disable=quiet or total < 2 or not err.is_terminal, transient=True)


def warn(warnings: list[str]) -> None:
    for warning in warnings:
        console(stderr=True).print(f"[yellow]warning:[/yellow] {warning}")


def read_bytes(path: Path, what: str) -> bytes:
    """The bytes of a file the user named (the adapter's job: plays take content, not paths)."""
    from ..userfiles import read_bytes

    return read_bytes(path, what)
