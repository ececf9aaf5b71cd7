"""A signed-in person's own API tokens on a page: list them, make one (its secret shown once, in
the answer that made it) and revoke one. The same functions as ``/api/tokens`` and
``pressroom token``; a token acts with its owner's roles against the API (``Authorization: Bearer``).
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request, Response

from pressroom.context import Context
from pressroom.plays import accounts
from pressroom.server.pages import render

router = APIRouter(include_in_schema=False)


def _mine(ctx: Context) -> list[dict]:
    return accounts.tokens(ctx, ctx.actor.name)


@router.get("/tokens")
def tokens_page(request: Request) -> Response:
    return render.shown(request, "tokens.html", lambda ctx: {"tokens": _mine(ctx), "made": None})


@router.post("/tokens")
def make(request: Request, label: str = Form("")) -> Response:
    def act(ctx: Context):
        made = accounts.create_token(ctx, ctx.actor.name, label)
        return render.fragment("_tokens.html", 201, tokens=_mine(ctx), made=made)

    return render.acted(request, act)


@router.post("/tokens/{token_id:int}/revoke")
def revoke(request: Request, token_id: int) -> Response:
    def act(ctx: Context):
        accounts.revoke_token(ctx, token_id)
        return render.fragment("_tokens.html", tokens=_mine(ctx), made=None)

    return render.acted(request, act)
