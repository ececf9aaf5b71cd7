"""The home page: what waits for the signed-in person, by role, and the jobs running now."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response

from pressroom.context import Context
from pressroom.plays import briefs, lockin, worklist
from pressroom.plays import jobs as job_plays
from pressroom.server.pages import render

router = APIRouter(include_in_schema=False)


TITLES = (  # each kind of work, as its section of the home page says it
    ("review", "Images to review"),
    ("changes_requested", "Your images with changes requested"),
    ("cull", "Volume runs to cull"),
    ("lock_failed", "Lock-ins that did not reproduce"),
    ("direction", "Briefs waiting for your direction"),
    ("paused", "Your paused briefs"),
    ("due", "Briefs due soon or overdue"),
    ("release", "Approved images to release"),
)


@router.get("/")
def home(request: Request, page: int = 1) -> Response:
    def build(ctx: Context) -> dict:
        roles = ctx.actor.roles
        everything = briefs.briefs(ctx)
        waiting = {}
        recipes = lockin.waiting(ctx) if roles & {"operator", "reviewer"} else {}
        if "operator" in roles:
            waiting["volume"] = recipes["volume"]
        if "reviewer" in roles:
            waiting["flagged"] = recipes["flagged"]
        running = [job.as_dict() for job in job_plays.listing(ctx) if job.state in ("queued", "running")]
        today = ctx.now().date()
        return {
            "briefs": everything,
            "brief_titles": {b["id"]: b["title"] for b in everything},
            "work": worklist.worklist(ctx, page),
            "titles": TITLES,
            "today": today.isoformat(),
            "soon": (today + timedelta(days=worklist.DUE_SOON_DAYS)).isoformat(),
            "waiting": waiting,
            "jobs": running,
        }

    return render.shown(request, "home.html", build)
