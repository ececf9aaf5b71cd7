"""The audit report command: a brief's decisions, marks and releases as a PDF or a CSV."""

from __future__ import annotations

from typing import Annotated

import typer

from pressroom.cli.common import JsonOpt, StudioOpt, console, context, print_json


def report(
    brief: Annotated[int, typer.Argument(metavar="BRIEF")],
    output: Annotated[
        str, typer.Option("-o", "--output", help="The file to write: its ending, .pdf or .csv, picks the format.")
    ],
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write a brief's audit report: every image that reached review with its thumbnail (PDF), versions,
    each decision with every checklist item and reason, marks and replies, what was released to which
    channel, and the ledger chain's head at export."""
    from pressroom.plays import report as reports

    done = reports.save(context(studio, acting=False), brief, output)
    if json_out:
        print_json(done)
        return
    count = len(done["images"])
    console().print(
        f"brief {done['brief']}'s audit report ({done['format'].upper()}, {count} image{'s' if count != 1 else ''}) "
        f"written to {done['output']}; chain head {done['head'][:16]} at link {done['links']}"
    )


def register(root: typer.Typer) -> None:
    root.command()(report)
