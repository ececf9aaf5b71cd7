"""Marks pinned to a region of an image: place one, list an image's (with those raised on the images
it was made from), reply to one, resolve or reopen one."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from pressroom.plays import marks
from pressroom.server.auth import Ctx

router = APIRouter(prefix="/api", tags=["review"])


class NewMark(BaseModel):
    x: float = Field(description="Left edge, or the point: a fraction of the image's width (0 to 1).")
    y: float = Field(description="Top edge, or the point: a fraction of the image's height (0 to 1).")
    width: float = Field(0.0, description="0 for a point.")
    height: float = Field(0.0, description="0 for a point.")
    comment: str


@router.get("/images/{generation_id}/marks")
def on_image(generation_id: int, ctx: Ctx) -> list[dict]:
    return marks.on(ctx, generation_id)


@router.post("/images/{generation_id}/marks", status_code=201)
def place(generation_id: int, body: NewMark, ctx: Ctx) -> dict:
    return marks.place(ctx, generation_id, body.x, body.y, body.comment, width=body.width, height=body.height)


@router.post("/marks/{mark_id}/resolve")
def resolve(mark_id: int, ctx: Ctx) -> dict:
    return marks.resolve(ctx, mark_id)


class Reply(BaseModel):
    text: str


@router.post("/marks/{mark_id}/replies", status_code=201)
def reply(mark_id: int, body: Reply, ctx: Ctx) -> dict:
    return marks.reply(ctx, mark_id, body.text)


@router.post("/marks/{mark_id}/reopen")
def reopen(mark_id: int, ctx: Ctx) -> dict:
    return marks.reopen(ctx, mark_id)
