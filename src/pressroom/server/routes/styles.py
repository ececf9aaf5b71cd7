"""The shared style library."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from pressroom.plays import styles
from pressroom.server.auth import Ctx

router = APIRouter(prefix="/api/styles", tags=["styles"])


class NewStyle(BaseModel):
    name: str
    text: str
    negative: str = ""
    note: str = ""


@router.get("")
def listing(ctx: Ctx) -> list[dict]:
    return styles.styles(ctx)


@router.post("", status_code=201)
def add(body: NewStyle, ctx: Ctx) -> dict:
    return styles.add_style(ctx, body.name, body.text, body.negative, body.note)
