"""The audit report as a file: a PDF laid out by ReportLab, or a CSV, from plain data.

The report play (``plays.report``) gathers what the ledger holds about a brief into a
:class:`Report`: the brief's facts, one :class:`Entry` per image that reached review (its
thumbnail, its facts and its sections), and the chain's head at export. Every section has the same
shape, a title and :class:`Line` rows over the same six columns, so a new section is one more
function in the play and both files show it without a change here. The PDF shows, for each
section, the columns it names with its own headings; the CSV has one row per line, every column,
and says which brief, image and section each row belongs to.

This is the only module that imports ReportLab.
"""

from __future__ import annotations

import csv as csvlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from pressroom.errors import PressroomError
from pressroom.store import imagefiles

COLUMNS = ("at", "who", "what", "item", "result", "detail")  # the columns of every section's lines
CSV_HEADER = ("brief", "image", "section", *COLUMNS)
WIDTHS = {"at": 2.3, "who": 1.6, "what": 2.9, "item": 2.3, "result": 1.5, "detail": 5.0}  # shares of a row
FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a cell a spreadsheet would run as a formula starts so
UNICODE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian's fonts-dejavu-core


@dataclass(frozen=True)
class Line:
    """One row of a section: when, who, what, about which item, with what result, and the detail."""

    at: str = ""  # ISO 8601, UTC
    who: str = ""
    what: str = ""
    item: str = ""
    result: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Section:
    name: str  # as the CSV names it: versions, decisions, marks, releases ...
    title: str  # as the PDF heads it
    headings: dict[str, str]  # the columns the PDF shows, in order, with their headings
    lines: list[Line] = field(default_factory=list)
    empty: str = "None."  # what the PDF says when the section has no lines


@dataclass(frozen=True)
class Entry:
    """One image of the report."""

    image: int
    title: str
    facts: list[tuple[str, str]]
    thumbnail: Path | None  # a small image file to show, or None (its file is missing)
    sections: list[Section]


@dataclass(frozen=True)
class Report:
    brief: int
    title: str
    facts: list[tuple[str, str]]
    made_at: str  # ISO 8601, UTC
    made_by: str  # "" when nobody was named
    links: int  # the chain's length at export
    head: str  # the hash of its last link
    findings: int  # what the ledger's audit found at export (0: whole)
    entries: list[Entry]


def _short_time(at: str) -> str:
    return f"{at[:10]} {at[11:19]} UTC" if len(at) >= 19 else at


# -- CSV ------------------------------------------------------------------------------------------------
def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA) else text


def csv(report: Report) -> bytes:
    """The report as CSV (UTF-8 with a byte-order mark, so spreadsheets read its accents): the brief's
    facts, each image's facts and section lines, and the chain's head, one row each."""
    out = io.StringIO()
    writer = csvlib.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    brief = report.brief
    for label, value in report.facts:
        writer.writerow(map(_cell, (brief, "", "brief", "", "", "", label, "", value)))
    for entry in report.entries:
        for label, value in entry.facts:
            writer.writerow(map(_cell, (brief, entry.image, "image", "", "", "", label, "", value)))
        for section in entry.sections:
            for line in section.lines:
                writer.writerow(map(_cell, (brief, entry.image, section.name, *(getattr(line, c) for c in COLUMNS))))
    whole = "whole" if not report.findings else f"{report.findings} finding(s)"
    writer.writerow(
        map(_cell, (brief, "", "chain", report.made_at, report.made_by, "head", report.links, whole, report.head))
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# -- PDF ------------------------------------------------------------------------------------------------
def _font() -> tuple[str, str]:
    """A regular and a bold font: DejaVu Sans where Debian has it (any script), else Helvetica (Latin)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    bold = UNICODE_FONT.with_name("DejaVuSans-Bold.ttf")
    if UNICODE_FONT.is_file() and bold.is_file():
        if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(UNICODE_FONT)))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
        return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _thumbnail(path: Path | None, edge: float):
    """The thumbnail as a ReportLab flowable at most ``edge`` points a side (a PNG copy: any format PIL reads)."""
    from reportlab.platypus import Image

    if path is None:
        return None
    try:
        with imagefiles.opened(path, "the thumbnail") as opened:
            picture = opened.convert("RGB")
    except PressroomError:  # gone or damaged since: the part says so instead
        return None
    data = io.BytesIO()
    picture.save(data, "PNG")
    data.seek(0)
    scale = edge / max(picture.size)
    return Image(data, width=picture.width * scale, height=picture.height * scale)


def pdf(report: Report) -> bytes:
    """The report as a PDF: a title, the brief's facts and the chain's head, then a part per image with
    its thumbnail, its facts and a table per section."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = _font()
    sheet = getSampleStyleSheet()
    title = ParagraphStyle("title", parent=sheet["Title"], fontName=bold, fontSize=16, leading=20)
    heading = ParagraphStyle("heading", parent=sheet["Heading2"], fontName=bold, fontSize=12, spaceBefore=10)
    subheading = ParagraphStyle("subheading", parent=sheet["Heading3"], fontName=bold, fontSize=9.5, spaceBefore=6)
    body = ParagraphStyle("body", parent=sheet["BodyText"], fontName=regular, fontSize=9, leading=12)
    cell = ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9.5, wordWrap="CJK")
    label = ParagraphStyle("label", parent=cell, fontName=bold)
    hashed = ParagraphStyle("hashed", parent=body, fontName="Courier", fontSize=8)

    def text(value: object, style=cell) -> Paragraph:
        return Paragraph(escape(str(value)), style)

    buffer = io.BytesIO()
    margin = 16 * mm
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin + 4 * mm,
        title=f"Audit report: brief {report.brief}",
        author="pressroom",
        subject=report.title,
    )
    width = doc.width
    ruled = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b8b8b8")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#ececec")),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
    )

    def facts_table(facts: list[tuple[str, str]], over: float) -> Table:
        table = Table(
            [[text(k, label), text(v)] for k, v in facts] or [[text("-"), text("")]],
            colWidths=[over * 0.3, over * 0.7],
        )
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 2)]))
        return table

    def section_table(section: Section):
        if not section.lines:
            return text(section.empty, body)
        shown = [c for c in section.headings if c in COLUMNS]
        share = sum(WIDTHS[c] for c in shown)
        rows = [[text(section.headings[c], label) for c in shown]]
        for line in section.lines:
            rows.append([text(_short_time(line.at) if c == "at" else getattr(line, c)) for c in shown])
        table = Table(rows, colWidths=[width * WIDTHS[c] / share for c in shown], repeatRows=1)
        table.setStyle(ruled)
        return table

    story = [
        Paragraph(escape(f"Audit report: brief {report.brief}, {report.title}"), title),
        text(f"Made {_short_time(report.made_at)}" + (f" by {report.made_by}" if report.made_by else "") + ".", body),
        Spacer(1, 4 * mm),
        facts_table(report.facts, width),
        Spacer(1, 3 * mm),
        text(
            f"The ledger's hash chain at export: {report.links} links; "
            + ("the audit found it whole." if not report.findings else f"the audit found {report.findings} problem(s).")
            + " Its head (the hash of its last link):",
            body,
        ),
        Paragraph(escape(report.head), hashed),
    ]
    if not report.entries:
        story.append(text("No image of this brief has reached review yet.", body))
    for entry in report.entries:
        picture = _thumbnail(entry.thumbnail, 40 * mm)
        side = width - 44 * mm
        top = Table(
            [[picture or text("(no file)", body), facts_table(entry.facts, side)]],
            colWidths=[44 * mm, side],
        )
        top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, 0), 0)]))
        story.append(KeepTogether([Paragraph(escape(entry.title), heading), top]))
        for section in entry.sections:
            story += [Paragraph(escape(section.title), subheading), section_table(section)]

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.drawString(margin, margin - 2 * mm, f"pressroom audit report, brief {report.brief}")
        canvas.drawRightString(A4[0] - margin, margin - 2 * mm, f"page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
