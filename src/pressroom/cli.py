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
from typing import Annotated, Callable, Optional

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
user_app = typer.Typer(help="People and their roles: director, operator, reviewer.", no_args_is_help=True)
brief_app = typer.Typer(help="Intake: briefs, their completeness check and status.", no_args_is_help=True)
style_app = typer.Typer(help="The shared style library (style text and negative prompt).", no_args_is_help=True)
direction_app = typer.Typer(help="The director approves one concept direction.", no_args_is_help=True)
template_app = typer.Typer(help="Recipes that kept well, promoted for later briefs.", no_args_is_help=True)
app.add_typer(model_app, name="model")
app.add_typer(recipe_app, name="recipe")
app.add_typer(user_app, name="user")
app.add_typer(brief_app, name="brief")
app.add_typer(style_app, name="style")
app.add_typer(direction_app, name="direction")
app.add_typer(template_app, name="template")

StudioOpt = Annotated[
    Optional[Path],
    typer.Option("--studio", help="Studio folder (default: $PRESSROOM_STUDIO, else the current folder or a parent)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
AsOpt = Annotated[Optional[str], typer.Option("--as", help="Who is acting (default: $PRESSROOM_USER, else the studio config).")]


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _studio(path: Optional[Path]):
    from .studio import Studio

    return Studio.find(path)


def _optional_studio(path: Optional[Path]):
    """The studio if one is named or found; None when none is around and none was asked for."""
    from .errors import StudioError
    from .studio import Studio

    try:
        return Studio.find(path)
    except StudioError:
        if path is not None:
            raise
        return None


def _print_assets(docs: list[dict], extra: str = "") -> None:
    out = _console()
    for doc in docs:
        detail = f"  distance {doc[extra]:>2}" if extra else ""
        out.print(f"  asset {doc['asset']:>4}{detail}  {doc['rendition']:<18} {doc['format']:<5} {doc['path']}")


def _listing(rows: list[dict], columns: dict[str, "Callable[[dict], object]"], json_out: bool) -> None:
    """A list command's output: the rows as one JSON document, or a table of the named columns."""
    if json_out:
        _print_json(rows)
        return
    from rich.table import Table

    table = Table(*columns)
    for row in rows:
        table.add_row(*(str(cell(row)) for cell in columns.values()))
    _console().print(table)


def _print_json(document) -> None:
    sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")


# -- studio ------------------------------------------------------------------------------------
@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Folder for the new studio.")] = Path("."),
    name: Annotated[Optional[str], typer.Option(help="Studio name (default: the folder's name).")] = None,
    database: Annotated[Optional[str], typer.Option(
        "--database", metavar="URL", help="The ledger: postgresql+psycopg://user@host:5432/db for a team "
                                          "(default: the studio's own SQLite file).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Create a studio: config, ledger (SQLite, or PostgreSQL with --database), asset store, tiny model."""
    from . import models, signing
    from .errors import ModelError
    from .studio import Studio

    studio = Studio.init(path, name=name, database_url=database)
    keys = signing.create(studio)
    note = ""
    try:
        tiny = models.ensure_tiny(studio)
        note = f"built-in model tiny registered ({tiny.ref().short_hash}; random weights, noise-like images)"
    except ModelError as exc:
        note = f"tiny model not built: {exc}"
    if json_out:
        _print_json({"studio": str(studio.root), "ledger": studio.ledger_label, "note": note})
        return
    out = _console()
    out.print(f"Created studio [bold]{studio.root}[/bold]")
    out.print(f"  ledger  {studio.ledger_label}")
    out.print(f"  assets  {studio.assets.root}")
    out.print(f"  keys    {keys} (C2PA signing chain; signer.key is readable by you only)")
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
    from . import models

    rows = [_model_row(m) for m in models.all_models(_studio(studio))]
    _listing(rows, {"name": lambda r: r["name"], "format": lambda r: r["format"],
                    "short hash": lambda r: r["short_hash"] or "(not hashed yet)", "licence": lambda r: r["license"],
                    "commercial": lambda r: {True: "yes", False: "no", None: "?"}[r["commercial"]],
                    "source": lambda r: r["source"]}, json_out)


# -- generation --------------------------------------------------------------------------------
def _progress(total: int, quiet: bool):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = _console(stderr=True)
    return Progress(TextColumn("generating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console, disable=quiet or total < 2 or not console.is_terminal, transient=True)


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
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Generate images; each is stored with its complete recipe in the ledger and in the PNG."""
    from . import generations, people

    the_studio = _studio(studio)
    # who made it, when known: the review gate will not let them review it
    maker = people.acting(the_studio, as_, required=False)
    recipes = generations.plan(
        the_studio, model=model, prompt=prompt, subject=subject, context=context, composition=composition,
        style=style, technical=technical, negative=negative, seed=seed, count=count, steps=steps,
        guidance=guidance, width=width, height=height, scheduler=scheduler, dtype=dtype, device=device,
        card=card,
    )
    with _progress(count, json_out) as bar:
        task = bar.add_task("generate", total=count)
        rows = generations.generate(the_studio, recipes, batch_size=batch_size,
                                    progress=lambda _row: bar.advance(task), labels={"operator": maker})
    _report(the_studio, rows, json_out)


@app.command("generations")
def generations_list(
    brief: Annotated[Optional[int], typer.Option(help="Only this brief's images.")] = None,
    recipe: Annotated[Optional[int], typer.Option(help="Only this recipe's images.")] = None,
    status: Annotated[Optional[str], typer.Option(help="new, kept or rejected.")] = None,
    limit: Annotated[Optional[int], typer.Option(help="Show at most this many.")] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List generated images, with their play, slot value and cull status."""
    from . import generations

    the_studio = _studio(studio)
    rows = [r.summary(the_studio) for r in
            generations.listing(the_studio, limit, brief_id=brief, recipe_id=recipe, status=status)]
    _listing(rows, {"id": lambda r: r["id"], "play": lambda r: r["play"], "status": lambda r: r["status"],
                    "recipe": lambda r: r["recipe"] or "", "slot value": lambda r: r["slot_value"] or "",
                    "seed": lambda r: r["seed"], "size": lambda r: f"{r['width']}x{r['height']}",
                    "prompt": lambda r: r["prompt"][:40], "path": lambda r: r["path"]}, json_out)


# -- cards and reproduction ----------------------------------------------------------------------
@recipe_app.command("export")
def recipe_export(
    generation: Annotated[int, typer.Argument(help="Generation id.")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Card path (default: the studio's cards/).")] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write the recipe card (TOML) of a generated image."""
    from . import cards

    path = cards.export(_studio(studio), generation, output)
    _print_json({"generation": generation, "card": str(path)}) if json_out else _console().print(str(path))


@app.command()
def reproduce(
    card: Annotated[str, typer.Argument(metavar="CARD_OR_ASSET", help="A recipe card (TOML), or a released asset's id.")],
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

    the_studio = _optional_studio(studio)  # a card with --model-path needs no studio at all
    if card.isdigit() and not Path(card).exists():
        if the_studio is None:
            raise StudioError(f"asset {card} lives in a studio: pass --studio or run inside one")
        from . import releases

        with the_studio.session() as session:
            asset = releases.get(session, int(card))
            the_card = cards.Card(recipe=releases.Recipe.model_validate(asset.recipe), expect=None)
            expect = expect or str(asset.file(the_studio))
    else:
        the_card = cards.read(Path(card))
    result = run_reproduction(the_card, studio=the_studio, model_path=model_path, expect=expect)
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


# -- people and the log -----------------------------------------------------------------------------
@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The person's name (used with --as).")],
    role: Annotated[list[str], typer.Option(help="director, operator or reviewer; repeat for several.")],
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a person, or give an existing person more roles."""
    from . import people

    with _studio(studio).session() as session:
        user = people.add(session, name, role)
        row = {"id": user.id, "name": user.name, "roles": user.roles}
    if json_out:
        _print_json(row)
    else:
        _console().print(f"{row['name']}: {', '.join(row['roles'])}")


@user_app.command("list")
def user_list(studio: StudioOpt = None, json_out: JsonOpt = False) -> None:
    """List people and their roles."""
    from . import people

    with _studio(studio).session() as session:
        rows = [{"id": u.id, "name": u.name, "roles": u.roles} for u in people.listing(session)]
    if json_out:
        _print_json(rows)
        return
    for row in rows:
        _console().print(f"{row['name']}: {', '.join(row['roles'])}")


@app.command("log")
def log(
    brief: Annotated[Optional[int], typer.Option(help="Only this brief's events.")] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The append-only event log: who did what, when, to which objects."""
    from . import events

    with _studio(studio).session() as session:
        rows = [e.as_dict() for e in events.listing(session, brief)]
    _listing(rows, {"id": lambda r: r["id"], "at": lambda r: r["at"][:19], "who": lambda r: r["actor"],
                    "action": lambda r: r["action"], "brief": lambda r: r["brief"] or "",
                    "objects": lambda r: json.dumps(r["objects"])[:60]}, json_out)


# -- intake ------------------------------------------------------------------------------------------
@brief_app.command("template")
def brief_template() -> None:
    """Print an annotated example brief to start from."""
    from .briefs import TEMPLATE

    sys.stdout.write(TEMPLATE)


def _brief_outcome(brief: dict, json_out: bool) -> None:
    if json_out:
        _print_json(brief)
    else:
        _console().print(f"brief {brief['id']} {brief['title']!r}: {brief['status']}")
    if brief["status"] == "draft":
        from .errors import InputError

        raise InputError(f"brief {brief['id']} is stored as a draft; missing: {', '.join(brief['missing'])}")
    if brief["status"] == "paused":
        _console(stderr=True).print(f"[yellow]paused:[/yellow] {brief['pause_reason']}")


@brief_app.command("new")
def brief_new(
    file: Annotated[Path, typer.Option("--file", help="The brief as TOML (see `pressroom brief template`).")],
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Open a brief. Incomplete: stored as a draft, with every missing item listed."""
    from . import briefs, people

    the_studio = _studio(studio)
    spec = briefs.read(file)
    with the_studio.session() as session:
        brief = briefs.create(session, spec, people.acting(the_studio, as_)).as_dict()
    _brief_outcome(brief, json_out)


@brief_app.command("update")
def brief_update(
    brief_id: Annotated[int, typer.Argument(metavar="BRIEF")],
    file: Annotated[Path, typer.Option("--file", help="The new content of the brief.")],
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Replace a brief's content (the previous content stays in the log)."""
    from . import briefs, people

    the_studio = _studio(studio)
    spec = briefs.read(file)
    with the_studio.session() as session:
        brief = briefs.update(session, briefs.get(session, brief_id), spec, people.acting(the_studio, as_)).as_dict()
    _brief_outcome(brief, json_out)


@brief_app.command("resume")
def brief_resume(
    brief_id: Annotated[int, typer.Argument(metavar="BRIEF")],
    reason: Annotated[str, typer.Option(help="Why the pause is over.")],
    as_: AsOpt = None,
    studio: StudioOpt = None,
) -> None:
    """Resume a paused brief (the director, with a reason)."""
    from . import briefs, people

    the_studio = _studio(studio)
    with the_studio.session() as session:
        briefs.resume(session, briefs.get(session, brief_id), reason, people.acting(the_studio, as_))
    _console().print(f"brief {brief_id} is active again")


@brief_app.command("show")
def brief_show(
    brief_id: Annotated[int, typer.Argument(metavar="BRIEF")],
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A brief with its status, direction, rankings and recipe versions."""
    from . import briefs, concepts, lockin

    the_studio = _studio(studio)
    with the_studio.session() as session:
        brief = briefs.get(session, brief_id)
        doc = {**brief.as_dict(),
               "rankings": [{"rank": r.rank, "generation": r.generation_id, "by": r.ranked_by}
                            for r in concepts.rankings(session, brief_id)],
               "recipes": [r.as_dict(the_studio) for r in lockin.for_brief(session, brief_id)]}
    if json_out:
        _print_json(doc)
        return
    out = _console()
    out.print(f"[bold]brief {doc['id']}[/bold] {doc['title']}  [{doc['status']}]")
    if doc["pause_reason"]:
        out.print(f"  paused: {doc['pause_reason']}")
    if doc["missing"]:
        out.print(f"  missing: {', '.join(doc['missing'])}")
    spec = doc["spec"]
    out.print(f"  intent: {spec['intent']}")
    out.print(f"  {doc['content_type']} / stakes {doc['stakes']} / use {doc['intended_use']} / director {doc['director']}")
    if doc["direction"]:
        out.print(f"  direction: generation {doc['direction']} approved by {doc['direction_approved_by']}")
    for recipe in doc["recipes"]:
        out.print(f"  recipe {recipe['recipe']} v{recipe['version']} {recipe['status']} slot={recipe['slot']} "
                  f"hero={recipe['hero']} verdict={recipe['verdict']}")
        if recipe["flag"]:
            out.print(f"    [red]flagged[/red]: {recipe['flag']}")


@brief_app.command("list")
def brief_list(studio: StudioOpt = None, json_out: JsonOpt = False) -> None:
    """All briefs with their status."""
    from . import briefs

    with _studio(studio).session() as session:
        rows = [b.as_dict() for b in briefs.listing(session)]
    columns = {name: (lambda row, key=key: row[key]) for name, key in (
        ("id", "id"), ("title", "title"), ("status", "status"), ("type", "content_type"), ("stakes", "stakes"),
        ("director", "director"))}
    _listing(rows, columns, json_out)


# -- styles, concepting, direction ------------------------------------------------------------------
@style_app.command("add")
def style_add(
    name: Annotated[str, typer.Argument()],
    text: Annotated[str, typer.Option(help="The style slot text.")],
    negative: Annotated[str, typer.Option(help="The style's negative prompt.")] = "",
    note: Annotated[str, typer.Option(help="Where it came from, when to use it.")] = "",
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a style to the shared library."""
    from . import people, styles

    the_studio = _studio(studio)
    with the_studio.session() as session:
        row = styles.add(session, name, text, negative, people.acting(the_studio, as_), note).as_dict()
    _print_json(row) if json_out else _console().print(f"style {row['name']} added")


@style_app.command("list")
def style_list(studio: StudioOpt = None, json_out: JsonOpt = False) -> None:
    """The style library."""
    from . import styles

    with _studio(studio).session() as session:
        rows = [s.as_dict() for s in styles.listing(session)]
    _listing(rows, {key: (lambda row, key=key: row[key]) for key in ("name", "style", "negative")}, json_out)


@app.command()
def concept(
    brief_id: Annotated[int, typer.Argument(metavar="BRIEF")],
    style: Annotated[list[str], typer.Option(help="A library style; give 3 to 5.")],
    per_style: Annotated[Optional[int], typer.Option(help="Variations per style (default: from the content type).")] = None,
    steps: Annotated[Optional[int], typer.Option(help="Steps (default: low, from the content type).")] = None,
    model: Annotated[Optional[list[str]], typer.Option(help="Model(s); several compare models on the same seeds.")] = None,
    seed: Annotated[int, typer.Option(help="First seed of each style's variations.")] = 1,
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Concept sprint: cheap variations across styles, and a labelled contact sheet."""
    from . import concepts, people

    the_studio = _studio(studio)
    actor = people.acting(the_studio, as_)
    with _progress(2, json_out) as bar:
        task = bar.add_task("concept", total=None)
        result = concepts.sprint(the_studio, brief_id, actor, style, per_style=per_style, steps=steps,
                                 model_names=model, seed=seed, progress=lambda _row: bar.advance(task))
    if json_out:
        _print_json({"brief": brief_id, "contact_sheet": str(result.sheet),
                     "generations": [r.summary(the_studio) for r in result.rows], "warnings": result.warnings})
    else:
        out = _console()
        out.print(f"{len(result.rows)} concepts for brief {brief_id}: ids {result.rows[0].id}-{result.rows[-1].id}")
        out.print(f"contact sheet: {result.sheet}")
    _warn(result.warnings)


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        _console(stderr=True).print(f"[yellow]warning:[/yellow] {warning}")


@app.command()
def rank(
    brief_id: Annotated[int, typer.Argument(metavar="BRIEF")],
    generation: Annotated[list[int], typer.Argument(metavar="GEN...", help="Candidates, best first.")],
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The director ranks concept candidates, best first."""
    from . import concepts, people

    the_studio = _studio(studio)
    ranked = concepts.rank(the_studio, brief_id, generation, people.acting(the_studio, as_))
    _print_json(ranked) if json_out else _console().print(
        "ranked: " + ", ".join(f"{r['rank']}. #{r['generation']}" for r in ranked))


@direction_app.command("approve")
def direction_approve(
    brief_id: Annotated[int, typer.Argument(metavar="BRIEF")],
    generation: Annotated[int, typer.Argument(metavar="GEN")],
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Approve one concept as the brief's direction (the lock-in pass starts from it)."""
    from . import concepts, people

    the_studio = _studio(studio)
    brief = concepts.approve_direction(the_studio, brief_id, generation, people.acting(the_studio, as_))
    doc = {"brief": brief.id, "direction": brief.direction_generation_id, "approved_by": brief.direction_approved_by}
    _print_json(doc) if json_out else _console().print(f"brief {brief_id}: direction is generation {generation}")


# -- lock-in, volume, cull, fix ------------------------------------------------------------------------
@app.command()
def lock(
    brief_id: Annotated[int, typer.Argument(metavar="BRIEF")],
    from_: Annotated[Optional[int], typer.Option("--from", help="Start from this generation (default: the direction).")] = None,
    template: Annotated[Optional[str], typer.Option(help="Start from a promoted template instead.")] = None,
    slot: Annotated[str, typer.Option(help="The one slot volume runs may vary.")] = "subject",
    seed: Annotated[Optional[int], typer.Option()] = None,
    steps: Annotated[Optional[int], typer.Option()] = None,
    guidance: Annotated[Optional[float], typer.Option()] = None,
    width: Annotated[Optional[int], typer.Option()] = None,
    height: Annotated[Optional[int], typer.Option()] = None,
    scheduler: Annotated[Optional[str], typer.Option()] = None,
    negative: Annotated[Optional[str], typer.Option()] = None,
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Lock-in pass: hero at final settings, reproduced in a fresh pipeline, then locked."""
    from . import lockin, people

    the_studio = _studio(studio)
    result = lockin.lock(the_studio, brief_id, people.acting(the_studio, as_), from_generation=from_,
                         template=template, slot=slot, seed=seed, steps=steps, guidance=guidance, width=width,
                         height=height, scheduler=scheduler, negative=negative)
    row = result.row
    card = row.card_file(the_studio)
    doc = {"recipe": row.id, "hero": row.hero_generation_id, "verdict": row.verdict, "card": str(card) if card else None,
           "status": row.status, "version": row.version, "parent": row.parent_id, "slot": row.slot,
           "figures": result.figures}
    if json_out:
        _print_json(doc)
    else:
        out = _console()
        out.print(f"recipe {row.id} v{row.version}: {row.status} (hero #{row.hero_generation_id}, "
                  f"reproduction {row.verdict})")
        if card:
            out.print(f"card: {card}")
    _warn(result.warnings)
    if row.status != "locked":
        from .errors import PressroomError

        raise PressroomError(f"the lock failed: the hero did not reproduce ({row.verdict}); brief {brief_id} is paused")


@app.command()
def volume(
    recipe_id: Annotated[int, typer.Argument(metavar="RECIPE")],
    vary: Annotated[list[str], typer.Option(help="SLOT=VALUE; repeat for each value of the declared slot.")],
    seeds: Annotated[int, typer.Option(help="Seeds per value.")] = 4,
    batch_size: Annotated[Optional[int], typer.Option(help="Images per pipeline call (default: from the content type).")] = None,
    check: Annotated[bool, typer.Option("--check", help="Run the pre-checks on each image to flag it before the cull.")] = False,
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Volume run from a locked recipe; re-running finishes an interrupted run without duplicates."""
    from . import people, volume as plays

    the_studio = _studio(studio)
    actor = people.acting(the_studio, as_)
    bar_holder = {}

    def planned(total: int, todo: int) -> None:
        bar_holder["task"] = bar.add_task("volume", total=todo)

    with _progress(2, json_out) as bar:
        result = plays.run(the_studio, recipe_id, vary, seeds, actor, batch_size=batch_size, on_plan=planned,
                           progress=lambda _row: bar.advance(bar_holder["task"]), prechecks=check)
    if json_out:
        _print_json({"recipe": recipe_id, "made": [r.summary(the_studio) for r in result.made],
                     "skipped": result.skipped, "warnings": result.warnings, "flagged": result.flagged})
    else:
        _console().print(f"recipe {recipe_id}: {len(result.made)} made, {result.skipped} already there")
        for line in result.flagged:
            _console().print(f"  [yellow]flagged[/yellow] {line}")
    _warn(result.warnings)


@app.command()
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
    from . import culls, people
    from .errors import InputError

    if keep == reject:
        raise InputError("give exactly one of --keep or --reject")
    the_studio = _studio(studio)
    done = culls.cull(the_studio, generation, keep=keep, reason=reason, actor=people.acting(the_studio, as_))
    _print_json(done) if json_out else _console().print(
        f"{len(done)} {'kept' if keep else 'rejected'}" + (f" ({reason})" if reason else ""))


@app.command()
def fix(
    generation: Annotated[int, typer.Argument(metavar="GEN")],
    inpaint: Annotated[Optional[Path], typer.Option(help="Mask PNG, white where the image is repainted.")] = None,
    refine: Annotated[bool, typer.Option(help="Low-strength img2img over the whole image.")] = False,
    upscale: Annotated[Optional[int], typer.Option(help="Upscale factor (Lanczos).")] = None,
    prompt: Annotated[Optional[str], typer.Option(help="Prompt for the repair (default: the parent's).")] = None,
    strength: Annotated[Optional[float], typer.Option(help="Denoising strength (refine default 0.3).")] = None,
    seed: Annotated[Optional[int], typer.Option()] = None,
    steps: Annotated[Optional[int], typer.Option(help="Denoising steps (default: the parent's).")] = None,
    upscaler: Annotated[Optional[str], typer.Option(help="Upscaler model name, or 'lanczos' (default: the studio's upscaler if any).")] = None,
    force: Annotated[bool, typer.Option(help="Inpaint even a mask over a third of the image.")] = False,
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Fix and finish: inpaint, refine or upscale; the derivative keeps its lineage."""
    from . import fixes, people

    the_studio = _studio(studio)
    row = fixes.fix(the_studio, generation, people.acting(the_studio, as_), inpaint=inpaint, refine=refine,
                    upscale=upscale, prompt=prompt, strength=strength, seed=seed, steps=steps,
                    upscaler=upscaler, force=force)
    summary = row.summary(the_studio)
    _print_json(summary) if json_out else _console().print(
        f"#{row.id} ({row.operation} of #{row.parent_id}"
        + (f", {row.parsed_recipe().source.method}" if row.operation == "upscale" else "") + f")  {summary['path']}")


@app.command()
def metrics(
    brief_id: Annotated[Optional[int], typer.Argument(metavar="[BRIEF]")] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Keep rate, iterations per final, time to hero; per brief, recipe, operator, and the trend."""
    from rich.table import Table

    from . import metrics as numbers

    with _studio(studio).session() as session:
        doc = numbers.compute(session, brief_id)
    if json_out:
        _print_json(doc)
        return

    def show(title: str, key: str, rows: list[dict]) -> None:
        table = Table(key, "generated", "kept", "keep rate", "iterations/final", title=title)
        for row in rows:
            rate = "" if row["keep_rate"] is None else f"{row['keep_rate']:.0%}"
            table.add_row(str(row[key]), str(row["generated"]), str(row["kept"]), rate,
                          str(row["iterations_per_final"] or ""))
        _console().print(table)

    show("per brief", "brief", doc["briefs"])
    show("per recipe", "recipe", doc["recipes"])
    show("per operator", "operator", doc["operators"])
    for row in doc["briefs"]:
        hero = row["time_to_hero_s"]
        _console().print(f"brief {row['brief']}: time to hero {'-' if hero is None else f'{hero:.0f}s'}")


@template_app.command("promote")
def template_promote(
    recipe_id: Annotated[int, typer.Argument(metavar="RECIPE")],
    name: Annotated[str, typer.Argument()],
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Promote a locked recipe that kept well to a named template (`lock --template NAME`)."""
    from . import lockin, people

    the_studio = _studio(studio)
    with the_studio.session() as session:
        row = lockin.promote(session, recipe_id, name, people.acting(the_studio, as_)).as_dict(the_studio)
    _print_json(row) if json_out else _console().print(f"recipe {recipe_id} is template {name!r}")


# -- review gate and quality control -------------------------------------------------------------------
def _findings_table(findings: list[dict], title: str):
    from rich.table import Table

    table = Table("check", "item", "result", "score", "detail", title=title)
    colours = {"pass": "green", "warn": "yellow", "fail": "red", "n/a": "dim"}
    for f in findings:
        score = "" if f["score"] is None else f"{f['score']:g}"
        table.add_row(f["name"], f["item"], f"[{colours[f['result']]}]{f['result']}[/]", score, f["detail"])
    return table


@app.command()
def review(
    generation: Annotated[int, typer.Argument(metavar="GEN")],
    decision: Annotated[Optional[str], typer.Option(help="approved, approved-with-changes, changes-required or rejected.")] = None,
    check: Annotated[Optional[list[str]], typer.Option(help="ITEM=pass|fail|n/a, or ITEM=fail:REASON; repeat per item.")] = None,
    note: Annotated[str, typer.Option(help="The decision's note.")] = "",
    alt_text: Annotated[str, typer.Option(help="Alt text for the image (released with it).")] = "",
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Review gate: without --decision, show the checklist and pre-checks; with it, record a decision."""
    from . import people, reviews

    the_studio = _studio(studio)
    if decision is None:
        findings = [f.as_dict() for f in reviews.precheck(the_studio, [generation])[generation]]
        with the_studio.session() as session:
            gate_status = reviews.status(the_studio, session, generation)
        if json_out:
            _print_json(findings)
            return
        out = _console()
        out.print(f"[bold]generation {generation}[/bold]: {gate_status.gate} gate, {gate_status.needed} reviewer(s) "
                  f"needed; result so far: {gate_status.result}")
        out.print("checklist: " + ", ".join(gate_status.items))
        out.print(_findings_table(findings, "automated pre-checks (they assist; the reviewer decides)"))
        for current in gate_status.current:
            out.print(f"  {current['reviewer']}: {current['decision']} {current['note']}")
        return
    result = reviews.decide(the_studio, generation, people.acting(the_studio, as_), decision, check or [],
                            note=note, alt_text=alt_text)
    if json_out:
        _print_json(result.as_dict())
    else:
        _console().print(f"generation {generation}: {decision} recorded; gate result {result.result} "
                         f"({len(result.approvals)}/{result.needed} approvals)")


@app.command("check")
def check_command(
    generation: Annotated[list[int], typer.Argument(metavar="GEN...")],
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Run the automated pre-checks on images at any play (faces, text, NSFW, palette, licence ...)."""
    from . import reviews

    the_studio = _studio(studio)
    results = reviews.precheck(the_studio, generation)
    if json_out:
        _print_json([{"id": gen, "checks": [f.as_dict() for f in found]} for gen, found in results.items()])
        return
    for gen, found in results.items():
        _console().print(_findings_table([f.as_dict() for f in found], f"generation {gen}"))


@app.command()
def proof(
    generation: Annotated[int, typer.Argument(metavar="GEN")],
    size: Annotated[str, typer.Option(help="Print size, e.g. 36x48in or 90x120cm.")],
    distance: Annotated[str, typer.Option(help="Viewing distance, e.g. 5ft, 60in or 2m.")],
    crops: Annotated[int, typer.Option(help="How many 1:1 crops of the most detailed regions.")] = 3,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Large-format proof: ppi at the print size against what the viewing distance needs, and 1:1 crops."""
    from . import proofs

    the_studio = _studio(studio)
    report = proofs.proof(the_studio, generation, size, distance, crops)
    if json_out:
        _print_json(report)
        return
    out = _console()
    verdict = "[green]enough[/green]" if report["enough"] else "[red]not enough[/red]"
    out.print(f"{report['pixels']} at {report['size_in']} in: {report['ppi']} ppi; {report['distance_in']} in away "
              f"needs about {report['needed_ppi']} ppi: {verdict}")
    for crop in report["crops"]:
        out.print(f"  crop {crop['box']} (detail {crop['detail']}): {crop['path']}")


@recipe_app.command("clear-flag")
def recipe_clear_flag(
    recipe_id: Annotated[int, typer.Argument(metavar="RECIPE")],
    reason: Annotated[str, typer.Option(help="Why the recipe may run again.")],
    as_: AsOpt = None,
    studio: StudioOpt = None,
) -> None:
    """Clear a recipe's "fix in the recipe" flag (the director, with a reason)."""
    from . import people, reviews

    the_studio = _studio(studio)
    reviews.clear_flag(the_studio, recipe_id, people.acting(the_studio, as_), reason)
    _console().print(f"recipe {recipe_id}: flag cleared")


# -- release, provenance, library ----------------------------------------------------------------------
@app.command("release")
def release_command(
    brief_id: Annotated[int, typer.Argument(metavar="BRIEF")],
    channel: Annotated[Optional[list[str]], typer.Option(help="instagram-feed, instagram-story, linkedin, youtube-thumbnail, print-a4-300dpi or one from config.")] = None,
    format: Annotated[Optional[list[str]], typer.Option("--format", help="png, jpeg or webp; repeat for several (default png).")] = None,
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Release the brief's approved images: signed renditions with parameters, XMP and C2PA provenance."""
    from . import people, releases

    the_studio = _studio(studio)
    with _progress(2, json_out) as bar:
        task = bar.add_task("release", total=None)

        def advance(total: int, _row) -> None:
            bar.update(task, total=total, advance=1)

        rows = releases.release(the_studio, brief_id, people.acting(the_studio, as_), channel, format, advance)
    docs = [r.as_dict(the_studio) for r in rows]
    if json_out:
        _print_json(docs)
        return
    _console().print(f"{len(docs)} file(s) released for brief {brief_id}")
    _print_assets(docs)


@app.command()
def verify(
    file: Annotated[Path, typer.Argument(help="Any PNG, JPEG or WebP file.")],
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Provenance of any file: C2PA state (Trusted against the studio's root, Valid, Invalid), source type, alt text, recipe, lineage."""
    from PIL import Image, UnidentifiedImageError

    from . import metadata, provenance, signing
    from .errors import InputError

    the_studio = _optional_studio(studio)  # files from anywhere verify; a studio adds its trust anchor
    result = provenance.verify(file, signing.trust_anchors(the_studio))
    try:
        with Image.open(file) as image:
            try:
                image.load()
                decodes = True
            except OSError:  # damaged pixel data: still report what the metadata says
                decodes = False
            xmp = metadata.read_xmp(image)
            parameters = metadata.read_parameters(image)
            embedded = metadata.read_recipe(image)
    except UnidentifiedImageError:
        raise InputError(f"{file} is not an image file") from None
    recipe = result.recipe or (embedded.model_dump(mode="json") if embedded else None)
    doc = {"file": str(file), "c2pa": result.state, "failures": result.failures, "decodes": decodes,
           "signer": result.signer,
           "actions": result.actions, "digital_source_type": xmp["digital_source_type"] or result.source_type,
           "alt_text": xmp["alt_text"], "parameters": parameters, "recipe": recipe, "lineage": result.ingredients}
    if json_out:
        _print_json(doc)
        return
    out = _console()
    colour = {"Trusted": "green", "Valid": "yellow", "Invalid": "red"}.get(result.state, "dim")
    out.print(f"[bold {colour}]{result.state}[/]" + (f" signed by {result.signer}" if result.signer else "")
              + ("" if result.state != "none" else " (no C2PA manifest)"))
    for failure in result.failures:
        out.print(f"  [red]{failure}[/red]")
    if not decodes:
        out.print("  [red]the pixel data is damaged and cannot be decoded[/red]")
    out.print(f"  actions: {', '.join(result.actions) or '-'}")
    out.print(f"  digital source type: {doc['digital_source_type'] or '-'}")
    out.print(f"  alt text: {doc['alt_text'] or '-'}")
    if recipe:
        out.print(f"  recipe: model {recipe['model']['name']}, seed {recipe['seed']}, {recipe['steps']} steps: "
                  f"{recipe['prompt'][:60]!r}")
    for ingredient in result.ingredients:
        out.print(f"  made from: {ingredient['title']} ({ingredient['relationship']}, signed by {ingredient['signed_by']})")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words from prompts, briefs, tags or alt text.")],
    model: Annotated[Optional[str], typer.Option(help="Only images from this model.")] = None,
    status: Annotated[Optional[str], typer.Option(help="Only images with this cull status (kept, rejected, new).")] = None,
    reviewer: Annotated[Optional[str], typer.Option(help="Only images this person reviewed.")] = None,
    since: Annotated[Optional[str], typer.Option(help="Released on or after this date (YYYY-MM-DD).")] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Search released assets (full text over prompts, briefs, tags and alt text)."""
    from . import library

    the_studio = _studio(studio)
    with the_studio.session() as session:
        docs = [r.as_dict(the_studio) for r in library.search(session, query, model=model, status=status,
                                                              reviewer=reviewer, since=since)]
    if json_out:
        _print_json(docs)
        return
    _print_assets(docs)
    if not docs:
        _console().print("nothing found")


@app.command()
def similar(
    file: Annotated[Path, typer.Argument(help="An image to look for.")],
    limit: Annotated[int, typer.Option(help="At most this many.")] = 10,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Released assets that look like FILE (perceptual hash distance, nearest first)."""
    from . import library

    the_studio = _studio(studio)
    with the_studio.session() as session:
        docs = [{**r.as_dict(the_studio), "distance": d} for d, r in library.similar(session, file, limit)]
    if json_out:
        _print_json(docs)
        return
    _print_assets(docs, "distance")
    if not docs:
        _console().print("nothing similar")


@app.command()
def demo(
    keep: Annotated[Optional[Path], typer.Option(help="Create the demo studio here instead of a temporary folder.")] = None,
) -> None:
    """Run the whole playbook on a sample brief in a temporary studio with the built-in tiny model."""
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
