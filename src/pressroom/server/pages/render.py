"""How every page answers: the signed-in viewer (or a redirect to sign in), a whole page from a
template, and a refusal as a fragment carrying the service layer's own message and status.

Each page module (one play or concern each) builds its router on these, so a page obeys the same
sign-in, CSRF and refusal rules as every other.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from pressroom.context import Context, utc_now
from pressroom.domain import reproducibility
from pressroom.errors import LedgerAway, PressroomError, SignInRequired
from pressroom.plays import accounts, notices, worklist
from pressroom.server import auth
from pressroom.server.pages import fields

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["remade"] = reproducibility.words  # a reproducibility class in plain words


def _urgency(due) -> str:
    """A due date's mark on a page ("overdue", "due soon" or ""), as the worklist reads it."""
    return worklist.urgency(due, utc_now().date())


templates.env.globals["urgency"] = _urgency


def viewer(request: Request) -> Context | None:
    """The signed-in person's context, or None for an anonymous visitor."""
    try:
        return auth.signed_in(request)
    except SignInRequired:
        return None


def to_sign_in(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/sign-in?next={quote(request.url.path)}", status_code=303)


def page(request: Request, ctx: Context | None, template: str, status_code: int = 200, **values) -> HTMLResponse:
    cookie = request.cookies.get(auth.SESSION_COOKIE)
    csrf = accounts.csrf_token(cookie) if ctx is not None and cookie else ""
    admin = ctx is not None and accounts.is_admin(ctx)  # the header links to the People page for admins
    unread = notices.unread(ctx) if ctx is not None else 0  # the header's count of unread notices
    return templates.TemplateResponse(
        request,
        template,
        {"me": ctx.actor if ctx else None, "csrf": csrf, "admin": admin, "unread": unread, **values},
        status_code=status_code,
    )


def fragment(template: str, status_code: int = 200, **values) -> HTMLResponse:
    """A part of a page, for htmx to swap in."""
    return HTMLResponse(templates.get_template(template).render(**values), status_code=status_code)


def refusal(exc: PressroomError) -> HTMLResponse:
    """A fragment for htmx: the service layer's message, with the refusal's own status."""
    return fragment("_refusal.html", exc.http_status, message=fields.said(exc))


def answered(request: Request, answer: Callable[[Context], Response]) -> Response:
    """A page or a file for a signed-in browser (else the sign-in page): ``answer`` makes it; a
    missing or refused object is a page with the message."""
    ctx = viewer(request)
    if ctx is None:
        return to_sign_in(request)
    try:
        return answer(ctx)
    except LedgerAway:
        raise  # the app's handler answers it (503, Retry-After) without looking anyone up
    except PressroomError as exc:
        return page(request, ctx, "error.html", status_code=exc.http_status, message=fields.said(exc))


def shown(request: Request, template: str, build: Callable[[Context], dict]) -> Response:
    """A whole page from ``template`` with what ``build`` finds (``answered``)."""
    return answered(request, lambda ctx: page(request, ctx, template, **build(ctx)))


def acted(request: Request, act: Callable[[Context], HTMLResponse]) -> HTMLResponse:
    """A change from a page: the signed-in person (with the CSRF check) does ``act``; a refusal
    comes back as its fragment."""
    try:
        return act(auth.signed_in(request))
    except LedgerAway:
        raise
    except PressroomError as exc:
        return refusal(exc)
