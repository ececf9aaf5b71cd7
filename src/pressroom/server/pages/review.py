"""An image's page: the image large with its marks, the pre-check findings, the checklist for the
brief's stakes and the decision; reviewers and directors pin marks to a point or a region; a
derivative is compared with its parent or an earlier version (side by side or overlaid)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request, Response
from starlette.concurrency import run_in_threadpool

from pressroom.context import Context
from pressroom.domain import gate
from pressroom.plays import images as image_plays
from pressroom.plays import marks, reviews
from pressroom.plays.images import Generation
from pressroom.server.pages import render

router = APIRouter(include_in_schema=False)
CHOICES = ("pass", "n/a", "fail")


def earlier_versions(ctx: Context, row: Generation) -> list[dict]:
    """The image's ancestors, its parent first: what it can be compared with."""
    found, seen = [], {row.id}
    while row.parent_id is not None and row.parent_id not in seen:
        row = image_plays.get(ctx, row.parent_id)
        seen.add(row.id)
        found.append({"id": row.id, "operation": row.operation})
    return found


@router.get("/images/{generation_id:int}")
def image(request: Request, generation_id: int, against: int | None = None) -> Response:
    def build(ctx: Context) -> dict:
        row = image_plays.get(ctx, generation_id)
        earlier = earlier_versions(ctx, row)
        chosen = next((e for e in earlier if e["id"] == against), earlier[0] if earlier else None)
        return {
            "image": row.summary(ctx.studio),
            "recipe": row.parsed_recipe(),
            "sheet": reviews.sheet(ctx, generation_id),
            "choices": CHOICES,
            "decisions": gate.DECISIONS,
            "marks": marks.on(ctx, generation_id),
            "earlier": earlier,
            "against": chosen,
        }

    return render.shown(request, "image.html", build)


@router.get("/images/{generation_id:int}/card")
def card(request: Request, generation_id: int) -> Response:
    """The image's recipe card, to download (made from the ledger; nothing is written)."""

    def answer(ctx: Context) -> Response:
        text = image_plays.card_text(ctx, generation_id)
        return Response(
            text,
            media_type="application/toml",
            headers={"Content-Disposition": f'attachment; filename="gen-{generation_id}.toml"'},
        )

    return render.answered(request, answer)


@router.post("/images/{generation_id:int}/review")
async def decide(request: Request, generation_id: int) -> Response:
    # the form's fields are named by the checklist (check:ITEM, reason:ITEM): awaited here, then the
    # sign-in, the checklist and the decision (the chain's check) run in the thread pool
    form = await request.form()

    def act(ctx: Context) -> Response:
        checks = {
            item: (str(form.get(f"check:{item}", "")), str(form.get(f"reason:{item}", "")))
            for item in reviews.checklist(ctx, generation_id)
        }
        decision = str(form.get("decision", ""))
        status = reviews.decide(
            ctx, generation_id, decision, checks, note=str(form.get("note", "")), alt_text=str(form.get("alt_text", ""))
        )
        return render.fragment(
            "_decided.html", 201, decision=decision, reviewer=ctx.actor.name, status=status.as_dict()
        )

    return await run_in_threadpool(render.acted, request, act)


@router.post("/images/{generation_id:int}/marks")
def place_mark(
    request: Request,
    generation_id: int,
    x: float = Form(...),
    y: float = Form(...),
    width: float = Form(0.0),
    height: float = Form(0.0),
    comment: str = Form(""),
) -> Response:
    def act(ctx: Context):
        marks.place(ctx, generation_id, x, y, comment, width=width, height=height)
        return render.fragment("_marks.html", 201, marks=marks.on(ctx, generation_id), oob=True)

    return render.acted(request, act)
