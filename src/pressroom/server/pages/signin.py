"""Signing in and out on the pages: a form that starts a browser session, and a button that ends it."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from pressroom.errors import LedgerAway, PressroomError
from pressroom.plays import accounts
from pressroom.server import auth
from pressroom.server.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/") -> Response:
    return render.page(request, None, "sign_in.html", next=local(next), failed="")


@router.post("/sign-in")
def sign_in(request: Request, name: str = Form(""), password: str = Form(""), next: str = Form("/")) -> Response:
    try:
        signed = accounts.sign_in(auth.anonymous(request), name.strip(), password)
    except LedgerAway:
        raise  # the app's handler answers it
    except PressroomError as exc:
        return render.page(
            request, None, "sign_in.html", status_code=exc.http_status, next=local(next), failed=str(exc), name=name
        )
    answer = RedirectResponse(local(next), status_code=303)
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
