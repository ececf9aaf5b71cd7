"""Library commands: release approved images, verify any file, find released files by words or by look."""

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
    hint,
    optional_context,
    print_assets,
    print_json,
    progress,
)


def release(
    brief_id: Annotated[int, typer.Argument(metavar="BRIEF")],
    channel: Annotated[
        list[str] | None,
        typer.Option(
            help="instagram-feed, instagram-story, linkedin, youtube-thumbnail, print-a4-300dpi or one from config."
        ),
    ] = None,
    format: Annotated[
        list[str] | None, typer.Option("--format", help="png, jpeg or webp; repeat for several (default png).")
    ] = None,
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Release the brief's approved images: signed renditions with parameters, XMP and C2PA provenance."""
    from pressroom.plays import releases

    ctx = context(studio, as_)
    with progress(2, json_out) as bar:
        task = bar.add_task("release", total=None)
        rows = releases.release(
            ctx, brief_id, channel, format, lambda total, _row: bar.update(task, total=total, advance=1)
        )
    docs = [r.as_dict(ctx.studio) for r in rows]
    if json_out:
        print_json(docs)
        return
    console().print(f"{len(docs)} file(s) released for brief {brief_id}")
    print_assets(docs)


def verify(
    file: Annotated[Path, typer.Argument(help="Any PNG, JPEG or WebP file.")],
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Provenance of any file: C2PA state (Trusted against the studio's root, Valid, Invalid), source type, alt text, recipe, lineage.

    Exits 1 when the file is Invalid or carries no manifest, so `verify F && publish F` publishes only signed files."""
    from pressroom.plays import library

    doc = library.verify_file(optional_context(studio), file)  # a studio adds its trust anchor
    if json_out:
        print_json(doc)
    else:
        _describe(doc)
    if not library.passes(doc):
        raise typer.Exit(1)


def _describe(doc: dict) -> None:
    out, state = console(), doc["c2pa"]
    colour = {"Trusted": "green", "Valid": "yellow", "Invalid": "red"}.get(state, "dim")
    out.print(
        f"[bold {colour}]{state}[/]"
        + (f" signed by {doc['signer']}" if doc["signer"] else "")
        + ("" if state != "none" else " (no C2PA manifest)")
    )
    for failure in doc["failures"]:
        out.print(f"  [red]{failure}[/red]")
    if not doc["decodes"]:
        out.print("  [red]the pixel data is damaged and cannot be decoded[/red]")
    if not doc["metadata_verified"]:
        out.print("  [yellow]unverified: no valid signature covers what follows; anyone could have written it[/]")
    out.print(f"  actions: {', '.join(doc['actions']) or '-'}")
    out.print(f"  digital source type: {doc['digital_source_type'] or '-'}")
    out.print(f"  alt text: {doc['alt_text'] or '-'}")
    if recipe := doc["recipe"]:
        out.print(
            f"  recipe: model {recipe['model']['name']}, seed {recipe['seed']}, {recipe['steps']} steps: "
            f"{recipe['prompt'][:60]!r}"
        )
    if review := doc.get("review"):
        out.print(
            f"  review: {review['decision']} at the {review['gate']} gate ({review['stakes']} stakes, "
            f"{review['reviewers_needed']} reviewer(s) needed; made by {review['maker'] or 'unknown'})"
        )
        for person in review["reviewers"]:
            results = [c["result"] for c in person["checks"].values()]
            failed = [item for item, c in person["checks"].items() if c["result"] == "fail"]
            out.print(
                f"    {person['reviewer']}: {person['decision']}, {results.count('pass')} of {len(results)} "
                f"items pass" + (f", failed: {', '.join(failed)}" if failed else "")
            )
        for verdict in review["licence"]:
            named = verdict.get("name") or verdict.get("model")  # files released before LoRAs had their own line
            what = {"lora": "LoRA ", "ip-adapter": "IP-Adapter ", "controlnet": "ControlNet "}.get(
                verdict.get("weights"), ""
            )
            out.print(f"    licence: {what}{named} ({verdict['license']}): {verdict['verdict']}, {verdict['detail']}")
    for ingredient in doc["lineage"]:
        out.print(
            f"  made from: {ingredient['title']} ({ingredient['relationship']}, signed by {ingredient['signed_by']})"
        )


def search(
    query: Annotated[
        str,
        typer.Argument(help="Words from prompts, briefs, tags or alt text (none: the whole library, newest first)."),
    ] = "",
    model: Annotated[str | None, typer.Option(help="Only images from this model.")] = None,
    status: Annotated[str | None, typer.Option(help="Only images with this cull status (kept, rejected, new).")] = None,
    reviewer: Annotated[str | None, typer.Option(help="Only images this person reviewed.")] = None,
    since: Annotated[str | None, typer.Option(help="Released on or after this date (YYYY-MM-DD).")] = None,
    brief: Annotated[int | None, typer.Option(help="Only files released for this brief.")] = None,
    channel: Annotated[str | None, typer.Option(help="Only this rendition (master, linkedin, ...).")] = None,
    limit: Annotated[int, typer.Option(help="Assets per page (1-500).")] = 20,
    page: Annotated[int, typer.Option(help="Which page (1 is the best matches).")] = 1,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Search released assets (full text over prompts, briefs, tags and alt text), a page at a time,
    with the total and how many matches each model, brief, reviewer, status, channel and date has."""
    from pressroom.plays import library

    doc = library.browse(
        context(studio, acting=False),
        query,
        model=model,
        status=status,
        reviewer=reviewer,
        since=since,
        brief=brief,
        channel=channel,
        limit=limit,
        page=page,
    )
    if json_out:
        print_json(doc)
        return
    out = console()
    if not doc["total"]:
        out.print("nothing found")
        return
    out.print(
        f"{doc['total']} found, page {doc['page']} of {doc['pages']} "
        f"({'best first' if doc['order'] == 'relevance' else 'newest first'})"
    )
    print_assets(doc["assets"])
    for name, counts in doc["facets"].items():
        top = list(counts.items())
        shown = ", ".join(f"{value} {count}" for value, count in top[:6]) + (", ..." if len(top) > 6 else "")
        out.print(f"  [dim]{name}:[/dim] {shown or '-'}")


def similar(
    file: Annotated[Path | None, typer.Argument(help="An image to look for.")] = None,
    asset: Annotated[
        int | None, typer.Option(help="Look for assets like this released asset instead of a file.")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many (1-500).")] = 10,
    max_distance: Annotated[int, typer.Option(help="At most this many bits of pHash apart (0-64).")] = 12,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Released assets that look like FILE or like asset --asset (perceptual hash distance, nearest first)."""
    from pressroom.plays import library

    docs = library.look_alike(context(studio, acting=False), file, limit, asset_id=asset, max_distance=max_distance)
    if json_out:
        print_json(docs)
        return
    print_assets(docs, "distance")
    if not docs:
        console().print("nothing similar")


def import_(
    paths: Annotated[
        list[Path], typer.Argument(metavar="PATH...", help="Image files or folders (walked recursively).")
    ],
    brief: Annotated[
        int | None,
        typer.Option(help="File the images as this brief's candidates, to cull, review and release (not the library)."),
    ] = None,
    tool: Annotated[
        str | None,
        typer.Option(help="The tool that made the images, where a file's metadata does not say (e.g. Midjourney)."),
    ] = None,
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Bring images made with other tools (A1111/Forge, ComfyUI, InvokeAI, Fooocus, NovelAI, files with
    Content Credentials, or any tool named with --tool) into the library, or into a brief with
    --brief (PNG, JPEG, WebP): their parameters read, the originals kept as they are, duplicates skipped."""
    from pressroom.plays import imports

    ctx = context(studio, as_)
    with progress(2, json_out, "importing") as bar:
        task = bar.add_task("import", total=None)
        report = imports.run(
            ctx,
            paths,
            brief_id=brief,
            tool=tool,
            progress=lambda total, _f: bar.update(task, total=total, advance=1),
        )
    if json_out:
        print_json(report.as_dict())
        return
    out = console()
    out.print(
        f"{len(report.read)} read, {len(report.skipped)} skipped (already in the studio), "
        f"{len(report.unparsed)} could not be parsed or were not imported"
    )
    for entry in report.read:
        how = "reproducible" if entry["reproducible"] else f"not reproducible: {entry['reason']}"
        filed = f"asset {entry['asset']:>4}" if entry["asset"] else f"image #{entry['image']} of brief {entry['brief']}"
        out.print(f"  {filed}  {entry['tool'] or '-':<9} {entry['file']}  ({entry['reproducibility']}; {how})")
    for entry in report.skipped:
        out.print(f"  [dim]skipped {entry['file']}: the same pixels as {entry['duplicate_of']}[/dim]")
    for entry in report.unparsed:
        fix = hint(entry.get("field"))
        out.print(f"  [yellow]unparsed {entry['file']}: {entry['why']}{f' ({fix})' if fix else ''}[/yellow]")


def register(root: typer.Typer) -> None:
    for command in (release, verify, search, similar):
        root.command()(command)
    root.command("import")(import_)
