"""Culling a recipe's volume run in a grid with the keyboard, the keep rate shown as you go."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request, Response

from pressroom.context import Context
from pressroom.errors import NotFound
from pressroom.plays import culls, metrics
from pressroom.plays import images as image_plays
from pressroom.server.pages import render

router = APIRouter(include_in_schema=False)


def _volume(ctx: Context, recipe_id: int) -> list[dict]:
    return [image for image in image_plays.listing(ctx, recipe_id=recipe_id) if image["play"] == "volume"]


@router.get("/recipes/{recipe_id:int}/cull")
def cull_page(request: Request, recipe_id: int) -> Response:
    def build(ctx: Context) -> dict:
        images = _volume(ctx, recipe_id)
        rate = metrics.recipe_rates(ctx, recipe_id)
        said = culls.reasons(ctx, [image["id"] for image in images])
        return {
            "recipe": recipe_id,
            "images": images,
            "choices": culls.REASONS,
            "reasons": said,
            "rate": rate,
            "can_cull": "operator" in ctx.actor.roles,  # who may cull (culls.cull)
        }

    return render.shown(request, "cull.html", build)


@router.post("/recipes/{recipe_id:int}/cull")
def cull(
    request: Request, recipe_id: int, generation: int = Form(...), keep: bool = Form(...), reason: str = Form("")
) -> Response:
    def act(ctx: Context):
        if image_plays.get(ctx, generation).recipe_id != recipe_id:
            raise NotFound(f"generation {generation} is not from recipe {recipe_id}")
        culls.cull(ctx, [generation], keep=keep, reason="" if keep else reason)
        images = _volume(ctx, recipe_id)
        image = next(image for image in images if image["id"] == generation)
        said = culls.reasons(ctx, [generation])
        rate = metrics.recipe_rates(ctx, recipe_id)
        return render.fragment("_culled.html", image=image, reasons=said, rate=rate, can_cull=True)

    return render.acted(request, act)
