"""What waits on the signed-in person and what they were told, for scripts: the worklist the home
page shows, and the notices of the inbox."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from pressroom.domain import paging
from pressroom.plays import notices, worklist
from pressroom.server.auth import Ctx

router = APIRouter(prefix="/api", tags=["team"])


@router.get("/worklist")
def mine(ctx: Ctx, page: int = 1, limit: int = worklist.PAGE) -> dict:
    """``{"items": [{"kind", "brief", "image", "status", "since", "due"}, ...], "total", "page"}``
    (kinds: review, changes_requested, cull, lock_failed, direction, paused, due, release)."""
    return worklist.worklist(ctx, page, limit)


@router.get("/notifications")
def my_notices(ctx: Ctx, unread: bool = False, limit: int = 50) -> dict:
    """Your notices, newest first (``{"notices": [{"id", "kind", "text", "link", "at", "read"}], "unread"}``)."""
    return notices.inbox(ctx, unread=unread, limit=paging.checked(limit))


class Preferences(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kinds: dict[str, str] = {}
    digest: bool | None = None


@router.get("/notifications/preferences")
def preferences(ctx: Ctx) -> dict:
    """How you are told of each kind: ``{"person", "email", "digest", "kinds": [{"kind", "about", "channel"}]}``
    (channels: both, inbox, email, off)."""
    return notices.preferences(ctx)


@router.put("/notifications/preferences")
def choose(body: Preferences, ctx: Ctx) -> dict:
    """Set ``kinds`` (``{kind: channel}``, those named only) and ``digest`` (true: one mail a day), all or nothing."""
    return notices.choose(ctx, body.kinds, digest=body.digest)


@router.post("/notifications/{notice_id}/read")
def read_one(notice_id: int, ctx: Ctx) -> dict:
    return {"marked": notices.mark_read(ctx, notice_id)}


@router.post("/notifications/read")
def read_all(ctx: Ctx) -> dict:
    return {"marked": notices.mark_read(ctx)}
