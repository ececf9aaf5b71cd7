"""The home page: what waits for the signed-in person, by role, and the jobs running now."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from pressroom.context import Context
from pressroom.plays import briefs, lockin, releases
from pressroom.plays import images as image_plays
from pressroom.plays import jobs as job_plays
from pressroom.server.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request) -> Response:
    def build(ctx: Context) -> dict:
        roles = ctx.actor.roles
        everything = briefs.briefs(ctx)
        waiting = {}
        if "director" in roles:
            waiting["director"] = [
                b
                for b in everything
                if b["direction"] is None and b["status"] == "active" and b["director_id"] == ctx.actor.id
            ]
        recipes = lockin.waiting(ctx) if roles & {"operator", "reviewer"} else {}
        if "operator" in roles:
            waiting["volume"] = recipes["volume"]
            waiting["operator"] = image_plays.listing(ctx, 60, status="new")
        if "reviewer" in roles:
            waiting["reviewer"] = [
                image for image in image_plays.listing(ctx, 60, status="kept") if image["operator"] != ctx.actor.name
            ]
            waiting["flagged"] = recipes["flagged"]
        if "keeper" in roles:
            waiting["keeper"] = releases.waiting(ctx)
        running = [job.as_dict() for job in job_plays.listing(ctx) if job.state in ("queued", "running")]
        return {"briefs": everything, "waiting": waiting, "jobs": running}

    return render.shown(request, "home.html", build)
