"""Signing in and out on the pages: a form that starts a browser session, and a button that ends it."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from pressroom.errors import LedgerAway, PressroomError
from pressroom.plays import accounts
from pressroom.server import auth
from pressroom.server.pages import render

router = APIRouter(include_in_schema=False)


FORM_COOKIE = "pressroom_sign_in"  # the sign-in form's own secret, also in a hidden field of the form
FORGED = "this sign-in form has expired or was sent from another site; sign in again here"


def _form(request: Request, status_code: int = 200, **values) -> Response:
    """The sign-in page, with a fresh form secret in its field and in a cookie no other site's
    page is sent with: a post from elsewhere cannot match them, so it cannot sign a browser in to
    someone else's account (login CSRF)."""
    secret = secrets.token_urlsafe(24)
    values = {"next": "/", "failed": "", **values}
    answer = render.page(request, None, "sign_in.html", status_code=status_code, form_secret=secret, **values)
    secure = request.url.scheme == "https"
    answer.set_cookie(FORM_COOKIE, secret, httponly=True, secure=secure, samesite="strict", path="/sign-in")
    return answer


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/") -> Response:
    return _form(request, next=local(next))


@router.post("/sign-in")
def sign_in(
    request: Request,
    name: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
    form_secret: str = Form(""),
) -> Response:
    kept = request.cookies.get(FORM_COOKIE, "")
    if not kept or not hmac.compare_digest(kept.encode(), form_secret.encode()):
        return _form(request, 403, next=local(next), failed=FORGED, name=name)
    try:
        signed = accounts.sign_in(auth.anonymous(request), name.strip(), password, auth.address(request))
    except LedgerAway:
        raise  # the app's handler answers it
    except PressroomError as exc:
        return _form(request, exc.http_status, next=local(next), failed=str(exc), name=name)
    answer = RedirectResponse(local(next), status_code=303)
    answer.delete_cookie(FORM_COOKIE, path="/sign-in")
    auth.start_session(request, answer, signed)
    return answer


def local(target: str) -> str:
    """Where to go after signing in: a path on this server only (never another site)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    answer = Response(status_code=204, headers={"HX-Redirect": "/sign-in"})
    try:
        auth.end_session(request, answer, auth.signed_in(request))
    except LedgerAway:
        raise
    except PressroomError as exc:
        return render.refusal(exc)
    return answer
