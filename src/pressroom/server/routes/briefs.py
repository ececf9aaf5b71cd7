"""Intake: open a brief from JSON, replace it, pause and resume it, show one, list them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from pydantic import BaseModel

from pressroom.domain.brief import validate
from pressroom.plays import assignments, briefs
from pressroom.server.auth import Ctx
from pressroom.server.routes.files import public

router = APIRouter(prefix="/api/briefs", tags=["briefs"])
assignment_router = APIRouter(prefix="/api/assignments", tags=["briefs"])  # an assignment by its own id


@router.post("", status_code=201)
def new(
    ctx: Ctx, spec: dict[str, Any] = Body(..., description="The brief's items, as in `pressroom brief template`.")
) -> dict:
    """Open a brief; an incomplete one is stored as a draft with its missing items listed."""
    return public(ctx, briefs.open_brief(ctx, validate(spec, "the brief")))


class Reason(BaseModel):
    reason: str


@router.put("/{brief_id}")
def update(brief_id: int, ctx: Ctx, spec: dict[str, Any] = Body(...)) -> dict:
    """Replace a brief's content (the previous content stays in the log)."""
    return public(ctx, briefs.replace_brief(ctx, brief_id, validate(spec, "the brief")))


@router.post("/{brief_id}/pause")
def pause(brief_id: int, body: Reason, ctx: Ctx) -> dict:
    """Stop generation for the brief until it is resumed (the director, with a reason)."""
    return public(ctx, briefs.pause_brief(ctx, brief_id, body.reason))


@router.post("/{brief_id}/resume")
def resume(brief_id: int, body: Reason, ctx: Ctx) -> dict:
    """End a pause (the director, with a reason)."""
    return public(ctx, briefs.resume_brief(ctx, brief_id, body.reason))


@router.get("")
def listing(ctx: Ctx) -> list[dict]:
    return public(ctx, briefs.briefs(ctx))


@router.get("/{brief_id}")
def show(brief_id: int, ctx: Ctx) -> dict:
    return public(ctx, briefs.show(ctx, brief_id))


class Assign(BaseModel):
    reviewer: str
    due: str | None = None


@router.get("/{brief_id}/assignments")
def assigned(brief_id: int, ctx: Ctx) -> list[dict]:
    return assignments.of_brief(ctx, brief_id)


@router.post("/{brief_id}/assignments", status_code=201)
def assign(brief_id: int, body: Assign, ctx: Ctx) -> dict:
    """Give the brief's reviews to a reviewer, with a due date (YYYY-MM-DD); the brief's director or an admin."""
    return assignments.assign(ctx, brief_id, body.reviewer, body.due)


@assignment_router.delete("/{assignment_id}")
def unassign(assignment_id: int, ctx: Ctx) -> dict:
    return assignments.end(ctx, assignment_id)
