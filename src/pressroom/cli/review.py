"""Quality commands: the review gate, the automated pre-checks and the large-format proof."""

from __future__ import annotations

from typing import Annotated

import typer

from pressroom.cli.common import AsOpt, JsonOpt, StudioOpt, console, context, print_json

GenArg = Annotated[int, typer.Argument(metavar="GEN")]


def _findings_table(findings: list[dict], title: str):
    from rich.table import Table

    table = Table("check", "item", "result", "score", "detail", title=title)
    colours = {"pass": "green", "warn": "yellow", "fail": "red", "n/a": "dim"}
    for f in findings:
        score = "" if f["score"] is None else f"{f['score']:g}"
        table.add_row(f["name"], f["item"], f"[{colours[f['result']]}]{f['result']}[/]", score, f["detail"])
    return table


def review(
    generation: GenArg,
    decision: Annotated[
        str | None, typer.Option(help="approved, approved-with-changes, changes-required or rejected.")
    ] = None,
    check: Annotated[
        list[str] | None, typer.Option(help="ITEM=pass|fail|n/a, or ITEM=fail:REASON; repeat per item.")
    ] = None,
    note: Annotated[str, typer.Option(help="The decision's note.")] = "",
    alt_text: Annotated[str, typer.Option(help="Alt text for the image (released with it).")] = "",
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Review gate: without --decision, show the checklist and pre-checks; with it, record a decision."""
    from pressroom.plays import reviews

    if decision is None:
        sheet = reviews.sheet(context(studio, acting=False), generation)
        if json_out:
            print_json(sheet["findings"])
            return
        gate, out = sheet["status"], console()
        out.print(
            f"[bold]generation {generation}[/bold]: {gate['gate']} gate, {gate['needed']} reviewer(s) "
            f"needed; result so far: {gate['result']}"
        )
        origin = sheet["origin"]
        out.print(f"made with {origin['tool']}: {origin['reproducibility']} ({origin['reproducibility_words']})")
        out.print("checklist: " + ", ".join(gate["items"]))
        out.print(_findings_table(sheet["findings"], "automated pre-checks (they assist; the reviewer decides)"))
        for current in gate["current"]:
            out.print(f"  {current['reviewer']}: {current['decision']} {current['note']}")
        return
    from pressroom.domain import gate

    answers = dict(gate.parse_answer(value) for value in check or [])
    result = reviews.decide(context(studio, as_), generation, decision, answers, note=note, alt_text=alt_text)
    if json_out:
        print_json(result.as_dict())
    else:
        console().print(
            f"generation {generation}: {decision} recorded; gate result {result.result} "
            f"({len(result.approvals)}/{result.needed} approvals)"
        )


def check(
    generation: Annotated[list[int], typer.Argument(metavar="GEN...")],
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Run the automated pre-checks on images at any play (faces, text, NSFW, palette, licence ...)."""
    from pressroom.plays import reviews

    results = reviews.check(context(studio, acting=False), generation)
    if json_out:
        print_json([{"id": gen, "checks": found} for gen, found in results.items()])
        return
    for gen, found in results.items():
        console().print(_findings_table(found, f"generation {gen}"))


def proof(
    generation: GenArg,
    size: Annotated[str, typer.Option(help="Print size, e.g. 36x48in or 90x120cm.")],
    distance: Annotated[str, typer.Option(help="Viewing distance, e.g. 5ft, 60in or 2m.")],
    crops: Annotated[int, typer.Option(help="How many 1:1 crops of the most detailed regions.")] = 3,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Large-format proof: ppi at the print size against what the viewing distance needs, and 1:1 crops."""
    from pressroom.plays import proofs

    report = proofs.proof(context(studio, acting=False), generation, size, distance, crops)
    if json_out:
        print_json(report)
        return
    out = console()
    verdict = "[green]enough[/green]" if report["enough"] else "[red]not enough[/red]"
    out.print(
        f"{report['pixels']} at {report['size_in']} in: {report['ppi']} ppi; {report['distance_in']} in away "
        f"needs about {report['needed_ppi']} ppi: {verdict}"
    )
    for crop in report["crops"]:
        out.print(f"  crop {crop['box']} (detail {crop['detail']}): {crop['path']}")


def assign(
    brief: Annotated[int, typer.Argument(metavar="BRIEF")],
    reviewer: Annotated[str, typer.Option(help="The reviewer the brief's reviews go to (one with the reviewer role).")],
    due: Annotated[str | None, typer.Option(help="When their reviews are due, as YYYY-MM-DD.")] = None,
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Give a brief's reviews to a named reviewer, with a due date (the brief's director or an admin);
    again for the same reviewer: a new due date. A brief with assignments waits on those reviewers only."""
    from pressroom.plays import assignments

    row = assignments.assign(context(studio, as_), brief, reviewer, due)
    if json_out:
        print_json(row)
    else:
        console().print(
            f"assignment {row['assignment']}: brief {row['brief']}'s reviews to {row['reviewer']}"
            + (f", due {row['due']}" if row["due"] else "")
        )


def unassign(
    assignment: Annotated[int, typer.Argument(metavar="ASSIGNMENT_ID")],
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """End an assignment: the brief leaves that reviewer's list."""
    from pressroom.plays import assignments

    row = assignments.end(context(studio, as_), assignment)
    print_json(row) if json_out else console().print(f"assignment {row['assignment']} ended")


def register(root: typer.Typer) -> None:
    for command in (review, check, proof, assign, unassign):
        root.command()(command)
