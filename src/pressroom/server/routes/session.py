"""Signing in and out (a session cookie), setting a password through an invite, and a person's
own API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from pressroom.plays import accounts, invites
from pressroom.server.auth import Anonymous, Ctx, address, end_session, start_session

router = APIRouter(prefix="/api", tags=["session"])


class SignIn(BaseModel):
    name: str
    password: str


class Accept(BaseModel):
    code: str
    password: str


class NewToken(BaseModel):
    label: str = "default"


@router.post("/session")
def sign_in(body: SignIn, request: Request, response: Response, ctx: Anonymous) -> dict:
    """Sign in: sets the HttpOnly session cookie and the CSRF cookie to echo in X-CSRF-Token."""
    signed = accounts.sign_in(ctx, body.name, body.password, address(request))
    start_session(request, response, signed)
    return {"person": signed.person, "csrf": signed.csrf, "expires_at": signed.expires_at.isoformat()}


@router.post("/invites/accept")
def accept_invite(body: Accept, ctx: Anonymous) -> dict:
    """Set your password with the code of your invite link (once); then sign in with it."""
    return invites.accept(ctx, body.code, body.password)


@router.delete("/session", status_code=204)
def sign_out(request: Request, ctx: Ctx) -> Response:
    """Sign out: the session is revoked in the ledger, the cookies cleared."""
    answer = Response(status_code=204)
    end_session(request, answer, ctx)
    return answer


@router.get("/tokens")
def my_tokens(ctx: Ctx) -> list[dict]:
    return accounts.tokens(ctx, ctx.actor.name)


@router.post("/tokens", status_code=201)
def create_token(body: NewToken, ctx: Ctx) -> dict:
    """A new token carrying your roles; its secret is in this answer only."""
    return accounts.create_token(ctx, ctx.actor.name, body.label)


@router.delete("/tokens/{token_id}")
def revoke_token(token_id: int, ctx: Ctx) -> dict:
    return accounts.revoke_token(ctx, token_id)
