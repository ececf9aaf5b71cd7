"""Adapter commands: register an IP-Adapter or a ControlNet (every file hashed, its licence
recorded) and list them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pressroom.cli.common import JsonOpt, StudioOpt, console, context, listing, print_json

app = typer.Typer(
    help="Register and list IP-Adapters and ControlNets (files hashed, licences recorded).", no_args_is_help=True
)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Name to use in --reference NAME:FILE[:WEIGHT] and on cards.")],
    path: Annotated[
        Path, typer.Option(help="The folder: an IP-Adapter's weights with image_encoder/, or a diffusers ControlNet.")
    ],
    kind: Annotated[str, typer.Option(help="ip-adapter or controlnet.")],
    control: Annotated[
        str, typer.Option(help="A ControlNet's map: canny (computed from the reference), depth or pose (supplied).")
    ] = "",
    license: Annotated[str, typer.Option("--license", help="Licence id, e.g. apache-2.0.")] = "unknown",
    commercial: Annotated[
        bool | None, typer.Option("--commercial/--non-commercial", help="May its outputs be used commercially?")
    ] = None,
    replace: Annotated[bool, typer.Option(help="Re-register a name that exists.")] = False,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Register an IP-Adapter or a ControlNet and record the SHA-256 of every file."""
    from pressroom.plays import models

    row = models.register_adapter(
        context(studio, acting=False),
        name,
        path=path,
        kind=kind,
        control=control,
        license=license,
        commercial=commercial,
        replace=replace,
    )
    if json_out:
        print_json(row)
        return
    what = f"{row['kind']} ({row['control']} maps)" if row["control"] else row["kind"]
    console().print(f"Registered [bold]{name}[/bold]: {what}, {len(row['files'])} files, licence {row['license']}")
    console().print(f"  fingerprint {row['fingerprint']}  {row['path']}")


@app.command("list")
def list_(studio: StudioOpt = None, json_out: JsonOpt = False) -> None:
    """List registered IP-Adapters and ControlNets with their fingerprints and licences."""
    from pressroom.plays import models

    listing(
        models.adapters(context(studio, acting=False)),
        {
            "name": lambda r: r["name"],
            "kind": lambda r: r["kind"],
            "map": lambda r: r["control"] or "-",
            "fingerprint": lambda r: r["fingerprint"][:16],
            "licence": lambda r: r["license"],
            "commercial": lambda r: {True: "yes", False: "no", None: "?"}[r["commercial"]],
            "path": lambda r: r["path"],
        },
        json_out,
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="adapter")
