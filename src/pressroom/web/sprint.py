"""The concept sprint on a brief's page: an operator launches it (styles, per style, models) and
the contact sheet fills in as images land; the director ranks the concepts by dragging or with
the keyboard and saves the ranking."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from .. import concepts
from ..context import Context
from ..errors import InputError
from . import fields, follow, render

router = APIRouter(include_in_schema=False)


@router.post("/briefs/{brief_id:int}/sprint")
async def launch(request: Request, brief_id: int) -> Response:
    form = await request.form()

    def act(ctx: Context):
        styles = [str(value) for value in form.getlist("styles")]
        if not styles:
            raise InputError("choose the styles the sprint spans (3 to 5)", field="styles")
        job = concepts.submit(ctx, brief_id, styles, per_style=fields.whole(str(form.get("per_style", "")), "per_style"),
                              steps=fields.whole(str(form.get("steps", "")), "steps"),
                              model_names=[str(value) for value in form.getlist("models")] or None)
        return follow.following(job, then="reload", label="Concept sprint")

    return render.acted(request, act)


@router.post("/briefs/{brief_id:int}/rank")
async def rank(request: Request, brief_id: int) -> Response:
    form = await request.form()

    def act(ctx: Context):
        order = [fields.whole(str(value), "generations") for value in form.getlist("generations")]
        ranked = concepts.rank(ctx, brief_id, [value for value in order if value is not None])
        return render.fragment("_ranked.html", ranked=ranked, by=ctx.actor.name)

    return render.acted(request, act)
