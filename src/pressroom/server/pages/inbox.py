"""The inbox: what the signed-in person was told (a decision on their image, concepts ready for
their direction, a mention ...), newest first; each links to its page and can be marked read."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from pressroom.context import Context
from pressroom.plays import notices
from pressroom.server.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/inbox")
def inbox(request: Request) -> Response:
    return render.shown(request, "inbox.html", lambda ctx: notices.inbox(ctx, limit=100))


@router.post("/inbox/read")
def read_all(request: Request) -> Response:
    def act(ctx: Context):
        notices.mark_read(ctx)
        return render.fragment("_inbox.html", **notices.inbox(ctx, limit=100))

    return render.acted(request, act)


@router.post("/inbox/{notice_id:int}/read")
def read_one(request: Request, notice_id: int) -> Response:
    def act(ctx: Context):
        notices.mark_read(ctx, notice_id)
        return render.fragment("_inbox.html", **notices.inbox(ctx, limit=100))

    return render.acted(request, act)
