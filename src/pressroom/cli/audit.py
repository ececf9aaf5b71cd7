"""Audit commands: check the ledger's hash chain and triggers, and accept a break as the director."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import AsOpt, JsonOpt, StudioOpt, console, context, print_json

app = typer.Typer(help="Check that the ledger holds what was written (the hash chain and its rules).",
                  invoke_without_command=True)

FOUND = 6  # the audit's exit status when it finds anything (as a refused play's)


@app.callback()
def check(typer_context: typer.Context, studio: StudioOpt = None, json_out: JsonOpt = False) -> None:
    """Walk the hash chain, compare every chained row with it and check the ledger's triggers.

    Exits 6 when anything is found; approval and release are refused until the director
    accepts it with `pressroom audit accept`."""
    if typer_context.invoked_subcommand is not None:
        return
    from .. import audit

    report = audit.audit(context(studio, acting=False))
    if json_out:
        print_json(report)
    else:
        out = console()
        for finding in report["findings"]:
            out.print(f"  {finding['what']:<7} {finding['finding']}")
        if report["intact"]:
            out.print(f"ledger intact: {report['links']} links, head {report['head'][:16]}")
        else:
            out.print(f"ledger shows tampering: {len(report['findings'])} finding(s); approval and release are "
                      "refused until the director runs `pressroom audit accept --reason WHY --as DIRECTOR`")
    if not report["intact"]:
        raise typer.Exit(FOUND)


@app.command("accept")
def accept(
    reason: Annotated[str, typer.Option(help="Why the break is accepted: what was found and what was done.")],
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Accept what the audit finds (director): triggers put back, rows linked as they now are, and the
    break recorded in the chain with who accepted it and why."""
    from .. import audit

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
