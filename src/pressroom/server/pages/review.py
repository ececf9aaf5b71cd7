"""An image's page: the image large with its marks, the pre-check findings, the checklist for the
brief's stakes and the decision; reviewers and directors pin marks to a point or a region; a
derivative is compared with its parent or an earlier version (side by side or overlaid)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request, Response
from starlette.concurrency import run_in_threadpool

from pressroom.context import Context
from pressroom.domain import gate
from pressroom.errors import NotFound
from pressroom.plays import briefs, guests, marks, post, reviews
from pressroom.plays import images as image_plays
from pressroom.plays.images import Generation
from pressroom.server.pages import render

router = APIRouter(include_in_schema=False)
CHOICES = ("pass", "n/a", "fail")
MARKERS = frozenset(marks.MARKERS)  # who places and reopens marks
TALKERS = frozenset({*marks.MARKERS, "operator"})  # who replies


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
        others = [  # any other image of the same brief can be compared with it too
            {
                "id": i["id"],
                "operation": "",
                "label": f"#{i['id']} ({i['play']}{', ' + i['status'] if i['status'] != 'new' else ''})",
            }
            for i in (image_plays.of_brief(ctx, row.brief_id) if row.brief_id is not None else [])
            if i["id"] != row.id and i["id"] not in {e["id"] for e in earlier}
        ]
        chosen = next((e for e in [*earlier, *others] if e["id"] == against), earlier[0] if earlier else None)
        return {
            "image": row.summary(ctx.studio),
            "recipe": row.parsed_recipe(),
            "sheet": reviews.sheet(ctx, generation_id, prechecks=False),  # the findings come apart
            "history": reviews.history(ctx, generation_id),
            "brief": briefs.show(ctx, row.brief_id) if row.brief_id is not None else None,
            "gate": gate,
            "can_review": reviews.may_decide(ctx, generation_id),
            "client": guests.client_decision(ctx, generation_id),
            "choices": CHOICES,
            "decisions": gate.DECISIONS,
            **mark_values(ctx, generation_id),
            "earlier": earlier,
            "others": others,
            "against": chosen,
            "came_back": post.facts(ctx, generation_id),  # what a version edited outside pressroom says
            "handouts": post.handouts(ctx, generation_id) if "operator" in ctx.actor.roles else [],
        }

    return render.shown(request, "image.html", build)


@router.get("/images/{generation_id:int}/prechecks")
def prechecks(request: Request, generation_id: int) -> Response:
    """The pre-check findings, asked for once the page is shown (they may take a moment to run)."""
    return render.answered(
        request, lambda ctx: render.fragment("_prechecks.html", findings=reviews.findings(ctx, generation_id))
    )


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
        checks = {  # an item left unanswered stays out: the play names what is missing
            item: (str(form.get(f"check:{item}")), str(form.get(f"reason:{item}", "")))
            for item in reviews.checklist(ctx, generation_id)
            if form.get(f"check:{item}")
        }
        decision = str(form.get("decision", ""))
        status = reviews.decide(
            ctx, generation_id, decision, checks, note=str(form.get("note", "")), alt_text=str(form.get("alt_text", ""))
        )
        return render.fragment(
            "_decided.html", 201, decision=decision, reviewer=ctx.actor.name, status=status.as_dict()
        )

    return await run_in_threadpool(render.acted, request, act)


def marks_shown(ctx: Context, generation_id: int, status_code: int = 200) -> Response:
    """The image's marks as the page lists them, for the person looking (what they may do with each)."""
    return render.fragment("_marks.html", status_code, oob=True, **mark_values(ctx, generation_id))


def mark_values(ctx: Context, generation_id: int) -> dict:
    return {
        "marks": marks.on(ctx, generation_id),
        "viewed": generation_id,
        "me": ctx.actor,
        "can_talk": bool(ctx.actor.roles & TALKERS),
        "can_mark": bool(ctx.actor.roles & MARKERS),
    }


@router.post("/images/{generation_id:int}/marks/{mark_id:int}/{action}")
def mark_action(request: Request, generation_id: int, mark_id: int, action: str, text: str = Form("")) -> Response:
    """Reply to a mark, resolve it or reopen it, from the page of an image it shows on; that image's
    marks come back."""

    def act(ctx: Context):
        done = {
            "replies": lambda: marks.reply(ctx, mark_id, text),
            "resolve": lambda: marks.resolve(ctx, mark_id),
            "reopen": lambda: marks.reopen(ctx, mark_id),
        }.get(action)
        if done is None:
            raise NotFound(f"a mark can be replied to, resolved or reopened, not {action!r}")
        done()
        return marks_shown(ctx, generation_id, 201 if action == "replies" else 200)

    return render.acted(request, act)


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
        return marks_shown(ctx, generation_id, 201)

    return render.acted(request, act)
