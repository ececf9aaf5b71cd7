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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from pressroom.context import Context

USER_VAR = "PRESSROOM_USER"

StudioOpt = Annotated[
    Path | None,
    typer.Option("--studio", help="Studio folder (default: $PRESSROOM_STUDIO, else the current folder or a parent)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
AsOpt = Annotated[
    str | None, typer.Option("--as", help="Who is acting (default: $PRESSROOM_USER, else the studio config).")
]

# how a field named in an error message is given on the command line, or the command that fixes it
# (each hint true of every command that can raise an error about that field)
FLAGS = {
    "actor": f"pass --as NAME, set {USER_VAR}, or set user in pressroom.toml; "
    "`pressroom user add NAME --role ROLE` adds a person or gives a role",
    "reason": "give --reason TEXT",
    "decision": "give --decision",
    "check": "give --check ITEM=pass|fail|n/a for each item (ITEM=fail:what is wrong for a failure)",
    "mask": "check the file given to --inpaint",
    "force": "or pass --force to inpaint anyway",
    "alt_text": "give --alt-text TEXT",
    "text": "give --text",
    "guest": 'give --guest "NAME"',
    "share": "`pressroom share list BRIEF` lists a brief's links with their numbers",
    "password": "give it on stdin with --password-stdin",
    # inputs
    "replace": "pass --replace",
    "hub_id": "pass --path PATH or --hub ID",
    "config": "give --config DIR, a local diffusers config folder",
    "model": "`pressroom model list` shows the registered models; `pressroom model add` registers one",
    "model_path": "pass --model-path WEIGHTS, or --studio PATH of a studio that has them",
    "upscaler": "pass --upscaler NAME of a registered upscaler, or --upscaler lanczos",
    "lora": "`pressroom lora list` shows the registered LoRAs; `pressroom lora add` registers one",
    "reference": "`pressroom adapter list` shows the registered adapters; `pressroom adapter add` registers one",
    "card": "a card as `pressroom recipe export ID -o CARD` writes it, with its images",
    "count": "--count N makes N images from --seed S on",
    "seeds": "--seeds N makes N images for each --vary value",
    "negative": "drop --negative",
    "width": "--width and --height set the size",
    "styles": "give --style NAME for each; `pressroom style list` shows the library, `pressroom style add` adds to it",
    "vary": "give --vary SLOT=VALUE for each value; `pressroom lock BRIEF --slot SLOT` locks a version that varies "
    "another slot",
    "op": "give one of --inpaint MASK.png, --refine or --upscale N",
    "expect": "pass --expect IMAGE_OR_PIXEL_SHA256",
    "tool": 'give --tool NAME, e.g. --tool Midjourney or --tool "Photoshop 27.1"',
    "crops": "--crops 0 gives the figures alone",
    "role": "pass --role ROLE, once for each role",
    "director": "`pressroom user add NAME --role director` adds a person or gives them the role",
    "url": "pass --url or set [server] url in pressroom.toml",
    # rows, by the listing that shows them
    "generation": "list images with `pressroom generations`",
    "from_generation": "--from names a generation; list them with `pressroom generations`",
    "brief": "list briefs with `pressroom brief list`",
    "recipe": "locked recipes are listed by `pressroom brief show BRIEF`",
    "template": "`pressroom template promote RECIPE NAME` promotes a locked recipe",
    "job": "list jobs with `pressroom jobs`",
    "asset": "`pressroom search` finds released assets",
    "token": "`pressroom token list` shows the tokens; `pressroom token create NAME` makes one",
    # steps of the playbook that another command takes
    "direction": "`pressroom direction approve BRIEF GEN` approves one",
    "prechecks": "`pressroom check GEN` runs them",
    "cull": "`pressroom cull GEN --keep` keeps it; `pressroom review GEN --decision rejected` sends it back",
    "signing": "a director starts a new key with `pressroom keys rotate --as DIRECTOR`",
    "ledger": "`pressroom audit` shows it; `pressroom audit accept --reason WHY --as DIRECTOR` resolves it",
}


def hint(field: str | None) -> str:
    return FLAGS.get(field or "", "")


def message(exc) -> str:
    """An error as the command line says it: a message that starts with the field it is about
    names the flag instead (``steps must be ...`` -> ``--steps must be ...``), and a field with a
    known fix gets it added."""
    text, field = str(exc), exc.field
    if field and text.startswith(field) and not text[len(field) : len(field) + 1].isalnum():
        text = "--" + field.replace("_", "-") + text[len(field) :]
    extra = hint(field)
    return text + (f" ({extra})" if extra and extra not in text else "")


def context(studio: Path | None, as_: str | None = None, *, acting: bool = True) -> Context:
    """The Context of a command: the studio found from --studio, and the person acting, if named.

    ``acting=False`` for commands that only read: nobody needs to be named for them.
    """
    from pressroom.context import Actor, Context
    from pressroom.plays import people
    from pressroom.plays import studio as studio_plays

    ctx = Context(studio_plays.find(studio), Actor.unknown("cli"))
    if not acting:
        return ctx
    from pressroom.plays import accounts

    if accounts.team_mode(ctx.studio.config):  # a team studio: the person comes from their token
        from pressroom.errors import InputError, SignInRequired

        if as_:
            raise InputError(
                '--as is refused in a team studio (sign_in = "required"); '
                f"set {accounts.TOKEN_VAR} to your token instead",
                field="as",
            )
        token = team_token(ctx)
        if not token:
            raise SignInRequired(
                f"this is a team studio: set {accounts.TOKEN_VAR} to your token or run `pressroom login`", field="token"
            )
        return ctx.acting_as(accounts.token_actor(ctx, token, "cli"))
    name = as_ or os.environ.get(USER_VAR) or ctx.studio.config.get("studio", {}).get("user", "")
    return ctx.acting_as(people.actor(ctx, name, "cli"))


def team_token(ctx: Context) -> str:
    """The token the CLI acts with in a team studio: ``PRESSROOM_TOKEN``, else the kept login ("": none)."""
    from pressroom.plays import accounts

    kept = accounts.kept_login(ctx.studio.config.get("server", {}).get("url"))
    return os.environ.get(accounts.TOKEN_VAR, "") or (kept or {}).get("token", "")


def token_context(studio: Path | None) -> Context:
    """The Context of a command on tokens: in a team studio the person its token names, who obeys
    the server's rules (their own tokens, or anyone's as an admin); nobody only while the studio
    has no token at all, to make the first one. Elsewhere anyone with the studio folder."""
    from pressroom.plays import accounts

    ctx = context(studio, acting=False)
    if accounts.team_mode(ctx.studio.config) and team_token(ctx):
        return context(studio)
    return ctx


def optional_context(studio: Path | None) -> Context | None:
    """The Context if a studio is named or found; None when none is around and none was asked for."""
    from pressroom.context import Context
    from pressroom.errors import StudioError
    from pressroom.plays import studio as studio_plays

    try:
        return Context(studio_plays.find(studio))
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
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=quiet or total < 2 or not err.is_terminal,
        transient=True,
    )


def warn(warnings: list[str]) -> None:
    for warning in warnings:
        console(stderr=True).print(f"[yellow]warning:[/yellow] {warning}")


def read_bytes(path: Path, what: str) -> bytes:
    """The bytes of a file the user named (the adapter's job: plays take content, not paths)."""
    from pressroom.plays import imports

    return imports.read_bytes(path, what)
