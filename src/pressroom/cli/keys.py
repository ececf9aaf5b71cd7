"""Key commands: the studio's own C2PA signing key."""

from __future__ import annotations

import typer

from pressroom.cli.common import AsOpt, JsonOpt, StudioOpt, console, context, print_json

app = typer.Typer(help="The studio's signing key (C2PA).", no_args_is_help=True)


@app.command("rotate")
def rotate(as_: AsOpt = None, studio: StudioOpt = None, json_out: JsonOpt = False) -> None:
    """Start a new signing key and root (director); the old root stays a trust anchor, so files signed
    before still verify as Trusted. Restore a lost key from a backup instead when there is one."""
    from pressroom.plays import keys

    done = keys.rotate_key(context(studio, as_))
    if json_out:
        print_json(done)
        return
    kept = done["kept_anchor"]
    console().print(
        f"new signing key in {done['keys']}" + (f"; the old root is kept as a trust anchor: {kept}" if kept else "")
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="keys")
