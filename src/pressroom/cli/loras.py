"""LoRA commands: register a LoRA (its file hashed, its licence recorded) and list them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pressroom.cli.common import JsonOpt, StudioOpt, console, context, listing, print_json

app = typer.Typer(help="Register and list LoRAs (files hashed, licences recorded).", no_args_is_help=True)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Name to use in --lora NAME[:WEIGHT] and on cards.")],
    path: Annotated[Path, typer.Option(help="The LoRA's .safetensors file.")],
    license: Annotated[str, typer.Option("--license", help="Licence id, e.g. apache-2.0.")] = "unknown",
    commercial: Annotated[
        bool | None, typer.Option("--commercial/--non-commercial", help="May its outputs be used commercially?")
    ] = None,
    trigger: Annotated[
        str, typer.Option(help="The words the LoRA was trained to answer to (shown, never added).")
    ] = "",
    replace: Annotated[bool, typer.Option(help="Re-register a name that exists.")] = False,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Register a LoRA and record the SHA-256 of its file."""
    from pressroom.plays import models

    row = models.register_lora(
        context(studio, acting=False),
        name,
        path=path,
        license=license,
        commercial=commercial,
        trigger=trigger,
        replace=replace,
    )
    if json_out:
        print_json(row)
        return
    console().print(f"Registered LoRA [bold]{name}[/bold] licence {row['license']}, A1111 hash {row['a1111_hash']}")
    console().print(f"  {row['sha256']}  {row['path']}")


@app.command("list")
def list_(studio: StudioOpt = None, json_out: JsonOpt = False) -> None:
    """List registered LoRAs with their hashes, licences and trigger words."""
    from pressroom.plays import models

    listing(
        models.loras(context(studio, acting=False)),
        {
            "name": lambda r: r["name"],
            "sha256": lambda r: r["sha256"][:16],
            "licence": lambda r: r["license"],
            "commercial": lambda r: {True: "yes", False: "no", None: "?"}[r["commercial"]],
            "trigger": lambda r: r["trigger"],
            "path": lambda r: r["path"],
        },
        json_out,
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="lora")
