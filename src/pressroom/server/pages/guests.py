"""Client review by link: what a guest sees through ``/guest/<token>``, signed out, and the brief
page's form that makes such a link.

The token in the path is the guest's only key: each route asks ``plays.guests`` with it, which
grants the link's own images (their review copies, their marks, their decisions) and nothing else;
an unknown, expired or revoked token, or an image the link does not hold, is the same plain page.
No page here needs a session or sets one; answers are never cached and send no referrer, so the
token does not travel on.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request, Response

from pressroom.context import Context
from pressroom.errors import LedgerAway, NotFound, PressroomError
from pressroom.plays import briefs, guests
from pressroom.plays import images as image_plays
from pressroom.server import auth
from pressroom.server.pages import fields, render

router = APIRouter(include_in_schema=False)
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _private(answer: Response) -> Response:
    answer.headers.update(PRIVATE)
    return answer


def _guest_page(request: Request, token: str, template: str, build) -> Response:
    ctx = auth.anonymous(request)
    try:
        values = build(ctx)
    except LedgerAway:
        raise
    except NotFound as exc:
        return _private(render.page(request, None, "guest_gone.html", status_code=404, message=fields.said(exc)))
    values["guest_name"] = values.pop("guest")  # ``guest`` says to the templates: a guest is looking
    return _private(render.page(request, None, template, token=token, guest=True, **values))


def _guest_act(request: Request, act) -> Response:
    try:
        return _private(act(auth.anonymous(request)))
    except LedgerAway:
        raise
    except PressroomError as exc:
        return _private(render.refusal(exc))


@router.get("/guest/{token}")
def overview(request: Request, token: str) -> Response:
    return _guest_page(request, token, "guest.html", lambda ctx: guests.opened(ctx, token))


def _marks(token: str, generation_id: int, found: list[dict], status_code: int = 200) -> Response:
    return render.fragment(
        "_marks.html",
        status_code,
        oob=True,
        marks=found,
        viewed=generation_id,
        me=None,
        guest=True,
        can_talk=True,
        marks_base=f"/guest/{token}/images/{generation_id}",
    )


@router.get("/guest/{token}/images/{generation_id:int}")
def image(request: Request, token: str, generation_id: int) -> Response:
    return _guest_page(request, token, "guest_image.html", lambda ctx: guests.image(ctx, token, generation_id))


@router.get("/guest/{token}/images/{generation_id:int}/review-copy.jpg")
def review_copy(request: Request, token: str, generation_id: int) -> Response:
    ctx = auth.anonymous(request)
    try:
        body = guests.review_copy(ctx, token, generation_id)
    except NotFound as exc:
        return _private(render.page(request, None, "guest_gone.html", status_code=404, message=fields.said(exc)))
    return _private(Response(body, media_type="image/jpeg"))


@router.post("/guest/{token}/images/{generation_id:int}/marks")
def place_mark(
    request: Request,
    token: str,
    generation_id: int,
    x: float = Form(...),
    y: float = Form(...),
    width: float = Form(0.0),
    height: float = Form(0.0),
    comment: str = Form(""),
) -> Response:
    def act(ctx: Context):
        found = guests.mark(ctx, token, generation_id, x, y, comment, width=width, height=height)
        return _marks(token, generation_id, found, 201)

    return _guest_act(request, act)


@router.post("/guest/{token}/images/{generation_id:int}/marks/{mark_id:int}/replies")
def reply(request: Request, token: str, generation_id: int, mark_id: int, text: str = Form("")) -> Response:
    return _guest_act(
        request, lambda ctx: _marks(token, generation_id, guests.reply(ctx, token, generation_id, mark_id, text), 201)
    )


@router.post("/guest/{token}/images/{generation_id:int}/decision")
def decide(
    request: Request, token: str, generation_id: int, decision: str = Form(""), note: str = Form("")
) -> Response:
    def act(ctx: Context):
        made = guests.decide(ctx, token, generation_id, decision, note)
        return render.fragment("_client_decision.html", 201, decision=made)

    return _guest_act(request, act)


# -- the brief page's part: the director makes, lists and revokes links -------------------------------
def share_values(ctx: Context, brief_id: int) -> dict:
    """What the brief page's client review section shows (for its director or an admin)."""
    if not briefs.may_change(ctx, brief_id):
        return {"shares": None}
    offered = [i for i in image_plays.of_brief(ctx, brief_id, limit=200) if i["status"] != "rejected"]
    return {"shares": guests.listing(ctx, brief_id), "shareable": offered}


@router.post("/briefs/{brief_id:int}/share")
def share(
    request: Request,
    brief_id: int,
    images: list[int] = Form([]),
    guest: str = Form(""),
    email: str = Form(""),
    days: str = Form(str(guests.DAYS)),
) -> Response:
    def act(ctx: Context):
        given = int(days) if days.strip().isdigit() else days  # not a number: the play names the field
        made = guests.share(ctx, brief_id, images, guest, email, days=given, base_url=str(request.base_url))
        return render.fragment("_shares.html", brief={"id": brief_id}, made=made, **share_values(ctx, brief_id))

    return render.acted(request, act)


@router.post("/briefs/{brief_id:int}/shares/{share_id:int}/revoke")
def revoke(request: Request, brief_id: int, share_id: int) -> Response:
    def act(ctx: Context):
        guests.revoke(ctx, share_id)
        return render.fragment("_shares.html", brief={"id": brief_id}, **share_values(ctx, brief_id))

    return render.acted(request, act)
