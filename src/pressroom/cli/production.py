"""Production commands: lock-in, volume run, cull, fix and finish, templates, and the team's metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pressroom.cli.common import AsOpt, JsonOpt, StudioOpt, console, context, print_json, read_bytes, warn
from pressroom.cli.jobs import NoWaitOpt, followed, print_job

template_app = typer.Typer(help="Recipes that kept well, promoted for later briefs.", no_args_is_help=True)


def lock(
    brief_id: Annotated[int, typer.Argument(metavar="BRIEF")],
    from_: Annotated[
        int | None, typer.Option("--from", help="Start from this generation (default: the direction).")
    ] = None,
    template: Annotated[str | None, typer.Option(help="Start from a promoted template instead.")] = None,
    slot: Annotated[
        str, typer.Option(help="The one slot volume runs may vary (reference: the first --reference's image).")
    ] = "subject",
    reference: Annotated[
        list[str] | None,
        typer.Option(
            help="A reference image as NAME:FILE[:WEIGHT] (an IP-Adapter, a ControlNet or img2img), added to the recipe or replacing its reference of that role."
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option()] = None,
    steps: Annotated[int | None, typer.Option()] = None,
    guidance: Annotated[float | None, typer.Option()] = None,
    width: Annotated[int | None, typer.Option()] = None,
    height: Annotated[int | None, typer.Option()] = None,
    scheduler: Annotated[str | None, typer.Option()] = None,
    negative: Annotated[str | None, typer.Option()] = None,
    no_wait: NoWaitOpt = False,
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Lock-in pass: hero at final settings, reproduced in a fresh pipeline, then locked (a job:
    run here unless workers are running)."""
    from pressroom.errors import LockRefused
    from pressroom.plays import lockin

    ctx = context(studio, as_)
    settings = dict(
        from_generation=from_,
        template=template,
        slot=slot,
        seed=seed,
        steps=steps,
        guidance=guidance,
        width=width,
        height=height,
        scheduler=scheduler,
        negative=negative,
        references=reference or [],
    )
    if no_wait:
        return print_job(lockin.submit(ctx, brief_id, **settings), json_out)
    result = followed("lock", json_out, lambda follow: lockin.lock(ctx, brief_id, **settings, progress=follow))
    doc = result.as_dict()
    if json_out:
        print_json(doc)
    else:
        console().print(
            f"recipe {doc['recipe']} v{doc['version']}: {doc['status']} (hero #{doc['hero']}, "
            f"reproduction {doc['verdict']})"
        )
        if doc["card"]:
            console().print(f"card: {doc['card']}")
    warn(result.warnings)
    if doc["status"] != "locked":  # a failed lock is a result; the command still exits non-zero
        why = doc["figures"].get("note") if doc["verdict"] == "error" else doc["verdict"]
        raise LockRefused(f"the lock failed: the hero did not reproduce ({why}); brief {brief_id} is paused")


def volume(
    recipe_id: Annotated[int, typer.Argument(metavar="RECIPE")],
    vary: Annotated[list[str], typer.Option(help="SLOT=VALUE; repeat for each value of the declared slot.")],
    seeds: Annotated[int, typer.Option(help="Seeds per value.")] = 4,
    batch_size: Annotated[
        int | None, typer.Option(help="Images per pipeline call (default: from the content type).")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Run the pre-checks on each image to flag it before the cull.")
    ] = False,
    no_wait: NoWaitOpt = False,
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Volume run from a locked recipe (a job: run here unless workers are running); re-running
    finishes an interrupted run without duplicates."""
    from pressroom.domain.recipes import parse_assignment
    from pressroom.plays import volume as plays

    vary = [parse_assignment(item) for item in vary]
    ctx = context(studio, as_)
    if no_wait:
        return print_job(plays.submit(ctx, recipe_id, vary, seeds, batch_size=batch_size, prechecks=check), json_out)
    result = followed(
        "volume",
        json_out,
        lambda follow: plays.run(ctx, recipe_id, vary, seeds, batch_size=batch_size, prechecks=check, progress=follow),
    )
    if json_out:
        print_json(
            {
                "recipe": recipe_id,
                "made": [r.summary(ctx.studio) for r in result.made],
                "skipped": result.skipped,
                "warnings": result.warnings,
                "flagged": result.flagged,
            }
        )
    else:
        console().print(f"recipe {recipe_id}: {len(result.made)} made, {result.skipped} already there")
        for line in result.flagged:
            console().print(f"  [yellow]flagged[/yellow] {line}")
    warn(result.warnings)


def cull(
    generation: Annotated[list[int], typer.Argument(metavar="GEN...")],
    keep: Annotated[bool, typer.Option("--keep", help="Keep these.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Reject these (needs --reason).")] = False,
    reason: Annotated[str, typer.Option(help="Why rejected: hands, text, drift, artifact, composition ...")] = "",
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Keep or reject images; every rejection carries a reason tag."""
    from pressroom.errors import InputError
    from pressroom.plays import culls

    if keep == reject:
        raise InputError("give exactly one of --keep or --reject")
    done = culls.cull(context(studio, as_), generation, keep=keep, reason=reason)
    print_json(done) if json_out else console().print(
        f"{len(done)} {'kept' if keep else 'rejected'}" + (f" ({reason})" if reason else "")
    )


def fix(
    generation: Annotated[int, typer.Argument(metavar="GEN")],
    inpaint: Annotated[Path | None, typer.Option(help="Mask PNG, white where the image is repainted.")] = None,
    refine: Annotated[bool, typer.Option(help="Low-strength img2img over the whole image.")] = False,
    upscale: Annotated[int | None, typer.Option(help="Upscale factor (Lanczos).")] = None,
    prompt: Annotated[str | None, typer.Option(help="Prompt for the repair (default: the parent's).")] = None,
    strength: Annotated[float | None, typer.Option(help="Denoising strength (refine default 0.3).")] = None,
    seed: Annotated[int | None, typer.Option()] = None,
    steps: Annotated[int | None, typer.Option(help="Denoising steps (default: the parent's).")] = None,
    upscaler: Annotated[
        str | None, typer.Option(help="Upscaler model name, or 'lanczos' (default: the studio's upscaler if any).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Inpaint even a mask over a third of the image.")] = False,
    no_wait: NoWaitOpt = False,
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Fix and finish: inpaint, refine or upscale; the derivative keeps its lineage (a job: run
    here unless workers are running)."""
    from pressroom.plays import fixes

    ctx = context(studio, as_)
    mask = read_bytes(inpaint, "mask") if inpaint is not None else None
    settings = dict(
        inpaint=mask,
        refine=refine,
        upscale=upscale,
        prompt=prompt,
        strength=strength,
        seed=seed,
        steps=steps,
        upscaler=upscaler,
        force=force,
    )
    if no_wait:
        return print_job(fixes.submit(ctx, generation, **settings), json_out)
    row = followed("fix", json_out, lambda follow: fixes.fix(ctx, generation, **settings, progress=follow))
    summary = row.summary(ctx.studio)
    print_json(summary) if json_out else console().print(
        f"#{row.id} ({row.operation} of #{row.parent_id}"
        + (f", {row.parsed_recipe().source.method}" if row.operation == "upscale" else "")
        + f")  {summary['path']}"
    )


@template_app.command("promote")
def template_promote(
    recipe_id: Annotated[int, typer.Argument(metavar="RECIPE")],
    name: Annotated[str, typer.Argument()],
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Promote a locked recipe that kept well to a named template (`lock --template NAME`)."""
    from pressroom.plays import lockin

    row = lockin.promote_template(context(studio, as_), recipe_id, name)
    print_json(row) if json_out else console().print(f"recipe {recipe_id} is template {name!r}")


def metrics(
    brief_id: Annotated[int | None, typer.Argument(metavar="[BRIEF]")] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Keep rate, iterations per final, time to hero; per brief, recipe, operator, tool and model, and the trend."""
    from rich.table import Table

    from pressroom.plays import metrics as numbers

    doc = numbers.report(context(studio, acting=False), brief_id)
    if json_out:
        print_json(doc)
        return
    for title, key in (
        ("per brief", "brief"),
        ("per recipe", "recipe"),
        ("per operator", "operator"),
        ("per tool", "tool"),
        ("per model", "model"),
    ):
        table = Table(key, "generated", "kept", "keep rate", "iterations/final", "rework after review", title=title)
        for row in doc[key + "s"]:
            rate = "" if row["keep_rate"] is None else f"{row['keep_rate']:.0%}"
            rework = row.get("rework_after_review")
            table.add_row(
                str(row[key]),
                str(row["generated"]),
                str(row["kept"]),
                rate,
                str(row["iterations_per_final"] or ""),
                "" if rework is None else f"{rework:.0%}",
            )
        console().print(table)
    for row in doc["briefs"]:
        hero = row["time_to_hero_s"]
        console().print(f"brief {row['brief']}: time to hero {'-' if hero is None else f'{hero:.0f}s'}")


def register(root: typer.Typer) -> None:
    for command in (lock, volume, cull, fix, metrics):
        root.command()(command)
    root.add_typer(template_app, name="template")
