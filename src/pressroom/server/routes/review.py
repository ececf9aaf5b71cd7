"""The review gate: a reviewer's sheet (gate, checklist, decisions, pre-check findings) and a decision."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from pressroom.plays import reviews
from pressroom.server.auth import Ctx
from pressroom.server.routes.files import public

router = APIRouter(prefix="/api/images", tags=["review"])


class Decision(BaseModel):
    decision: str = Field(description="approved, approved-with-changes, changes-required or rejected")
    checks: dict[str, str] = Field(description='Every checklist item: "pass", "n/a" or "fail:what is wrong".')
    note: str = ""
    alt_text: str = ""


@router.get("/{generation_id}/review")
def sheet(generation_id: int, ctx: Ctx) -> dict:
    return public(ctx, reviews.sheet(ctx, generation_id))


@router.post("/{generation_id}/review", status_code=201)
def decide(generation_id: int, body: Decision, ctx: Ctx) -> dict:
    """Record a decision; the service layer checks the reviewer role and separation of duties."""
    return public(
        ctx,
        reviews.decide(
            ctx, generation_id, body.decision, body.checks, note=body.note, alt_text=body.alt_text
        ).as_dict(),
    )
