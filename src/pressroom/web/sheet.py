"""A brief's page with its contact sheet, where the director approves a direction in place."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request, Response

from .. import briefs, concepts, generations
from ..context import Context
from . import render

router = APIRouter(include_in_schema=False)


@router.get("/briefs/{brief_id:int}")
def brief(request: Request, brief_id: int) -> Response:
    def build(ctx: Context) -> dict:
        shown = briefs.show(ctx, brief_id)
        sheet = [image for image in generations.images(ctx, brief_id=brief_id) if image["play"] == "concept"]
        ranks = {row["generation"]: row["rank"] for row in shown["rankings"]}
        return {"brief": shown, "sheet": sheet, "ranks": ranks}

    return render.shown(request, "brief.html", build)


@router.post("/briefs/{brief_id:int}/direction")
def approve_direction(request: Request, brief_id: int, generation: int = Form(...)) -> Response:
    def act(ctx: Context):
        concepts.approve_direction(ctx, brief_id, generation)
        return render.fragment("_approved.html", brief=briefs.show(ctx, brief_id))

    return render.acted(request, act)
