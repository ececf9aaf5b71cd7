"""The audit report: what the ledger holds about a brief, as a PDF or a CSV a client or a lawyer reads.

It covers every image of the brief that reached review (one with a decision, or one put up for
review: kept after culling, or a fix), each with its thumbnail, its facts and a section per
concern (``SECTIONS``): its versions, every decision with each checklist item's result and reason,
the marks and their replies, the client's sign-offs given through a review link, and what was
released to which channel. The brief's facts come first
and the hash chain's head at export last, with what the ledger's audit found then.

Everything is read in one transaction holding the chain lock, so the report shows the ledger as it
stood at that head and no later. A section is one function ``(session, studio, image) -> Section``
in ``SECTIONS``; adding one adds it to both files. The files themselves
are written by ``store.reportfiles``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from pressroom.context import Context
from pressroom.errors import InputError, PressroomError
from pressroom.ledger import chain, lineage, rows
from pressroom.ledger.tables import Brief, ClientDecision, Generation, Release, Review
from pressroom.plays import audit, marks, reviews, worklist
from pressroom.store import files, reportfiles, thumbnails
from pressroom.store.reportfiles import Entry, Line, Report, Section
from pressroom.store.studio import Studio

FORMATS = {".pdf": "pdf", ".csv": "csv"}  # a report's file, by its name's ending
THUMBNAIL_EDGE = thumbnails.EDGES[0]


def _iso(value) -> str:
    return value.isoformat() if value is not None else ""


def _when(value) -> str:
    """A moment as the facts show it: to the second, in UTC."""
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


# -- the sections: one function each -------------------------------------------------------------------
def versions(session: Session, studio: Studio, row: Generation) -> Section:
    """The image's lineage: the images it was made from, itself, and those made from it, oldest first."""
    made = [*reversed(lineage.ancestors(session, row)), row]
    made += [session.get(Generation, i) for i in lineage.descendants(session, row.id)]
    return Section(
        "versions",
        "Versions",
        {"at": "Made", "who": "Maker", "item": "Image", "what": "How", "result": "Status"},
        [
            Line(
                at=_iso(version.created_at),
                who=version.operator or "unknown",
                what=version.play + (f" of image #{version.parent_id}" if version.parent_id else ""),
                item=f"image #{version.id}" + (" (this one)" if version.id == row.id else ""),
                result=version.status,
            )
            for version in sorted(made, key=lambda v: (v.created_at, v.id))
        ],
    )


def decisions(session: Session, studio: Studio, row: Generation) -> Section:
    """Every decision on the image, oldest first: who, when, the decision and its note, then each
    checklist item with its result and the reason given for a failure. A decision made before a newer
    version of the image counts no more: it is marked stale."""
    standing = reviews.statuses(studio, session, [row])[row.id]
    every = [(r, "current") for r in standing.current] + [(r, "stale: a newer version") for r in standing.stale]
    lines = []
    for review, state in sorted(every, key=lambda pair: (pair[0]["at"], pair[0]["review"])):
        at, who, decision = review["at"], review["reviewer"], review["decision"]
        lines.append(Line(at, who, decision, "(the decision)", state, review["note"]))
        for item, answer in review["checks"].items():
            result, reason = (answer["result"], answer["reason"]) if isinstance(answer, dict) else (answer, "")
            lines.append(Line(at, who, decision, item, result, reason))
    headings = {"at": "When", "who": "Reviewer", "what": "Decision", "item": "Checklist item", "result": "Result"}
    return Section("decisions", "Review decisions", {**headings, "detail": "Reason or note"}, lines, "No decision yet.")


def mark_threads(session: Session, studio: Studio, row: Generation) -> Section:
    """The marks pinned on the image and on the images it was made from, each followed by its replies."""
    lines = []
    for mark in marks.of(session, row):
        where = f"x {mark['x']:.2f}, y {mark['y']:.2f}" + (
            f", {mark['width']:.2f} by {mark['height']:.2f}" if mark["kind"] == "rectangle" else ""
        )
        on = f" on image #{mark['raised_on']}" if mark["raised_on"] else ""
        state = "resolved" if mark["resolved"] else "open"
        lines.append(Line(mark["at"], mark["author"], f"mark {mark['mark']}{on}", where, state, mark["comment"]))
        for reply in mark["replies"]:
            lines.append(Line(reply["at"], reply["author"], f"reply to mark {mark['mark']}", detail=reply["text"]))
    return Section(
        "marks",
        "Marks and replies",
        {"at": "When", "who": "By", "what": "Mark", "item": "Where", "result": "State", "detail": "Comment"},
        lines,
    )


def releases(session: Session, studio: Studio, row: Generation) -> Section:
    """The files released from the image: to which channel, in which format, by whom, with their hash."""
    found = session.scalars(select(Release).where(Release.generation_id == row.id).order_by(Release.id))
    return Section(
        "releases",
        "Released",
        {"at": "When", "who": "By", "what": "Channel", "item": "Format", "result": "Size", "detail": "File"},
        [
            Line(
                _iso(f.at),
                f.released_by,
                f.rendition,
                f.format,
                f"{f.width}x{f.height}",
                f"{Path(f.path).name} (SHA-256 {f.sha256})",
            )
            for f in found
        ],
        empty="Not released.",
    )


def client_signoffs(session: Session, studio: Studio, row: Generation) -> Section:
    """Each decision a client gave through a review link: who (the name and address the link was
    made for), when, approved or changes, and the note."""
    found = session.scalars(
        select(ClientDecision).where(ClientDecision.generation_id == row.id).order_by(ClientDecision.id)
    )
    return Section(
        "client_signoffs",
        "Client sign-offs",
        {"at": "When", "who": "Client", "what": "Decision", "item": "Address", "result": "Link", "detail": "Note"},
        [
            Line(
                _iso(d.at),
                f"{d.guest} (client)",
                "approved" if d.decision == "approved" else "changes requested",
                d.email,
                f"link {d.share_id}",
                d.note,
            )
            for d in found
        ],
        empty="No client decision.",
    )


SECTIONS: tuple[Callable[[Session, Studio, Generation], Section], ...] = (
    versions,
    decisions,
    mark_threads,
    client_signoffs,
    releases,
)


# -- the report -------------------------------------------------------------------------------------------
def _reached(session: Session, brief_id: int) -> list[Generation]:
    """The brief's images that reached review: decided on, or put up for review."""
    decided = select(Review.generation_id)
    query = select(Generation).where(
        Generation.brief_id == brief_id, Generation.id.in_(decided) | worklist.UP_FOR_REVIEW
    )
    return list(session.scalars(query.order_by(Generation.id)))


def _brief_facts(brief: Brief) -> list[tuple[str, str]]:
    spec = brief.parsed
    return [
        ("Title", spec.title),
        ("Intent", spec.intent),
        ("Purpose", spec.purpose),
        ("Director", brief.director or spec.director or "-"),
        ("Stakes", brief.stakes or "standard"),
        ("Content type", brief.content_type or "-"),
        ("Intended use", brief.intended_use or "-"),
        ("Channels", ", ".join(spec.channels) or "-"),
        ("Due", spec.due.isoformat() if spec.due else "-"),
        ("Status", brief.status),
        ("Opened", f"{_when(brief.created_at)} by {brief.created_by or '-'}"),
    ]


def _image_facts(session: Session, studio: Studio, row: Generation) -> list[tuple[str, str]]:
    standing = reviews.statuses(studio, session, [row], answers=False)[row.id]
    return [
        ("Made", f"{_when(row.created_at)} by {row.operator or 'unknown'}"),
        ("Play", row.play + (f" of image #{row.parent_id}" if row.parent_id else "")),
        ("Status", row.status),
        ("Gate", f"{standing.gate}: {standing.needed} approval(s) needed"),
        ("Gate result", standing.result + (f" ({', '.join(standing.approvals)})" if standing.approvals else "")),
        ("Alt text", reviews.alt_text_of(session, row.id) or "-"),
        ("File SHA-256", row.file_sha256),
    ]


def _thumbnail(studio: Studio, source: Path, sha256: str) -> Path | None:
    try:
        return thumbnails.thumbnail(studio, source, sha256, THUMBNAIL_EDGE)
    except PressroomError:  # the file is gone or damaged: the report says so in its place
        return None


def gather(ctx: Context, brief_id: int) -> Report:
    """The brief's audit report as plain data, read in one transaction at the chain's present head."""
    studio = ctx.studio
    with ctx.unit() as session:
        connection = session.connection()
        chain.lock(connection)  # no write lands between what is read and the head it is read at
        brief = rows.get(session, Brief, brief_id)
        found = audit.intact(connection)
        links, head = chain.head(connection)
        entries, sources = [], []
        for row in _reached(session, brief.id):
            sources.append((row.path(studio), row.file_sha256))
            entries.append(
                Entry(
                    row.id,
                    f"Image #{row.id}",
                    _image_facts(session, studio, row),
                    None,
                    [section(session, studio, row) for section in SECTIONS],
                )
            )
        made = Report(
            brief.id,
            brief.title,
            _brief_facts(brief),
            ctx.now().isoformat(),
            ctx.actor.name if ctx.actor.known else "",
            links,
            head,
            len(found),
            entries,
        )
    shown = [  # thumbnails are made (once, then cached) after the ledger is let go
        replace(entry, thumbnail=_thumbnail(studio, *source)) for entry, source in zip(entries, sources, strict=True)
    ]
    return replace(made, entries=shown)


def format_of(output: str | Path) -> str:
    """``pdf`` or ``csv``, by the file name's ending; anything else is refused."""
    suffix = Path(output).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(
            f"output {str(output)!r} must end in .pdf or .csv: the report is written as a PDF or a CSV file",
            field="output",
        )
    return FORMATS[suffix]


def render(ctx: Context, brief_id: int, fmt: str) -> bytes:
    """The brief's audit report as the bytes of a ``pdf`` or ``csv`` file."""
    if fmt not in FORMATS.values():
        raise InputError(f"format {fmt!r} must be pdf or csv", field="format")
    return _written(gather(ctx, brief_id), fmt)


def _written(report: Report, fmt: str) -> bytes:
    return reportfiles.pdf(report) if fmt == "pdf" else reportfiles.csv(report)


def save(ctx: Context, brief_id: int, output: str | Path) -> dict:
    """Write the brief's audit report to ``output`` (a PDF or a CSV, by its ending), whole or not at all."""
    fmt = format_of(output)
    files.target(output, field="output")  # refused before the work, not after
    report = gather(ctx, brief_id)
    written = files.write(output, _written(report, fmt), field="output")
    return {
        "brief": report.brief,
        "output": str(written),
        "format": fmt,
        "images": [e.image for e in report.entries],
        "links": report.links,
        "head": report.head,
    }
