"""Post: hand an image out to another tool (retouching, compositing, upresing) and take it back.

``hand_out`` gives the full-size master as a PNG or TIFF with its parameters and a C2PA manifest
signed with the studio's key, keeps that file in the asset store and records who took it and when.
``take_in`` brings an edited file back as a new version of its parent: a generation of play
``post`` in the same brief, its lineage naming the parent, its maker the person who brings it in
(so the gate refuses them as its reviewer), its recipe the parent's with a source that says it
was edited by hand (the tool, the note, the edited file's SHA-256 and size), so its card is honest
and ``reproduce`` refuses it. The file is kept byte for byte (its colour profile and any C2PA
manifest of its own with it); pressroom shows and renders it from an sRGB copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from pressroom.context import Context
from pressroom.domain import changes, names
from pressroom.domain.recipes import Source
from pressroom.errors import InputError, NotFound
from pressroom.jobs import generations
from pressroom.ledger import events, rows
from pressroom.ledger.tables import Generation, PostHandout, PostReturn
from pressroom.plays import briefs, releases
from pressroom.store import imagefiles, ledgerfiles, metadata, provenance, signing
from pressroom.store.assets import sha256_bytes

FORMATS = ("png", "tiff")
TOOL_LIMIT = 200
NOTE_LIMIT = 2000


@dataclass(frozen=True)
class Handout:
    id: int
    generation_id: int
    name: str  # the file name it is handed out under
    data: bytes
    sha256: str
    by: str
    at: datetime

    def as_dict(self) -> dict:
        return {
            "handout": self.id,
            "generation": self.generation_id,
            "file": self.name,
            "sha256": self.sha256,
            "by": self.by,
            "at": self.at.isoformat(timespec="seconds"),
        }


def _file_name(row: Generation, fmt: str) -> str:
    return f"b{row.brief_id or 0}-g{row.id}-s{row.seed}-for-post.{'tif' if fmt == 'tiff' else 'png'}"


def _encode(image, fmt: str, recipe, xmp: str) -> bytes:
    """The master as PNG (its parameters and recipe in text chunks, and XMP) or as TIFF (the
    parameters in its ImageDescription, XMP in its own tag; the recipe rides in the C2PA manifest)."""
    if fmt == "png":
        return metadata.encode(image, "png", recipe, xmp=xmp)
    import io

    from PIL.TiffImagePlugin import ImageFileDirectory_v2

    tags = ImageFileDirectory_v2()
    tags[270] = metadata.a1111_parameters(recipe)  # ImageDescription: the A1111 parameters
    tags[305] = "pressroom"  # Software
    tags[700] = xmp.encode("utf-8")  # XMP
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="TIFF", tiffinfo=tags, compression="tiff_lzw")
    return buffer.getvalue()


def hand_out(ctx: Context, generation_id: int, fmt: str = "png") -> Handout:
    """The image's full-size master, signed, for another tool; who took it and when is recorded."""
    studio, actor = ctx.studio, ctx.actor.require("operator", "take an image out to post")
    if fmt not in FORMATS:
        raise InputError(f"format {fmt!r} is not one of {', '.join(FORMATS)}", field="format")
    with ctx.unit() as session:
        row = rows.get(session, Generation, generation_id)
        recipe = row.parsed_recipe()
        parent = session.get(Generation, row.parent_id) if row.parent_id else None
        kind = releases.source_type(session, row)
        brief = briefs.get(session, row.brief_id) if row.brief_id is not None else None
        came_from = releases.credentials(studio, session, row)
    image = imagefiles.load(row.path(studio), f"image {row.id}'s file").convert("RGB")
    title = f"{brief.parsed.title if brief else 'pressroom'}: image {row.id}, handed out to post"
    data = _encode(image, fmt, recipe, metadata.xmp_packet(kind, "", title))
    name = _file_name(row, fmt)
    body = releases.signed(
        studio,
        signing.identity(studio),
        studio.assets.root / name,
        data,
        title=title,
        recipe=recipe,
        source_type=kind,
        parent=parent.path(studio) if parent else None,
        edit=releases.edit_of(recipe),
        review=None,
        credentials=came_from,
    )
    now = datetime.now(UTC)
    with ctx.unit() as session:
        handout = PostHandout(
            generation_id=row.id, format=fmt, sha256=sha256_bytes(body), by=actor.name, by_id=actor.id, at=now
        )
        session.add(handout)
        session.flush()
        ledgerfiles.put(studio, session, body, "tif" if fmt == "tiff" else "png", "handout")
        events.record(
            session,
            actor,
            "post.out",
            brief_id=row.brief_id,
            objects={"generation": row.id},
            format=fmt,
            sha256=handout.sha256,
        )
        handout_id = handout.id
    return Handout(handout_id, row.id, name, body, sha256_bytes(body), actor.name, now)


def handed_out(ctx: Context, generation_id: int, handout_id: int) -> Handout:
    """A file handed out before (the page's download after the button was pressed)."""
    with ctx.unit() as session:
        row = rows.get(session, Generation, generation_id)
        handout = session.get(PostHandout, handout_id)
        if handout is None or handout.generation_id != row.id:
            raise NotFound(f"image {generation_id} has no hand-out {handout_id}")
        name = _file_name(row, handout.format)
        path = ledgerfiles.stored(studio=ctx.studio, sha256=handout.sha256, kind="handout")
        return Handout(handout.id, row.id, name, path.read_bytes(), handout.sha256, handout.by, handout.at)


def _text(value: str, what: str, field: str, limit: int, *, required: bool) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            raise InputError(
                "name the tool the image was edited in, with its version (e.g. 'Photoshop 27.1')", field=field
            )
        return ""
    return names.check(value, what, field=field, limit=limit)


def take_in(ctx: Context, generation_id: int, data: bytes, name: str, tool: str, note: str = "") -> Generation:
    """Bring ``data`` (an edited file, sent as ``name``) back as a new version of the image."""
    studio, actor = ctx.studio, ctx.actor.require("operator", "bring an edited image back")
    tool = _text(tool, "the tool", "tool", TOOL_LIMIT, required=True)
    note = _text(note, "the note", "note", NOTE_LIMIT, required=False)
    came = imagefiles.incoming(data, f"the edited file {name}" if name else "the edited file", field="file")
    image = came.image
    sha = sha256_bytes(data)
    with ctx.unit() as session:
        parent = rows.get(session, Generation, generation_id)
        if parent.brief_id is not None:
            briefs.ready(session, parent.brief_id)
        base = parent.parsed_recipe()
        recipe = base.model_copy(
            update={
                "batch_size": 1,
                "batch_index": 0,
                "conditioning": [],
                "references": [parent.file_sha256, sha],
                "source": Source(
                    op="post",
                    parent_sha256=parent.file_sha256,
                    parent_pixel_sha256=parent.pixel_sha256,
                    tool=tool,
                    note=note,
                    edited_sha256=sha,
                    width=image.width,
                    height=image.height,
                ),
            }
        )
        working = metadata.png_bytes(image, recipe)
        ledgerfiles.lock(session)
        row = generations.row_of(
            image,
            recipe,
            working,
            brief_id=parent.brief_id,
            recipe_id=parent.recipe_id,
            parent_id=parent.id,
            play="post",
            operation="post",
            style=parent.style,
            slot_value=parent.slot_value,
            **generations.made_by(actor),
        )
        session.add(row)
        session.flush()
        ledgerfiles.put(studio, session, data, came.ext, "post")
        kept = studio.assets.path(sha, came.ext)
        session.add(
            PostReturn(
                generation_id=row.id,
                parent_id=parent.id,
                tool=tool,
                note=note,
                sha256=sha,
                ext=came.ext,
                kind=came.kind,
                profile=came.profile,
                width=image.width,
                height=image.height,
                credentials=provenance.carries(kept),
                by=actor.name,
                by_id=actor.id,
                at=row.created_at,
            )
        )
        ledgerfiles.put(studio, session, working, "png", "image")
        events.record(
            session,
            actor,
            "post.in",
            brief_id=parent.brief_id,
            objects={"parent": parent.id, "generation": row.id},
            tool=tool,
            note=note,
            sha256=sha,
            size=[image.width, image.height],
            parent_size=[parent.width, parent.height],
        )
    return row


def facts(ctx: Context, generation_id: int) -> dict | None:
    """What is known of an image edited outside pressroom (None for any other image): the edit's
    facts, the parent's size against its own, and the share of pixels changed."""
    with ctx.unit() as session:
        came = session.scalar(select(PostReturn).where(PostReturn.generation_id == generation_id))
        if came is None:
            return None
        parent = rows.get(session, Generation, came.parent_id)
        found = {**came.as_dict(), "parent_width": parent.width, "parent_height": parent.height}
    found["changes"] = _changes(ctx, generation_id)
    return found


def handouts(ctx: Context, generation_id: int) -> list[dict]:
    """Who took the image out to post, and when, oldest first."""
    with ctx.unit() as session:
        rows.get(session, Generation, generation_id)
        found = session.scalars(
            select(PostHandout).where(PostHandout.generation_id == generation_id).order_by(PostHandout.id)
        )
        return [
            {"handout": h.id, "format": h.format, "sha256": h.sha256, "by": h.by, "at": h.at.isoformat("T", "seconds")}
            for h in found
        ]


def _pair(ctx: Context, generation_id: int):
    with ctx.unit() as session:
        row = rows.get(session, Generation, generation_id)
        if row.parent_id is None:
            raise NotFound(f"image {generation_id} has no earlier version to compare with")
        parent = rows.get(session, Generation, row.parent_id)
    return (
        imagefiles.load(parent.path(ctx.studio), f"image {parent.id}'s file"),
        imagefiles.load(row.path(ctx.studio), f"image {row.id}'s file"),
    )


def _changes(ctx: Context, generation_id: int) -> dict:
    found = changes.changes(*_pair(ctx, generation_id))
    return {"share": found.share, "in_words": found.in_words(), "resized": found.resized}


def heat_map(ctx: Context, generation_id: int) -> bytes:
    """A PNG of what changed against the parent (black: nothing; through red and yellow to white)."""
    import io

    buffer = io.BytesIO()
    changes.heat_map(*_pair(ctx, generation_id)).save(buffer, format="PNG")
    return buffer.getvalue()


def kept_file(ctx: Context, generation_id: int) -> Path:
    """The edited file as it came back, byte for byte."""
    with ctx.unit() as session:
        came = session.scalar(select(PostReturn).where(PostReturn.generation_id == generation_id))
        if came is None:
            raise NotFound(f"image {generation_id} was not brought back from another tool")
        return ctx.studio.assets.path(came.sha256, came.ext)


def check_output(output: str | Path) -> None:
    """Refuse, before any work, a place the handed-out file could not be written to."""
    from pressroom.store import files

    files.target(output, field="output")


def save(handout: Handout, output: str | Path) -> Path:
    """Write the handed-out file where a person asked (``-o``)."""
    from pressroom.store import files

    return files.write(output, handout.data, field="output")
