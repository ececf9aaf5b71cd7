"""Recipe commands: export an image's recipe card; clear a recipe's "fix in the recipe" flag."""

from __future__ import annotations

from typing import Annotated

import typer

from pressroom.cli.common import AsOpt, JsonOpt, StudioOpt, console, context, print_json

app = typer.Typer(help="Recipe cards: export the complete recipe of an image.", no_args_is_help=True)


@app.command("export")
def export(
    generation: Annotated[int, typer.Argument(help="Generation id.")],
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="Card path (default: the studio's cards/).")
    ] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write the recipe card (TOML) of a generated image."""
    from pressroom.plays import cards as card_plays

    path = card_plays.export(context(studio, acting=False).studio, generation, output)
    print_json({"generation": generation, "card": str(path)}) if json_out else console().print(str(path))


@app.command("clear-flag")
def clear_flag(
    recipe_id: Annotated[int, typer.Argument(metavar="RECIPE")],
    reason: Annotated[str, typer.Option(help="Why the recipe may run again.")],
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Clear a recipe's "fix in the recipe" flag (the director, with a reason)."""
    from pressroom.plays import reviews

    row = reviews.clear_flag(context(studio, as_), recipe_id, reason)
    print_json(row) if json_out else console().print(f"recipe {recipe_id}: flag cleared")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="recipe")
