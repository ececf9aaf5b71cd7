"""Who is asking: a bearer token (channel "api") or a session cookie (channel "web").

The answer is a Context acting as that person, built per request and handed to the play; roles
and separation of duties are checked there. A cookie-authenticated request that changes state
must echo the session's CSRF token (the ``pressroom_csrf`` cookie) in the ``X-CSRF-Token``
header: another site can make the browser send the cookie, not read it.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request, Response

from pressroom.context import Actor, Context
from pressroom.errors import Forbidden, SignInRequired
from pressroom.plays import accounts
from pressroom.server import away

SESSION_COOKIE = "pressroom_session"
CSRF_COOKIE = "pressroom_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def address(request: Request) -> str:
    """The client's address, as the sign-in limit counts it (uvicorn reads X-Forwarded-For from a
    trusted proxy)."""
    return request.client.host if request.client else ""


def anonymous(request: Request) -> Context:
    """A Context with nobody signed in (for signing in)."""
    return Context(request.app.state.studio, Actor.unknown("web"))


def signed_in(request: Request, after: BackgroundTasks | None = None) -> Context:
    """The request's person, from its bearer token or its session cookie; ``after`` takes the
    writes that need not hold up the answer (a token's last use)."""
    studio = request.app.state.studio
    header = request.headers.get("authorization")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise SignInRequired("the Authorization header must be 'Bearer TOKEN'")
        base = Context(studio, Actor.unknown("api"))
        return base.acting_as(
            accounts.token_actor(base, secret.strip(), "api", later=_later(after) if after is not None else None)
        )
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise SignInRequired("sign in (POST /api/session) or send Authorization: Bearer TOKEN")
    base = Context(studio, Actor.unknown("web"))
    actor = accounts.session_actor(base, cookie, "web")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not hmac.compare_digest(sent, accounts.csrf_token(cookie)):
            raise Forbidden(
                f"a signed-in change needs the {CSRF_HEADER} header: the value of the {CSRF_COOKIE} cookie",
                field="csrf",
            )
    return base.acting_as(actor)


def _later(after: BackgroundTasks):
    """Run a write after the answer; with the ledger away it is left undone (``away.quietly``)."""
    return lambda task, *args: after.add_task(away.quietly(task), *args)


def _signed_in(request: Request, after: BackgroundTasks) -> Context:
    return signed_in(request, after)


Ctx = Annotated[Context, Depends(_signed_in)]
Anonymous = Annotated[Context, Depends(anonymous)]


def start_session(request: Request, response: Response, signed: accounts.SignedIn) -> None:
    """Give the browser a new session: the HttpOnly session cookie and the CSRF cookie scripts read."""
    secure = request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE, signed.secret, expires=signed.expires_at, httponly=True, secure=secure, samesite="lax", path="/"
    )
    response.set_cookie(
        CSRF_COOKIE, signed.csrf, expires=signed.expires_at, httponly=False, secure=secure, samesite="lax", path="/"
    )


def end_session(request: Request, response: Response, ctx: Context) -> None:
    """Revoke the request's session in the ledger and clear its cookies."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        accounts.sign_out(ctx, cookie)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
