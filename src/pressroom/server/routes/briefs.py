"""Intake: open a brief from JSON, show one, list them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from ... import briefs
from ..auth import Ctx
from .files import public

router = APIRouter(prefix="/api/briefs", tags=["briefs"])


@router.post("", status_code=201)
def new(ctx: Ctx, spec: dict[str, Any] = Body(..., description="The brief's items, as in `pressroom brief template`.")) -> dict:
    """Open a brief; an incomplete one is stored as a draft with its missing items listed."""
    return public(ctx, briefs.open_brief(ctx, briefs.validate(spec, "the brief")))


@router.get("")
def listing(ctx: Ctx) -> list[dict]:
    return public(ctx, briefs.briefs(ctx))


@router.get("/{brief_id}")
def show(brief_id: int, ctx: Ctx) -> dict:
    return public(ctx, briefs.show(ctx, brief_id))
