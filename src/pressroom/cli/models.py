"""Model commands: register a model (its weights hashed, its licence recorded) and list them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pressroom.cli.common import JsonOpt, StudioOpt, console, context, listing, print_json

app = typer.Typer(help="Register and list models (weights are hashed, licences recorded).", no_args_is_help=True)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Name to use in --model and on cards.")],
    path: Annotated[Path | None, typer.Option(help="A local diffusers folder or .safetensors checkpoint.")] = None,
    hub: Annotated[str | None, typer.Option(help="A hub id; downloaded and hashed on first use.")] = None,
    config: Annotated[
        Path | None, typer.Option(help="Local diffusers config folder for a single-file checkpoint.")
    ] = None,
    license: Annotated[str, typer.Option("--license", help="Licence id, e.g. creativeml-openrail-m.")] = "unknown",
    commercial: Annotated[
        bool | None, typer.Option("--commercial/--non-commercial", help="May its outputs be used commercially?")
    ] = None,
    size: Annotated[
        int | None,
        typer.Option(
            help="Default image size in pixels (default: the model's native size, 1024 for SDXL, SD3 and FLUX)."
        ),
    ] = None,
    replace: Annotated[bool, typer.Option(help="Re-register a name that exists.")] = False,
    engine: Annotated[
        str, typer.Option(help="The engine that runs it; 'fake' needs no --path (fast rule tests, dry runs).")
    ] = "diffusers",
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Register a model and record the SHA-256 of every weight file."""
    from pressroom.plays import models as model_plays

    row = model_plays.register(
        context(studio, acting=False),
        name,
        path=path,
        hub_id=hub,
        config=config,
        license=license,
        commercial=commercial,
        size=size,
        replace=replace,
        engine=engine,
    )
    if json_out:
        print_json(row)
        return
    out = console()
    out.print(f"Registered [bold]{name}[/bold] ({row['format']}, engine {row['engine']}) licence {row['license']}")
    if row["family"]:
        out.print(
            f"  family {row['family']}{' ' + row['variant'] if row['variant'] else ''}, native size "
            f"{row['size']}, sizes in multiples of {row['multiple']}, {row['steps']} steps by default"
        )
    if row["files"]:
        out.print(f"  short hash (A1111) {row['short_hash']}")
        for rel, sha in row["files"].items():
            out.print(f"  {sha}  {rel}")
    else:
        out.print(f"  {row['note']}")


@app.command("list")
def list_(studio: StudioOpt = None, json_out: JsonOpt = False) -> None:
    """List registered models with their hashes and licences."""
    from pressroom.plays import models as model_plays

    listing(
        model_plays.catalogue(context(studio, acting=False)),
        {
            "name": lambda r: r["name"],
            "format": lambda r: r["format"],
            "engine": lambda r: r["engine"],
            "short hash": lambda r: r["short_hash"] or "(not hashed yet)",
            "licence": lambda r: r["license"],
            "commercial": lambda r: {True: "yes", False: "no", None: "?"}[r["commercial"]],
            "source": lambda r: r["source"],
        },
        json_out,
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="model")
