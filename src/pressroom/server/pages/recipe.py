"""Lock-in and volume on the pages: an operator locks a recipe from the approved direction; the
recipe's page shows the hero, the reproduction verdict with its figures and the card to download,
and launches a volume run (slot values, seeds) with a progress bar and the images as they land."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import FileResponse

from pressroom.context import Context
from pressroom.errors import InputError, NotFound
from pressroom.plays import lockin, volume
from pressroom.server.pages import fields, follow, render

router = APIRouter(include_in_schema=False)


@router.post("/briefs/{brief_id:int}/lock")
def lock(
    request: Request,
    brief_id: int,
    steps: str = Form(""),
    width: str = Form(""),
    height: str = Form(""),
    seed: str = Form(""),
) -> Response:
    def act(ctx: Context):
        job = lockin.submit(
            ctx,
            brief_id,
            steps=fields.whole(steps, "steps"),
            width=fields.whole(width, "width"),
            height=fields.whole(height, "height"),
            seed=fields.whole(seed, "seed"),
        )
        return follow.following(job, then="/recipes/{recipe}", label="Lock-in")

    return render.acted(request, act)


def _recipe(ctx: Context, recipe_id: int) -> dict:
    return lockin.shown(ctx, recipe_id)


@router.get("/recipes/{recipe_id:int}")
def recipe_page(request: Request, recipe_id: int) -> Response:
    return render.shown(request, "recipe.html", lambda ctx: _recipe(ctx, recipe_id))


@router.get("/recipes/{recipe_id:int}/card")
def card(request: Request, recipe_id: int) -> Response:
    def answer(ctx: Context) -> Response:
        path = lockin.card_file(ctx, recipe_id)
        if path is None or not path.is_file():
            raise NotFound(f"recipe {recipe_id} has no card (a failed lock writes none)")
        return FileResponse(path, media_type="application/toml", filename=path.name)

    return render.answered(request, answer)


@router.post("/recipes/{recipe_id:int}/volume")
def run_volume(request: Request, recipe_id: int, values: str = Form(""), seeds: str = Form("")) -> Response:
    def act(ctx: Context):
        slot = lockin.slot_of(ctx, recipe_id)
        vary = [(slot, line.strip()) for line in values.splitlines() if line.strip()]
        if not vary:
            raise InputError(f"give at least one value of the slot {slot!r}, one per line", field="values")
        job = volume.submit(ctx, recipe_id, vary, fields.whole(seeds, "seeds") or 4)
        return follow.following(
            job, label="Volume run", done_link=f"/recipes/{recipe_id}/cull", done_text="Cull this run"
        )

    return render.acted(request, act)
