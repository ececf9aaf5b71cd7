"""Release: approved images become signed, searchable files, one rendition per channel and format.

Only images the review gate approved are released, and only with alt text. For each one the
release writes a master (the image at full size, PNG) and a rendition per channel preset and
format, each carrying in this order: the A1111 parameters (where the format allows), XMP with
IPTC's DigitalSourceType and alt text, then a C2PA manifest signed with the studio's key —
``c2pa.created`` for a generated master, ``c2pa.opened`` + ``c2pa.edited`` with the parent as
ingredient for a derivative's master and for every rendition — with the recipe inside.

File names: ``b{brief}-r{recipe}v{version}-s{seed}-g{generation}-{rendition}.{ext}`` in
``<studio>/releases/brief-{brief}/`` (``r0v0`` for an image made outside a locked recipe).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pressroom.context import Actor, Context
from pressroom.domain import gate
from pressroom.domain.compare import fingerprint
from pressroom.domain.recipes import Recipe
from pressroom.errors import InputError, ReleaseBlocked
from pressroom.ledger import events, fulltext, rows
from pressroom.ledger.tables import Generation, LockedRecipe, PostReturn, Release
from pressroom.plays import audit, briefs, guests, imports, reviews
from pressroom.store import imagefiles, metadata, provenance, renditions, scratch, signing, tools
from pressroom.store.assets import sha256_bytes
from pressroom.store.files import room, write
from pressroom.store.studio import Studio

FORMATS = ("png", "jpeg", "webp")
EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}


@dataclass
class Candidate:
    row: Generation
    recipe: Recipe
    alt_text: str
    recipe_version: str
    source_type: str
    parent_path: Path | None
    review: dict  # the review that lets it out (reviews.record_of), signed into every file
    # its stored source file, when that carries a C2PA manifest of its own (read by the release alone)
    credentials: Path | None = None
    tool: str = ""  # the tool an image from elsewhere came from (searchable by its name)


def source_type(session: Session, row: Generation) -> str:
    """Composite when the image or any ancestor was inpainted, refined or edited by hand in another tool."""
    current = row
    while current is not None:
        source = current.parsed_recipe().source
        if source is not None and source.op in ("inpaint", "refine", "post"):
            return provenance.COMPOSITE
        current = session.get(Generation, current.parent_id) if current.parent_id else None
    return provenance.TRAINED


def credentials(studio: Studio, session: Session, row: Generation) -> Path | None:
    """The stored file an image came from, when it carries a C2PA manifest of its own: the file an
    image edited in another tool came back as, else the image's own stored file (a file made
    elsewhere keeps its Content Credentials). Every file released from the image carries it as an
    ingredient, so a reader sees that history too. None for pressroom's own images."""
    if row.play == "post":  # whether it carries one was read when it came back
        came_back = session.scalar(select(PostReturn).where(PostReturn.generation_id == row.id))
        return studio.assets.path(came_back.sha256, came_back.ext) if came_back and came_back.credentials else None
    if row.play != imports.PLAY:  # pressroom drew it: its file carries pressroom's own metadata, no manifest
        return None
    own = row.path(studio)
    return own if own.is_file() and provenance.carries(own) else None


def candidates(studio: Studio, session: Session, brief_id: int) -> list[Candidate]:
    made = list(session.scalars(select(Generation).where(Generation.brief_id == brief_id).order_by(Generation.id)))
    approved = [r for r in made if gate.approves(reviews.status(studio, session, r.id).result)]
    if not approved:
        raise ReleaseBlocked(
            f"export stays blocked until approval: no image of brief {brief_id} is approved by the review gate"
        )
    culled = [r.id for r in approved if r.status == "rejected"]
    if culled:
        raise ReleaseBlocked(
            f"generation {culled[0]} is approved but was culled as rejected; an operator keeps it "
            "again, or a reviewer sends it back, before the brief is released",
            field="cull",
        )
    missing_alt = [r.id for r in approved if not reviews.alt_text_of(session, r.id)]
    if missing_alt:
        raise ReleaseBlocked(
            f"approved images without alt text: {', '.join(map(str, missing_alt))}; a reviewer gives it in a review",
            field="alt_text",
        )
    decided = guests.signoffs(session, [r.id for r in approved])  # the clients' decisions, read once
    unsigned = guests.unsigned(session, brief_id, decided, [r.id for r in approved])
    if unsigned:
        raise ReleaseBlocked(
            f"brief {brief_id} needs the client's sign-off: "
            + (
                f"image #{unsigned[0]} has"
                if len(unsigned) == 1
                else f"images {', '.join(f'#{i}' for i in unsigned)} have"
            )
            + " no approving client decision; share them with the client (pressroom share) and wait for approval",
            field="client_signoff",
        )
    found = []
    for row in approved:
        locked = session.get(LockedRecipe, row.recipe_id) if row.recipe_id else None
        version = f"r{locked.id}v{locked.version}" if locked else "r0v0"
        parent = session.get(Generation, row.parent_id) if row.parent_id else None
        found.append(
            Candidate(
                row,
                row.parsed_recipe(),
                reviews.alt_text_of(session, row.id),
                version,
                source_type(session, row),
                parent.path(studio) if parent else None,
                _with_client(reviews.record_of(studio, session, row.id), decided.get(row.id)),
                tool=tools.shown(imports.tool_of(session, row) or ""),
            )
        )
    return found


def _with_client(review: dict, client: dict | None) -> dict:
    """The review a file carries, with the client's sign-off beside the reviewers where there is one."""
    if client is None:
        return review
    return {**review, "client": {k: client[k] for k in ("guest", "email", "decision", "note", "at")}}


def file_name(brief_id: int | None, candidate: Candidate, rendition: str, fmt: str) -> str:
    return (
        f"b{brief_id or 0}-{candidate.recipe_version}-s{candidate.row.seed}-g{candidate.row.id}-"
        f"{rendition}.{EXTENSIONS[fmt]}"
    )


def signed(
    studio: Studio,
    identity,
    target: Path,
    data: bytes,
    *,
    title: str,
    recipe: Recipe,
    source_type: str,
    parent: Path | None,
    edit: str,
    review: dict | None,
    credentials: Path | None = None,
) -> bytes:
    """``data`` with its C2PA manifest signed in (the bytes that go to ``target``); the unsigned
    copy lives in the studio's temporary place, where a sweep finds it if the release is killed."""
    with room(target.parent), scratch.folder(studio.root) as work:
        unsigned = Path(work) / f"unsigned{target.suffix}"
        signed = Path(work) / f"signed{target.suffix}"
        unsigned.write_bytes(data)
        provenance.sign(
            unsigned,
            signed,
            identity=identity,
            title=title,
            recipe_json=metadata.recipe_json(recipe),
            source_type=source_type,
            parent=parent,
            edit=edit,
            review=review,
            credentials=credentials,
        )
        return signed.read_bytes()


def choices(
    studio: Studio, channel_names: list[str] | None, formats: list[str] | None
) -> tuple[list[renditions.Channel], list[str]]:
    """The channel presets and formats a release asks for, checked (PNG when no format is named)."""
    formats = formats or ["png"]
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise InputError(f"format {bad[0]!r} is not one of {', '.join(FORMATS)}", field="format")
    presets = renditions.channels(studio.config)
    unknown = [c for c in channel_names or [] if c not in presets]
    if unknown:
        raise InputError(
            f"unknown channel {unknown[0]!r}; choose from {', '.join(presets)} or add "
            f"[channels.{unknown[0]}] to pressroom.toml",
            field="channel",
        )
    return [presets[c] for c in channel_names or []], formats


def release(
    ctx: Context, brief_id: int, channel_names: list[str] | None = None, formats: list[str] | None = None, progress=None
) -> list[Release]:
    """Release every approved image of the brief; ``progress(total, release)`` after each file.

    Files already released (same image, rendition and format) are skipped, so a release that was
    interrupted is finished by running it again."""
    studio, actor = ctx.studio, keeper(ctx.actor)
    chosen, formats = choices(studio, channel_names, formats)
    scratch.sweep(studio.root)  # what a killed release (or any other command) left half-made
    with ctx.unit() as session:
        audit.require_intact(session, f"release brief {brief_id}")
        brief = briefs.get(session, brief_id)
        found = candidates(studio, session, brief.id)
        for item in found:
            item.credentials = credentials(studio, session, item.row)
        done = {
            (r.generation_id, r.rendition, r.format): r
            for r in session.scalars(select(Release).where(Release.brief_id == brief.id))
        }
        spec = brief.parsed
        shelf = Shelf(
            brief.id,
            f"{spec.title} {spec.purpose} {spec.intent}",
            " ".join([*spec.channels, *spec.mood, brief.content_type]),
        )
    identity = signing.identity(studio)
    wanted = [(item.row.id, "master", "png") for item in found] + [
        (item.row.id, channel.name, fmt) for item in found for channel in chosen for fmt in formats
    ]
    total = sum(1 for key in wanted if key not in done)  # the files this run writes
    folder = studio.inside(Path("releases") / f"brief-{brief_id}", "the release folder")
    written: list[Release] = []
    for item in found:
        image = imagefiles.load(item.row.path(studio), f"generation {item.row.id}'s file").convert("RGB")
        title = f"{spec.title}: generation {item.row.id}"
        xmp = metadata.xmp_packet(item.source_type, item.alt_text, title)
        master = done.get((item.row.id, "master", "png"))
        if master is None:
            master_recipe = item.recipe.model_copy(update={"post": [*item.recipe.post, renditions.encode_step("png")]})
            data = metadata.encode(image, "png", master_recipe, xmp=xmp)
            target = studio.inside(folder / file_name(brief_id, item, "master", "png"), "a released file")
            edit = edit_of(item.recipe)
            body = signed(
                studio,
                identity,
                target,
                data,
                title=title,
                recipe=master_recipe,
                source_type=item.source_type,
                parent=item.parent_path,
                edit=edit,
                review=item.review,
                credentials=item.credentials,
            )
            master = _record(ctx, shelf, item, None, "master", "png", target, body, image, master_recipe)
            if master is None:  # a release running at the same time wrote it first
                master = _existing(ctx, item.row.id, "master", "png")
            else:
                written.append(master)
            if progress:
                progress(total, master)
        for channel in chosen:
            for fmt in formats:
                if (item.row.id, channel.name, fmt) in done:
                    continue
                steps = [*renditions.fit(image.width, image.height, channel), renditions.encode_step(fmt)]
                recipe = item.recipe.model_copy(update={"post": [*item.recipe.post, *steps]})
                pixels = renditions.apply(image, steps[:-1])
                data = metadata.encode(pixels, fmt, recipe, xmp=xmp)
                target = studio.inside(folder / file_name(brief_id, item, channel.name, fmt), "a released file")
                box = steps[0].params["box"]
                body = signed(
                    studio,
                    identity,
                    target,
                    data,
                    title=f"{title} ({channel.name})",
                    recipe=recipe,
                    source_type=item.source_type,
                    parent=master.file(studio),
                    edit=f"cropped to {box} and resized to {channel.width}x{channel.height} for {channel.name}, {fmt}",
                    review=item.review,
                    credentials=item.credentials,
                )
                decoded = imagefiles.load(body, f"the signed {channel.name} {fmt} rendition").convert("RGB")
                row = _record(ctx, shelf, item, master.id, channel.name, fmt, target, body, decoded, recipe)
                if row is None:
                    continue
                written.append(row)
                if progress:
                    progress(total, row)
    with ctx.unit() as session:
        events.record(
            session,
            actor,
            "release",
            brief_id=brief_id,
            objects={"assets": [r.id for r in written]},
            channels=[c.name for c in chosen],
            formats=formats,
        )
    return written


def edit_of(recipe: Recipe) -> str:
    """What a derivative's master says was done to its parent (nothing for a generated image)."""
    source = recipe.source
    if source is None:
        return ""
    if source.by_hand:
        return f"edited by hand in {source.tool} outside pressroom" + (f": {source.note}" if source.note else "")
    return f"{source.op} of the parent image"


def keeper(actor: Actor) -> Actor:
    """Release is the library keeper's play."""
    return actor.require("keeper", "release images")


def _existing(ctx: Context, generation_id: int, rendition: str, fmt: str) -> Release:
    with ctx.unit() as session:
        return session.scalar(
            select(Release).where(
                Release.generation_id == generation_id, Release.rendition == rendition, Release.format == fmt
            )
        )


@dataclass(frozen=True)
class Shelf:
    """Where a release is filed in the library: its brief, and the brief's words and tags."""

    brief_id: int
    words: str
    tags: str


def _record(
    ctx: Context,
    shelf: Shelf,
    item: Candidate,
    parent_id: int | None,
    rendition: str,
    fmt: str,
    target: Path,
    body: bytes,
    image,
    recipe: Recipe,
) -> Release | None:
    """Claim the file in the ledger, write it, then commit: None when another release has it.

    The row is flushed before the file is put in place, in one transaction, so two releases at
    once never both write one file: the second's insert waits for the first and then fails on the
    (generation, rendition, format) constraint, and it leaves the file alone.
    """
    prints = fingerprint(image)
    row = Release(
        brief_id=shelf.brief_id,
        generation_id=item.row.id,
        parent_id=parent_id,
        rendition=rendition,
        format=fmt,
        path=ctx.studio.relative(target),
        sha256=sha256_bytes(body),
        pixel_sha256=prints.pixel_sha256,
        phash=prints.phash,
        width=image.width,
        height=image.height,
        recipe=recipe.model_dump(mode="json", exclude_none=True),
        alt_text=item.alt_text,
        source_type=item.source_type,
        released_by=ctx.actor.name,
        released_by_id=ctx.actor.id,
        at=datetime.now(UTC),
    )
    try:
        with ctx.unit() as session:
            session.add(row)
            session.flush()
            _index(session, row, item, shelf, rendition, fmt)
            write(target, body, scratch=ctx.studio.root)
    except IntegrityError:
        return None
    return row


def _index(session: Session, row: Release, item: Candidate, shelf: Shelf, rendition: str, fmt: str) -> None:
    """File the release in the library's full-text index."""
    tags = " ".join([item.row.style, item.row.slot_value or "", rendition, fmt, item.row.model, item.tool, shelf.tags])
    fulltext.add(
        session,
        row.id,
        prompt=f"{item.recipe.prompt} {item.recipe.negative}",
        brief=shelf.words,
        tags=tags,
        alt_text=item.alt_text,
    )


def get(session: Session, asset_id: int) -> Release:
    return rows.get(session, Release, asset_id)


def channels(ctx: Context) -> dict[str, renditions.Channel]:
    """The channels a release can render for: the built-in presets and the studio's own."""
    return renditions.channels(ctx.studio.config)


def asset(ctx: Context, asset_id: int) -> dict:
    """One released asset: its file, hashes, alt text and who released it."""
    with ctx.unit() as session:
        return get(session, asset_id).as_dict(ctx.studio)


def _lineage(session: Session, row: Release) -> dict:
    """Where a released file comes from: its generation (and that image's parent, for a derivative),
    the locked recipe and the settings it was drawn with, and the released file it was rendered from."""
    made = session.get(Generation, row.generation_id)
    locked = session.get(LockedRecipe, made.recipe_id) if made and made.recipe_id else None
    recipe = row.recipe or {}
    return {
        "generation": row.generation_id,
        "play": made.play if made else None,
        "generation_parent": made.parent_id if made else None,
        "recipe": locked.id if locked else None,
        "recipe_version": locked.version if locked else None,
        "model": (recipe.get("model") or {}).get("name"),
        "seed": recipe.get("seed"),
        "steps": recipe.get("steps"),
        "prompt": recipe.get("prompt", ""),
        "post": [step.get("op") for step in recipe.get("post", [])],
        "rendered_from": row.parent_id,
    }


def released(ctx: Context, brief_id: int) -> list[dict]:
    """Every file released for the brief, oldest first, each with its lineage (``_lineage``)."""
    with ctx.unit() as session:
        briefs.get(session, brief_id)
        files = session.scalars(select(Release).where(Release.brief_id == brief_id).order_by(Release.id))
        return [{**row.as_dict(ctx.studio), "lineage": _lineage(session, row)} for row in files]


def traced(ctx: Context, asset_id: int) -> dict:
    """One released asset (``asset``) with its lineage."""
    with ctx.unit() as session:
        row = get(session, asset_id)
        return {**row.as_dict(ctx.studio), "lineage": _lineage(session, row)}


def waiting(ctx: Context) -> list[dict]:
    """The briefs with images the review gate approved that have no released file yet, and how many."""
    from pressroom.ledger.tables import Review

    with ctx.unit() as session:
        made = Generation
        unreleased = (
            select(made.id, made.brief_id)
            .join(Review, Review.generation_id == made.id)
            .where(
                Review.decision.in_(gate.APPROVING),
                made.brief_id.is_not(None),
                ~select(Release.id).where(Release.generation_id == made.id).exists(),
            )
            .distinct()
            .order_by(made.id)
        )
        counts: dict[int, int] = {}
        for generation_id, brief_id in session.execute(unreleased).all():
            if gate.approves(reviews.status(ctx.studio, session, generation_id).result):
                counts[brief_id] = counts.get(brief_id, 0) + 1
        return [
            {"brief": brief.id, "title": brief.parsed.title, "images": counts[brief.id]}
            for brief in (briefs.get(session, i) for i in sorted(counts))
        ]
