"""Audit commands: check the ledger's hash chain and triggers, and accept a break as the director."""

from __future__ import annotations

from typing import Annotated

import typer

from pressroom.cli.common import AsOpt, JsonOpt, StudioOpt, console, context, print_json, progress

app = typer.Typer(
    help="Check that the ledger holds what was written (the hash chain and its rules).", invoke_without_command=True
)

FOUND = 6  # the audit's exit status when it finds anything (as a refused play's)


@app.callback()
def check(
    typer_context: typer.Context,
    sample: Annotated[
        int | None,
        typer.Option(
            help="Also re-reproduce this many locked heroes and released files here and now (the upgrade canary)."
        ),
    ] = None,
    brief: Annotated[int | None, typer.Option(help="With --sample: only this brief's heroes and files.")] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Walk the hash chain, compare every chained row with it and check the ledger's triggers; with
    --sample N, re-reproduce a sample and report exact / close / different per item and in total.

    Exits 6 when the chain shows anything (approval and release are refused until the director
    accepts it with `pressroom audit accept`), else 1 when a sampled item came out different or
    was refused (its weights changed on disk, say)."""
    if typer_context.invoked_subcommand is not None:
        return
    from pressroom.plays import audit

    if brief is not None and sample is None:
        from pressroom.errors import InputError

        raise InputError("--brief chooses what --sample re-reproduces; give --sample N too", field="brief")
    ctx = context(studio, acting=False)
    report = audit.audit(ctx)
    canary = _canary(ctx, sample, brief, json_out) if sample is not None else None
    if json_out:
        print_json(report if canary is None else {**report, "canary": canary})
    else:
        out = console()
        for finding in report["findings"]:
            out.print(f"  {finding['what']:<7} {finding['finding']}")
        if report["intact"]:
            out.print(f"ledger intact: {report['links']} links, head {report['head'][:16]}")
        else:
            out.print(
                f"ledger shows tampering: {len(report['findings'])} finding(s); approval and release are "
                "refused until the director runs `pressroom audit accept --reason WHY --as DIRECTOR`"
            )
        if canary is not None:
            _print_canary(canary)
    if not report["intact"]:
        raise typer.Exit(FOUND)
    if canary is not None and (canary["totals"]["different"] or canary["totals"]["refused"]):
        raise typer.Exit(1)


def _canary(ctx, sample: int, brief: int | None, quiet: bool) -> dict:
    from pressroom.plays import canary

    with progress(2, quiet, "re-reproducing") as bar:
        task = bar.add_task("canary", total=None)
        return canary.run(ctx, sample, brief, lambda total, _item: bar.update(task, total=total, advance=1))


def _print_canary(canary: dict) -> None:
    out = console()
    for item in canary["items"]:
        name = f"{item['kind']} {item['id']}"
        if item["verdict"] == "refused":
            out.print(f"  [red]refused[/red]   {name}: {item['reason']}")
            continue
        colour = {"exact": "green", "close": "yellow"}.get(item["verdict"], "red")
        changed = ", ".join(f"{k} {then} -> {now}" for k, (then, now) in item["changed"].items())
        out.print(
            f"  [{colour}]{item['verdict']:<9}[/{colour}] {name}: ssim {item['ssim']}, pHash distance "
            f"{item['phash_distance']}, max pixel difference {item['max_pixel_difference']}"
            + (f"; changed since made: {changed}" if changed else "")
        )
    totals = canary["totals"]
    env = canary["environment"]
    out.print(
        f"canary: {canary['sampled']} re-reproduced: {totals['exact']} exact, {totals['close']} close, "
        f"{totals['different']} different, {totals['refused']} refused; here: torch {env['torch'] or '-'}, "
        f"diffusers {env['diffusers'] or '-'}, device {env.get('device_name') or '-'}"
    )


@app.command("accept")
def accept(
    reason: Annotated[str, typer.Option(help="Why the break is accepted: what was found and what was done.")],
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Accept what the audit finds (director): triggers put back, rows linked as they now are, and the
    break recorded in the chain with who accepted it and why."""
    from pressroom.plays import audit

    done = audit.accept(context(studio, as_), reason)
    if json_out:
        print_json(done)
        return
    out = console()
    for finding in done["accepted"]:
        out.print(f"  accepted  {finding['finding']}")
    out.print(f"break accepted by {done['by']}; the chain goes on from {done['head'][:16]}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="audit")
