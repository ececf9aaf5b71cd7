"""Image commands: generate outside any brief, list images, reproduce from a card or a released asset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pressroom.cli.common import (
    AsOpt,
    JsonOpt,
    StudioOpt,
    console,
    context,
    listing,
    optional_context,
    print_json,
    progress,
    warn,
)


def generate(
    model: Annotated[
        str | None, typer.Option(help="Model name (default: the studio's default model, sketch in a new studio).")
    ] = None,
    prompt: Annotated[str | None, typer.Option(help="The prompt text.")] = None,
    subject: Annotated[str, typer.Option(help="Skeleton slot: what the image shows.")] = "",
    context_: Annotated[str, typer.Option("--context", help="Skeleton slot: where and when.")] = "",
    composition: Annotated[str, typer.Option(help="Skeleton slot: framing and layout.")] = "",
    style: Annotated[str, typer.Option(help="Skeleton slot: look and medium.")] = "",
    technical: Annotated[str, typer.Option(help="Skeleton slot: lens, lighting, quality terms.")] = "",
    negative: Annotated[str, typer.Option(help="Negative prompt.")] = "",
    seed: Annotated[int | None, typer.Option(help="First seed (default: random); image i uses seed+i.")] = None,
    count: Annotated[int, typer.Option(min=1, help="How many images.")] = 1,
    steps: Annotated[
        int | None,
        typer.Option(
            min=1, help="Denoising steps (default: the model's, 20 unless it says otherwise: 4 for FLUX schnell)."
        ),
    ] = None,
    guidance: Annotated[float | None, typer.Option(help="CFG scale (default 7).")] = None,
    width: Annotated[int | None, typer.Option(help="Width in px, a multiple of 8 (default: the model's size).")] = None,
    height: Annotated[
        int | None, typer.Option(help="Height in px, a multiple of 8 (default: the model's size).")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="default (the model's own; the only one for SD3 and FLUX), euler, euler_a, dpmpp_2m, dpmpp_2m_karras, ddim, heun, lms, pndm, unipc."
        ),
    ] = None,
    dtype: Annotated[str | None, typer.Option(help="auto, float32, float16 or bfloat16.")] = None,
    device: Annotated[str | None, typer.Option(help="auto, cpu, cuda or mps.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Images per pipeline call.")] = 1,
    lora: Annotated[
        list[str] | None, typer.Option(help="A registered LoRA as NAME or NAME:WEIGHT; repeat for several.")
    ] = None,
    reference: Annotated[
        list[str] | None,
        typer.Option(
            help="A reference image as NAME:FILE[:WEIGHT]: NAME is a registered IP-Adapter or ControlNet (`pressroom adapter add`), or img2img; one of each."
        ),
    ] = None,
    card: Annotated[Path | None, typer.Option(help="Generate from a recipe card instead of options.")] = None,
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Generate images; each is stored with its complete recipe in the ledger and in the PNG."""
    from pressroom.plays import images

    ctx = context(studio, as_)  # who made it, when known: the review gate will not let them review it
    recipes = images.plan(
        ctx,
        model=model,
        prompt=prompt,
        subject=subject,
        context=context_,
        composition=composition,
        style=style,
        technical=technical,
        negative=negative,
        seed=seed,
        count=count,
        steps=steps,
        guidance=guidance,
        width=width,
        height=height,
        scheduler=scheduler,
        dtype=dtype,
        device=device,
        card=card,
        loras=lora or [],
        references=reference or [],
    )
    with progress(count, json_out) as bar:
        task = bar.add_task("generate", total=count)
        made = images.make(ctx, recipes, batch_size=batch_size, progress=lambda _row: bar.advance(task))
    if json_out:
        print_json(made)
        return
    for row in made:
        console().print(f"#{row['id']} seed {row['seed']}  {row['path']}")
    warn(sorted({w for row in made for w in row["warnings"]}))


def generations_list(
    brief: Annotated[int | None, typer.Option(help="Only this brief's images.")] = None,
    recipe: Annotated[int | None, typer.Option(help="Only this recipe's images.")] = None,
    status: Annotated[str | None, typer.Option(help="new, kept or rejected.")] = None,
    limit: Annotated[int | None, typer.Option(help="Show at most this many.")] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List generated images, with their play, slot value and cull status."""
    from pressroom.plays import images

    rows = images.listing(context(studio, acting=False), limit, brief_id=brief, recipe_id=recipe, status=status)
    listing(
        rows,
        {
            "id": lambda r: r["id"],
            "play": lambda r: r["play"],
            "status": lambda r: r["status"],
            "recipe": lambda r: r["recipe"] or "",
            "slot value": lambda r: r["slot_value"] or "",
            "seed": lambda r: r["seed"],
            "size": lambda r: f"{r['width']}x{r['height']}",
            "prompt": lambda r: r["prompt"][:40],
            "path": lambda r: r["path"],
        },
        json_out,
    )


def reproduce(
    card: Annotated[
        str, typer.Argument(metavar="CARD_OR_ASSET", help="A recipe card (TOML), or a released asset's id.")
    ],
    expect: Annotated[str | None, typer.Option(help="The expected image file, or its pixel SHA-256.")] = None,
    model_path: Annotated[Path | None, typer.Option(help="The weights, if not in a studio.")] = None,
    output: Annotated[str | None, typer.Option("-o", "--output", help="Also save the reproduced PNG here.")] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Regenerate an image from its card alone and compare: exact, close or different (exit 1)."""
    from pressroom.errors import StudioError
    from pressroom.plays import reproduction

    if output is not None:
        reproduction.check_output(output)  # refused before the work, not after
    ctx = optional_context(studio)  # a card with --model-path needs no studio at all
    if card.isdigit() and not Path(card).exists():
        if ctx is None:
            raise StudioError(f"asset {card} lives in a studio: pass --studio or run inside one")
        result = reproduction.reproduce_asset(ctx, int(card), expect)
    else:
        result = reproduction.reproduce_card_file(ctx, Path(card), model_path=model_path, expect=expect)
    if output is not None:
        output = str(result.save(output))
    figures = result.comparison.as_dict()
    if json_out:
        print_json(
            {
                **figures,
                "expected": result.expected,
                "weights": str(result.weights) if result.weights else None,
                "warnings": result.warnings,
                "output": str(output) if output else None,
            }
        )
    else:
        out = console()
        colour = {"exact": "green", "close": "yellow", "different": "red"}[figures["verdict"]]
        out.print(f"verdict [bold {colour}]{figures['verdict']}[/bold {colour}] against {result.expected}")
        for name in ("pixels_identical", "ssim", "phash_distance", "dhash_distance", "max_pixel_difference"):
            out.print(f"  {name:22} {figures[name]}")
        if figures["note"]:
            unmeasured = " (pass --expect IMAGE)" if figures["ssim"] is None else ""  # the image it was not given
            out.print(f"  note: {figures['note']}{unmeasured}")
        warn(result.warnings)
    if figures["verdict"] == "different":
        raise typer.Exit(1)


def register(root: typer.Typer) -> None:
    root.command()(generate)
    root.command("generations")(generations_list)
    root.command()(reproduce)
