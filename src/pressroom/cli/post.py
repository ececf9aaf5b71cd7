"""Post commands: hand an image out to another tool, and bring the edited file back as a new version."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pressroom.cli.common import AsOpt, JsonOpt, StudioOpt, console, context, print_json, read_bytes

app = typer.Typer(help="Post: hand an image out to retouch in another tool, and bring it back.", no_args_is_help=True)


@app.command("out")
def post_out(
    generation: Annotated[int, typer.Argument(metavar="IMAGE", help="The image to hand out.")],
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="Where to write it (default: its own name, here).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="png or tiff.")] = "png",
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Hand out the image's full-size master, with its parameters and a signed C2PA manifest, to
    retouch in another tool (operator); who took it and when is recorded."""
    from pressroom.plays import post

    if output is not None:
        post.check_output(output)  # refused before the work, not after
    handout = post.hand_out(context(studio, as_), generation, fmt)
    written = post.save(handout, output if output is not None else handout.name)
    if json_out:
        print_json({**handout.as_dict(), "path": str(written)})
        return
    console().print(f"image #{generation} handed out to {handout.by}: {written} (sha256 {handout.sha256[:12]})")


@app.command("in")
def post_in(
    generation: Annotated[int, typer.Argument(metavar="IMAGE", help="The image the file was edited from.")],
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The edited file: PNG, JPEG, WebP, TIFF or PSD.")],
    tool: Annotated[str, typer.Option(help='The tool it was edited in, with its version: "Photoshop 27.1".')] = "",
    note: Annotated[str, typer.Option(help="What was done to it, for the reviewer.")] = "",
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Bring an edited file back as a new version of IMAGE (operator): its lineage names IMAGE, you
    are its maker (so you cannot review it), and its card says it was edited by hand."""
    from pressroom.plays import post

    ctx = context(studio, as_)
    row = post.take_in(ctx, generation, read_bytes(file, "file"), file.name, tool, note)
    came = post.facts(ctx, row.id)
    if json_out:
        print_json({**row.summary(ctx.studio), "post": came})
        return
    console().print(
        f"#{row.id} (edited in {came['tool']}, a new version of #{generation}): {came['kind']}, "
        f"{came['width']}x{came['height']} (was {came['parent_width']}x{came['parent_height']}), "
        f"{came['changes']['in_words']}"
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="post")
