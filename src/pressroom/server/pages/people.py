"""People and invites on the pages: an admin lists the studio's people, adds one with their roles
and makes a person an invite link (mailed to them if an address is given); the person opens the
link, sets their password and is signed in. Below, the delivery log: the newest mails and webhook
posts and how they went.

The same functions as ``pressroom user invite`` and ``POST /api/people/{name}/invite``
(``invites.py``), so a refusal (not an admin, a used or expired invite, a short password) is the
same refusal with the same message.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from pressroom.context import Context
from pressroom.errors import InputError, LedgerAway, PressroomError
from pressroom.plays import accounts, invites, outbox, people
from pressroom.server import auth
from pressroom.server.pages import fields, render

router = APIRouter(include_in_schema=False)


@router.get("/people")
def people_page(request: Request) -> Response:
    return render.shown(
        request,
        "people.html",
        lambda ctx: {"people": invites.roster(ctx), "roles": people.ROLES, "deliveries": outbox.delivery_log(ctx)},
    )


@router.post("/people/add")
def add(request: Request, name: str = Form(""), role: list[str] = Form([]), email: str = Form("")) -> Response:
    """Add a person with the roles ticked; the roster and the invite list show them at once."""

    def act(ctx: Context):
        added = invites.add_person(ctx, name.strip(), role, email=email.strip() or None)
        return render.fragment("_added.html", 201, added=added, people=invites.roster(ctx))

    return render.acted(request, act)


@router.post("/people/invite")
def invite(request: Request, name: str = Form(""), email: str = Form("")) -> Response:
    def act(ctx: Context):
        base = invites.link_base(ctx, str(request.base_url))
        made = invites.invite(ctx, name.strip(), base, email=email.strip() or None)
        return render.fragment("_invited.html", 201, invite=made, people=invites.roster(ctx))

    return render.acted(request, act)


@router.get("/invite")
def accept_page(request: Request, code: str = "") -> Response:
    invite = invites.about(auth.anonymous(request), code)
    return render.page(
        request,
        None,
        "accept.html",
        status_code=200 if invite else 404,
        code=code,
        invite=invite,
        failed="" if invite else invites.SPENT,
        min_password=accounts.MIN_PASSWORD,
    )


@router.post("/invite")
def accept(request: Request, code: str = Form(""), password: str = Form(""), again: str = Form("")) -> Response:
    """Set the password with the invite's code (spending it), then sign the person in."""
    anyone = auth.anonymous(request)
    try:
        if password != again:
            raise InputError("the two passwords differ; type the same password in both fields", field="password")
        person = invites.accept(anyone, code, password)
        signed = accounts.sign_in(anyone, person["name"], password)
    except LedgerAway:
        raise  # the app's handler answers it
    except PressroomError as exc:
        return render.page(
            request,
            None,
            "accept.html",
            status_code=exc.http_status,
            code=code,
            invite=invites.about(anyone, code),
            failed=fields.said(exc),
            min_password=accounts.MIN_PASSWORD,
        )
    answer = RedirectResponse("/", status_code=303)
    auth.start_session(request, answer, signed)
    return answer
