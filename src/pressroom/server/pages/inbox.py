"""The inbox: what the signed-in person was told (a decision on their image, concepts ready for
their direction, a mention ...), newest first; each links to its page and can be marked read. And
their notification settings: for each kind, the inbox, e-mail, both or off, and a daily digest."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

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


@router.get("/inbox/settings")
def settings(request: Request) -> Response:
    return render.shown(request, "notify.html", lambda ctx: _shown(notices.preferences(ctx)))


def _shown(prefs: dict, saved: bool = False) -> dict:
    return {"prefs": prefs, "channels": CHANNELS, "saved": saved}


CHANNELS = {"both": "Inbox and e-mail", "inbox": "Inbox only", "email": "E-mail only", "off": "Off"}


# the form's fields are the kinds' own names (``review.requested`` ...): awaited here, stored in the thread pool
@router.post("/inbox/settings")
async def choose(request: Request) -> Response:
    form = await request.form()
    choices = {key: str(value) for key, value in form.items() if key in notices.KINDS and value}
    digest = form.get("digest") == "on"

    def act(ctx: Context):
        return render.fragment("_notify.html", **_shown(notices.choose(ctx, choices, digest=digest), saved=True))

    return await run_in_threadpool(render.acted, request, act)
