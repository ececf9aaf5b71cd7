"""Intake commands: briefs, their completeness check and status."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pressroom.cli.common import AsOpt, JsonOpt, StudioOpt, console, context, listing, print_json

app = typer.Typer(help="Intake: briefs, their completeness check and status.", no_args_is_help=True)
BriefArg = Annotated[int, typer.Argument(metavar="BRIEF")]
FileOpt = Annotated[Path, typer.Option("--file", help="The brief as TOML (see `pressroom brief template`).")]


@app.command("template")
def template() -> None:
    """Print an annotated example brief to start from."""
    from pressroom.plays.briefs import TEMPLATE

    sys.stdout.write(TEMPLATE)


def _outcome(brief: dict, json_out: bool) -> None:
    """Print the stored brief; a draft still exits non-zero, so scripts notice it cannot generate."""
    from pressroom.errors import BriefNotReady

    print_json(brief) if json_out else console().print(f"brief {brief['id']} {brief['title']!r}: {brief['status']}")
    if brief["status"] == "draft":
        raise BriefNotReady(f"brief {brief['id']} is stored as a draft; missing: {', '.join(brief['missing'])}")
    if brief["status"] == "paused":
        console(stderr=True).print(f"[yellow]paused:[/yellow] {brief['pause_reason']}")


@app.command("new")
def new(file: FileOpt, as_: AsOpt = None, studio: StudioOpt = None, json_out: JsonOpt = False) -> None:
    """Open a brief. Incomplete: stored as a draft, with every missing item listed."""
    from pressroom.plays import briefs

    spec = briefs.read(file)
    _outcome(briefs.open_brief(context(studio, as_), spec), json_out)


@app.command("update")
def update(
    brief_id: BriefArg, file: FileOpt, as_: AsOpt = None, studio: StudioOpt = None, json_out: JsonOpt = False
) -> None:
    """Replace a brief's content (the previous content stays in the log)."""
    from pressroom.plays import briefs

    spec = briefs.read(file)
    _outcome(briefs.replace_brief(context(studio, as_), brief_id, spec), json_out)


@app.command("resume")
def resume(
    brief_id: BriefArg,
    reason: Annotated[str, typer.Option(help="Why the pause is over.")],
    as_: AsOpt = None,
    studio: StudioOpt = None,
) -> None:
    """Resume a paused brief (the director, with a reason)."""
    from pressroom.plays import briefs

    briefs.resume_brief(context(studio, as_), brief_id, reason)
    console().print(f"brief {brief_id} is active again")


@app.command("show")
def show(brief_id: BriefArg, studio: StudioOpt = None, json_out: JsonOpt = False) -> None:
    """A brief with its status, direction, rankings and recipe versions."""
    from pressroom.plays import briefs

    doc = briefs.show(context(studio, acting=False), brief_id)
    if json_out:
        print_json(doc)
        return
    out = console()
    out.print(f"[bold]brief {doc['id']}[/bold] {doc['title']}  [{doc['status']}]")
    if doc["pause_reason"]:
        out.print(f"  paused: {doc['pause_reason']}")
    if doc["missing"]:
        out.print(f"  missing: {', '.join(doc['missing'])}")
    out.print(f"  intent: {doc['spec']['intent']}")
    out.print(
        f"  {doc['content_type']} / stakes {doc['stakes']} / use {doc['intended_use']} / director {doc['director']}"
    )
    if doc["direction"]:
        out.print(f"  direction: generation {doc['direction']} approved by {doc['direction_approved_by']}")
    for recipe in doc["recipes"]:
        out.print(
            f"  recipe {recipe['recipe']} v{recipe['version']} {recipe['status']} slot={recipe['slot']} "
            f"hero={recipe['hero']} verdict={recipe['verdict']}"
        )
        if recipe["flag"]:
            out.print(f"    [red]flagged[/red]: {recipe['flag']}")


@app.command("list")
def list_(studio: StudioOpt = None, json_out: JsonOpt = False) -> None:
    """All briefs with their status."""
    from pressroom.plays import briefs

    columns = {
        name: (lambda row, key=key: row[key])
        for name, key in (
            ("id", "id"),
            ("title", "title"),
            ("status", "status"),
            ("type", "content_type"),
            ("stakes", "stakes"),
            ("director", "director"),
        )
    }
    listing(briefs.briefs(context(studio, acting=False)), columns, json_out)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="brief")
