"""The ``pressroom`` command line: a thin layer over the Python API.

Each command parses its arguments, calls one or two domain functions and prints the result
(a Rich table for people, one JSON document with ``--json`` for scripts). Domain modules are
imported inside the commands so that ``pressroom --help`` starts without torch, SQLAlchemy or
numpy. Errors deriving from ``PressroomError`` end as one line on stderr with exit code 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="pressroom",
    help="AI image generation as a governed team function: every image reproducible from its recipe card.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
model_app = typer.Typer(help="Register and list models (weights are hashed, licences recorded).", no_args_is_help=True)
recipe_app = typer.Typer(help="Recipe cards: export the complete recipe of an image.", no_args_is_help=True)
app.add_typer(model_app, name="model")
app.add_typer(recipe_app, name="recipe")

StudioOpt = Annotated[
    Optional[Path],
    typer.Option("--studio", help="Studio folder (default: $PRESSROOM_STUDIO, else the current folder or a parent)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _studio(path: Optional[Path]):
    from .studio import Studio

    return Studio.find(path)


def _print_json(document) -> None:
    sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")


# -- studio ------------------------------------------------------------------------------------
@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Folder for the new studio.")] = Path("."),
    name: Annotated[Optional[str], typer.Option(help="Studio name (default: the folder's name).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Create a studio: config, SQLite ledger, asset store, and the built-in tiny model."""
    from . import models
    from .errors import ModelError
    from .studio import Studio

    studio = Studio.init(path, name=name)
    note = ""
    try:
        tiny = models.ensure_tiny(studio)
        note = f"built-in model tiny registered ({tiny.ref().short_hash}; random weights, noise-like images)"
    except ModelError as exc:
        note = f"tiny model not built: {exc}"
    if json_out:
        _print_json({"studio": str(studio.root), "ledger": str(studio.ledger_path), "note": note})
        return
    out = _console()
    out.print(f"Created studio [bold]{studio.root}[/bold]")
    out.print(f"  ledger  {studio.ledger_path}")
    out.print(f"  assets  {studio.assets.root}")
    out.print(f"  {note}")


# -- models ------------------------------------------------------------------------------------
def _model_row(manifest) -> dict:
    ref = manifest.ref()
    return {
        "name": manifest.name,
        "format": manifest.format,
        "source": manifest.hub_id or manifest.path,
        "license": manifest.license,
        "commercial": manifest.commercial,
        "short_hash": ref.short_hash if manifest.files else "",
        "fingerprint": ref.fingerprint if manifest.files else "",
        "files": manifest.files,
        "note": manifest.note,
    }


@model_app.command("add")
def model_add(
    name: Annotated[str, typer.Argument(help="Name to use in --model and on cards.")],
    path: Annotated[Optional[Path], typer.Option(help="A local diffusers folder or .safetensors checkpoint.")] = None,
    hub: Annotated[Optional[str], typer.Option(help="A hub id; downloaded and hashed on first use.")] = None,
    config: Annotated[Optional[Path], typer.Option(help="Local diffusers config folder for a single-file checkpoint.")] = None,
    license: Annotated[str, typer.Option("--license", help="Licence id, e.g. creativeml-openrail-m.")] = "unknown",
    commercial: Annotated[Optional[bool], typer.Option("--commercial/--non-commercial", help="May its outputs be used commercially?")] = None,
    size: Annotated[int, typer.Option(help="Default image size in pixels for this model.")] = 512,
    replace: Annotated[bool, typer.Option(help="Re-register a name that exists.")] = False,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Register a model and record the SHA-256 of every weight file."""
    from . import models

    manifest = models.add(_studio(studio), name, path=path, hub_id=hub, config=config, license=license,
                          commercial=commercial, size=size, replace=replace)
    row = _model_row(manifest)
    if json_out:
        _print_json(row)
        return
    out = _console()
    out.print(f"Registered [bold]{name}[/bold] ({manifest.format}) licence {manifest.license}")
    if manifest.files:
        out.print(f"  short hash (A1111) {row['short_hash']}")
        for rel, sha in manifest.files.items():
            out.print(f"  {sha}  {rel}")
    else:
        out.print(f"  {manifest.note}")


@model_app.command("list")
def model_list(studio: StudioOpt = None, json_out: JsonOpt = False) -> None:
    """List registered models with their hashes and licences."""
    from rich.table import Table

    from . import models

    rows = [_model_row(m) for m in models.all_models(_studio(studio))]
    if json_out:
        _print_json(rows)
        return
    table = Table("name", "format", "short hash", "licence", "commercial", "source")
    for row in rows:
        commercial = {True: "yes", False: "no", None: "?"}[row["commercial"]]
        table.add_row(row["name"], row["format"], row["short_hash"] or "(not hashed yet)", row["license"],
                      commercial, row["source"])
    _console().print(table)


# -- generation --------------------------------------------------------------------------------
def _progress(total: int, quiet: bool):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("generating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=_console(stderr=True), disable=quiet or total < 2, transient=True)


def _report(studio, rows, json_out: bool) -> None:
    summaries = [row.summary(studio) for row in rows]
    if json_out:
        _print_json(summaries)
        return
    out = _console()
    for row in summaries:
        out.print(f"#{row['id']} seed {row['seed']}  {row['path']}")
    warned = {w for row in summaries for w in row["warnings"]}
    err = _console(stderr=True)
    for warning in sorted(warned):
        err.print(f"[yellow]warning:[/yellow] {warning}")


@app.command()
def generate(
    model: Annotated[Optional[str], typer.Option(help="Model name (default: the studio's default, tiny).")] = None,
    prompt: Annotated[Optional[str], typer.Option(help="The prompt text.")] = None,
    subject: Annotated[str, typer.Option(help="Skeleton slot: what the image shows.")] = "",
    context: Annotated[str, typer.Option(help="Skeleton slot: where and when.")] = "",
    composition: Annotated[str, typer.Option(help="Skeleton slot: framing and layout.")] = "",
    style: Annotated[str, typer.Option(help="Skeleton slot: look and medium.")] = "",
    technical: Annotated[str, typer.Option(help="Skeleton slot: lens, lighting, quality terms.")] = "",
    negative: Annotated[str, typer.Option(help="Negative prompt.")] = "",
    seed: Annotated[Optional[int], typer.Option(help="First seed (default: random); image i uses seed+i.")] = None,
    count: Annotated[int, typer.Option(min=1, help="How many images.")] = 1,
    steps: Annotated[Optional[int], typer.Option(min=1, help="Denoising steps (default 20).")] = None,
    guidance: Annotated[Optional[float], typer.Option(help="CFG scale (default 7).")] = None,
    width: Annotated[Optional[int], typer.Option(help="Width in px, a multiple of 8 (default: the model's size).")] = None,
    height: Annotated[Optional[int], typer.Option(help="Height in px, a multiple of 8 (default: the model's size).")] = None,
    scheduler: Annotated[Optional[str], typer.Option(help="euler, euler_a, dpmpp_2m, dpmpp_2m_karras, ddim, heun, lms, pndm, unipc.")] = None,
    dtype: Annotated[Optional[str], typer.Option(help="auto, float32, float16 or bfloat16.")] = None,
    device: Annotated[Optional[str], typer.Option(help="auto, cpu, cuda or mps.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Images per pipeline call.")] = 1,
    card: Annotated[Optional[Path], typer.Option(help="Generate from a recipe card instead of options.")] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Generate images; each is stored with its complete recipe in the ledger and in the PNG."""
    from . import generations

    the_studio = _studio(studio)
    recipes = generations.plan(
        the_studio, model=model, prompt=prompt, subject=subject, context=context, composition=composition,
        style=style, technical=technical, negative=negative, seed=seed, count=count, steps=steps,
        guidance=guidance, width=width, height=height, scheduler=scheduler, dtype=dtype, device=device,
        card=card,
    )
    with _progress(count, json_out) as bar:
        task = bar.add_task("generate", total=count)
        rows = generations.generate(the_studio, recipes, batch_size=batch_size,
                                    progress=lambda _row: bar.advance(task))
    _report(the_studio, rows, json_out)


@app.command("generations")
def generations_list(
    limit: Annotated[Optional[int], typer.Option(help="Show at most this many.")] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List generated images."""
    from rich.table import Table

    from . import generations

    the_studio = _studio(studio)
    rows = generations.listing(the_studio, limit)
    if json_out:
        _print_json([row.summary(the_studio) for row in rows])
        return
    table = Table("id", "model", "seed", "size", "prompt", "path")
    for row in rows:
        table.add_row(str(row.id), row.model, str(row.seed), f"{row.width}x{row.height}",
                      row.prompt[:48], str(row.path(the_studio)))
    _console().print(table)


# -- cards and reproduction ----------------------------------------------------------------------
@recipe_app.command("export")
def recipe_export(
    generation: Annotated[int, typer.Argument(help="Generation id.")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Card path (default: the studio's cards/).")] = None,
    studio: StudioOpt = None,
) -> None:
    """Write the recipe card (TOML) of a generated image."""
    from . import cards

    path = cards.export(_studio(studio), generation, output)
    _console().print(str(path))


@app.command()
def reproduce(
    card: Annotated[Path, typer.Argument(help="A recipe card (TOML).")],
    expect: Annotated[Optional[str], typer.Option(help="The expected image file, or its pixel SHA-256.")] = None,
    model_path: Annotated[Optional[Path], typer.Option(help="The weights, if not in a studio.")] = None,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Also save the reproduced PNG here.")] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Regenerate an image from its card alone and compare: exact, close or different (exit 1)."""
    from . import cards
    from .errors import StudioError
    from .reproduction import reproduce as run_reproduction
    from .studio import Studio

    try:
        the_studio = Studio.find(studio)
    except StudioError:
        if studio is not None:
            raise
        the_studio = None  # a card with --model-path needs no studio at all
    result = run_reproduction(cards.read(card), studio=the_studio, model_path=model_path, expect=expect)
    if output is not None:
        from .assets import atomic_write
        from .metadata import png_bytes

        atomic_write(output, png_bytes(result.image, result.recipe))
    figures = result.comparison.as_dict()
    if json_out:
        _print_json({**figures, "expected": result.expected, "weights": str(result.weights),
                     "warnings": result.warnings, "output": str(output) if output else None})
    else:
        out = _console()
        colour = {"exact": "green", "close": "yellow", "different": "red"}[figures["verdict"]]
        out.print(f"verdict [bold {colour}]{figures['verdict']}[/bold {colour}] against {result.expected}")
        for name in ("pixels_identical", "ssim", "phash_distance", "dhash_distance", "max_pixel_difference"):
            out.print(f"  {name:22} {figures[name]}")
        if figures["note"]:
            out.print(f"  note: {figures['note']}")
        for warning in result.warnings:
            _console(stderr=True).print(f"[yellow]warning:[/yellow] {warning}")
    if figures["verdict"] == "different":
        raise typer.Exit(1)


@app.command()
def demo(
    keep: Annotated[Optional[Path], typer.Option(help="Create the demo studio here instead of a temporary folder.")] = None,
) -> None:
    """Run the foundation end to end on a temporary studio with the built-in tiny model."""
    from .demo import run

    run(keep, _console())


def main(argv: list[str] | None = None) -> int:
    import click

    from .errors import PressroomError

    command = typer.main.get_command(app)
    try:
        # without standalone mode click returns an Exit's code instead of raising it
        code = command.main(args=argv, prog_name="pressroom", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except (click.Abort, KeyboardInterrupt):
        sys.stderr.write("interrupted: everything made so far is stored\n")
        return 130
    except PressroomError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
