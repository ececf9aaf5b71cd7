"""The concept sprint on a brief's page: an operator launches it (styles, per style, models) and
the contact sheet fills in as images land; the director ranks the concepts by dragging or with
the keyboard and saves the ranking."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request, Response

from pressroom.context import Context
from pressroom.errors import InputError
from pressroom.plays import concepts
from pressroom.server.pages import fields, follow, render

router = APIRouter(include_in_schema=False)


@router.post("/briefs/{brief_id:int}/sprint")
def launch(
    request: Request,
    brief_id: int,
    styles: list[str] = Form([]),
    per_style: str = Form(""),
    steps: str = Form(""),
    models: list[str] = Form([]),
) -> Response:
    def act(ctx: Context):
        if not styles:
            raise InputError("choose the styles the sprint spans (3 to 5)", field="styles")
        job = concepts.submit(
            ctx,
            brief_id,
            styles,
            per_style=fields.whole(per_style, "per_style"),
            steps=fields.whole(steps, "steps"),
            model_names=models or None,
        )
        return follow.following(job, then="reload", label="Concept sprint")

    return render.acted(request, act)


@router.post("/briefs/{brief_id:int}/rank")
def rank(request: Request, brief_id: int, generations: list[str] = Form([])) -> Response:
    def act(ctx: Context):
        order = [fields.whole(value, "generations") for value in generations]
        ranked = concepts.rank(ctx, brief_id, [value for value in order if value is not None])
        return render.fragment("_ranked.html", ranked=ranked, by=ctx.actor.name)

    return render.acted(request, act)
