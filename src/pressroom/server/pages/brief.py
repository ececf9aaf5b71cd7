"""A brief's page: where it stands in the plays, its versions, its contact sheet and recipes, its
event log as a timeline; the director pauses and resumes it here, and anyone signed in downloads its
audit report."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request, Response

from pressroom.context import Context
from pressroom.plays import assignments, briefs, events, styles
from pressroom.plays import images as image_plays
from pressroom.plays import models as model_plays
from pressroom.plays import report as reports
from pressroom.server.pages import guests as guest_pages
from pressroom.server.pages import outside, render, timeline

router = APIRouter(include_in_schema=False)


def _standing(ctx: Context, brief_id: int) -> dict:
    shown = briefs.show(ctx, brief_id)
    steers = briefs.may_change(ctx, brief_id)  # its own director or an admin: the pause form and edit link
    log = events.log(ctx, brief_id)
    counted = image_plays.of_brief(ctx, brief_id, limit=None)  # play and status are all standing() reads
    return {
        "brief": shown,
        "steers": steers,
        "assigned": assignments.of_brief(ctx, brief_id),
        "steps": timeline.standing(shown, log, counted),
        "versions": timeline.versions(log),
        "timeline": timeline.timeline(log),
    }


@router.get("/briefs/{brief_id:int}")
def brief(request: Request, brief_id: int) -> Response:
    def build(ctx: Context) -> dict:
        found = _standing(ctx, brief_id)
        ranks = {row["generation"]: row["rank"] for row in found["brief"]["rankings"]}
        sheet = sorted(
            image_plays.listing(ctx, brief_id=brief_id, play="concept"),
            key=lambda image: (ranks.get(image["id"], len(ranks) + 1), image["id"]),
        )
        return {
            **found,
            "sheet": sheet,
            "ranks": ranks,
            "styles": styles.styles(ctx),
            "models": model_plays.catalogue(ctx),
            "directs": "director" in ctx.actor.roles,  # who may approve a direction (concepts.approve_direction)
            **guest_pages.share_values(ctx, brief_id),  # its director's or an admin's client links
            **outside.candidates(ctx, brief_id),
        }

    return render.shown(request, "brief.html", build)


def _changed(request: Request, brief_id: int, change) -> Response:
    """Pause or resume (``change``, with the reason) and show where the brief stands now."""

    def act(ctx: Context):
        change(ctx)
        return render.fragment("_standing.html", **_standing(ctx, brief_id))

    return render.acted(request, act)


@router.post("/briefs/{brief_id:int}/pause")
def pause(request: Request, brief_id: int, reason: str = Form("")) -> Response:
    return _changed(request, brief_id, lambda ctx: briefs.pause_brief(ctx, brief_id, reason))


@router.post("/briefs/{brief_id:int}/resume")
def resume(request: Request, brief_id: int, reason: str = Form("")) -> Response:
    return _changed(request, brief_id, lambda ctx: briefs.resume_brief(ctx, brief_id, reason))


@router.post("/briefs/{brief_id:int}/assign")
def assign(request: Request, brief_id: int, reviewer: str = Form(""), due: str = Form("")) -> Response:
    """Give the brief's reviews to a reviewer (its director or an admin); the reviewers list comes back."""

    def act(ctx: Context):
        assignments.assign(ctx, brief_id, reviewer, due or None)
        shown = briefs.show(ctx, brief_id)
        return render.fragment(
            "_assignments.html", brief=shown, assigned=assignments.of_brief(ctx, brief_id), steers=True
        )

    return render.acted(request, act)


REPORT_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


@router.get("/briefs/{brief_id:int}/report.{fmt:str}")
def report(request: Request, brief_id: int, fmt: str) -> Response:
    """The brief's audit report as a PDF or a CSV file, for anyone signed in."""

    def answer(ctx: Context) -> Response:
        data = reports.render(ctx, brief_id, fmt)
        return Response(
            data,
            media_type=REPORT_TYPES[fmt],
            headers={"Content-Disposition": f'attachment; filename="brief-{brief_id}-audit-report.{fmt}"'},
        )

    return render.answered(request, answer)
