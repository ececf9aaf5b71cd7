"""Concepting commands: the style library, the concept sprint, the director's ranking and direction."""

from __future__ import annotations

from typing import Annotated

import typer

from pressroom.cli.common import AsOpt, JsonOpt, StudioOpt, console, context, listing, print_json, warn
from pressroom.cli.jobs import NoWaitOpt, followed, print_job

style_app = typer.Typer(help="The shared style library (style text and negative prompt).", no_args_is_help=True)
direction_app = typer.Typer(help="The director approves one concept direction.", no_args_is_help=True)
BriefArg = Annotated[int, typer.Argument(metavar="BRIEF")]


@style_app.command("add")
def style_add(
    name: Annotated[str, typer.Argument()],
    text: Annotated[str, typer.Option(help="The style slot text.")],
    negative: Annotated[str, typer.Option(help="The style's negative prompt.")] = "",
    note: Annotated[str, typer.Option(help="Where it came from, when to use it.")] = "",
    lora: Annotated[
        list[str] | None,
        typer.Option(help="A registered LoRA the style applies, NAME or NAME:WEIGHT; repeat for several."),
    ] = None,
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a style to the shared library."""
    from pressroom.plays import styles

    row = styles.add_style(context(studio, as_), name, text, negative, note, lora or [])
    print_json(row) if json_out else console().print(f"style {row['name']} added")


@style_app.command("list")
def style_list(studio: StudioOpt = None, json_out: JsonOpt = False) -> None:
    """The style library."""
    from pressroom.plays import styles

    listing(
        styles.styles(context(studio, acting=False)),
        {key: (lambda row, key=key: row[key]) for key in ("name", "style", "negative")},
        json_out,
    )


def concept(
    brief_id: BriefArg,
    style: Annotated[list[str], typer.Option(help="A library style; give 3 to 5.")],
    per_style: Annotated[
        int | None, typer.Option(help="Variations per style (default: from the content type).")
    ] = None,
    steps: Annotated[int | None, typer.Option(help="Steps (default: low, from the content type).")] = None,
    model: Annotated[list[str] | None, typer.Option(help="Model(s); several compare models on the same seeds.")] = None,
    seed: Annotated[int, typer.Option(help="First seed of each style's variations.")] = 1,
    no_wait: NoWaitOpt = False,
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Concept sprint: cheap variations across styles, and a labelled contact sheet (a job: run
    here unless workers are running)."""
    from pressroom.plays import concepts

    ctx = context(studio, as_)
    settings = dict(per_style=per_style, steps=steps, model_names=model, seed=seed)
    if no_wait:
        return print_job(concepts.submit(ctx, brief_id, style, **settings), json_out)
    result = followed(
        "concept", json_out, lambda follow: concepts.sprint(ctx, brief_id, style, **settings, progress=follow)
    )
    if json_out:
        print_json(
            {
                "brief": brief_id,
                "contact_sheet": str(result.sheet),
                "generations": [r.summary(ctx.studio) for r in result.rows],
                "warnings": result.warnings,
            }
        )
    else:
        out = console()
        out.print(f"{len(result.rows)} concepts for brief {brief_id}: ids {result.rows[0].id}-{result.rows[-1].id}")
        out.print(f"contact sheet: {result.sheet}")
    warn(result.warnings)


def rank(
    brief_id: BriefArg,
    generation: Annotated[list[int], typer.Argument(metavar="GEN...", help="Candidates, best first.")],
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The director ranks concept candidates, best first."""
    from pressroom.plays import concepts

    ranked = concepts.rank(context(studio, as_), brief_id, generation)
    print_json(ranked) if json_out else console().print(
        "ranked: " + ", ".join(f"{r['rank']}. #{r['generation']}" for r in ranked)
    )


@direction_app.command("approve")
def direction_approve(
    brief_id: BriefArg,
    generation: Annotated[int, typer.Argument(metavar="GEN")],
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Approve one concept as the brief's direction (the lock-in pass starts from it)."""
    from pressroom.plays import concepts

    doc = concepts.approve_direction(context(studio, as_), brief_id, generation)
    print_json(doc) if json_out else console().print(f"brief {brief_id}: direction is generation {generation}")


def register(root: typer.Typer) -> None:
    root.add_typer(style_app, name="style")
    root.command()(concept)
    root.command()(rank)
    root.add_typer(direction_app, name="direction")
