"""The team's numbers on a page: keep rate, iterations per final, rework after review and time to
hero per brief, recipe, slot value and operator, and their trend across briefs as charts.

The figures are ``metrics.report``'s, the same as ``pressroom metrics`` and ``GET /api/metrics``;
each chart (``charts.trend``) has its figures as text beside it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from pressroom.context import Context
from pressroom.errors import InputError
from pressroom.plays import briefs
from pressroom.plays import metrics as numbers
from pressroom.server.pages import charts, render

router = APIRouter(include_in_schema=False)


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f} %"


def times(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


# (key in the trend, title, how a figure is written, the axis's top: rates end at 100 %)
TRENDS = (
    ("keep_rate", "Keep rate", percent, 1.0),
    ("iterations_per_final", "Iterations per final", times, None),
    ("rework_after_review", "Rework after review", percent, 1.0),
    ("time_to_hero_s", "Time to hero", duration, None),
)


def trends(trend: list[dict]) -> list[dict]:
    """One chart per figure across the briefs in the order they were opened, with its table rows."""
    made = []
    for key, title, shown, top in TRENDS:
        points = [(f"#{row['brief']}", row[key]) for row in trend]
        chart_id = "trend-" + key.replace("_", "-")
        made.append(
            {
                "id": chart_id,
                "key": key,
                "title": f"{title} across briefs",
                "svg": charts.trend(chart_id, f"{title} across briefs", points, shown, top),
                "rows": [(row["brief"], row[key], shown(row[key])) for row in trend],
            }
        )
    return made


def chosen(brief: str) -> int | None:
    """The brief the page is narrowed to (the form sends an empty value for every brief)."""
    if not brief.strip():
        return None
    if not brief.strip().isdigit():
        raise InputError(f"brief must be a brief's number (got {brief!r}); choose one from the list", field="brief")
    return int(brief)


@router.get("/metrics")
def metrics_page(request: Request, brief: str = "") -> Response:
    def build(ctx: Context) -> dict:
        one = chosen(brief)
        report = numbers.report(ctx, one)
        return {
            "report": report,
            "charts": trends(report["trend"]),
            "chosen": one,
            "briefs": [{"brief": b["id"], "title": b["title"]} for b in briefs.briefs(ctx)],
            "percent": percent,
            "times": times,
            "duration": duration,
        }

    return render.shown(request, "metrics.html", build)
