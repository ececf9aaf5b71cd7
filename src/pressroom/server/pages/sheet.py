"""The contact sheet of a brief's concept sprint (on the brief's page): the director approves a direction in place."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request, Response

from pressroom.context import Context
from pressroom.plays import briefs, concepts
from pressroom.server.pages import render

router = APIRouter(include_in_schema=False)


@router.post("/briefs/{brief_id:int}/direction")
def approve_direction(request: Request, brief_id: int, generation: int = Form(...)) -> Response:
    def act(ctx: Context):
        concepts.approve_direction(ctx, brief_id, generation)
        return render.fragment("_approved.html", brief=briefs.show(ctx, brief_id))

    return render.acted(request, act)
