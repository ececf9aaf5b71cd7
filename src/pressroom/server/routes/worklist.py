"""What waits on the signed-in person, for scripts: the same list the home page shows."""

from __future__ import annotations

from fastapi import APIRouter

from pressroom.plays import worklist
from pressroom.server.auth import Ctx

router = APIRouter(prefix="/api", tags=["team"])


@router.get("/worklist")
def mine(ctx: Ctx, page: int = 1, limit: int = worklist.PAGE) -> dict:
    """``{"items": [{"kind", "brief", "image", "status", "since", "due"}, ...], "total", "page"}``
    (kinds: review, changes_requested, cull, lock_failed, direction, paused, due, release)."""
    return worklist.worklist(ctx, page, limit)
