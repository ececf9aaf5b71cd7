"""Studio commands: create a studio, run the demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pressroom.cli.common import JsonOpt, console, print_json


def init(
    path: Annotated[Path, typer.Argument(help="Folder for the new studio.")] = Path("."),
    name: Annotated[str | None, typer.Option(help="Studio name (default: the folder's name).")] = None,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            metavar="URL",
            help="The ledger: postgresql+psycopg://user@host:5432/db for a team "
            "(default: the studio's own SQLite file).",
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Create a studio: config, ledger (SQLite, or PostgreSQL with --database), asset store, signing keys
    and the built-in sketch model (the default); the built-in tiny model is made on first use."""
    from pressroom.plays.studio import create

    made = create(path, name=name, database_url=database)
    if json_out:
        print_json({"studio": made["studio"], "ledger": made["ledger"], "note": made["note"]})
        return
    out = console()
    out.print(f"Created studio [bold]{made['studio']}[/bold]")
    out.print(f"  ledger  {made['ledger']}")
    out.print(f"  assets  {made['assets']}")
    out.print(f"  keys    {made['keys']} (C2PA signing chain; signer.key is readable by you only)")
    out.print(f"  {made['note']}")


def demo(
    keep: Annotated[
        Path | None, typer.Option(help="Create the demo studio here instead of a temporary folder.")
    ] = None,
) -> None:
    """Run the whole playbook on a sample brief in a temporary studio with the built-in sketch model
    (tiny where this install ships no sketch weights)."""
    from pressroom.plays.demo import run

    run(keep, console())


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(demo)
