"""People: who am I, who is in the studio; an admin adds people and invites them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from pressroom.plays import accounts, invites, people
from pressroom.server.auth import Ctx

router = APIRouter(prefix="/api/people", tags=["people"])


class NewPerson(BaseModel):
    name: str
    roles: list[str] = []
    password: str | None = None
    admin: bool = False
    email: str | None = None


@router.get("/me")
def me(ctx: Ctx) -> dict:
    return {
        "id": ctx.actor.id,
        "name": ctx.actor.name,
        "roles": sorted(ctx.actor.roles),
        "admin": accounts.is_admin(ctx),
        "channel": ctx.actor.channel,
    }


@router.get("")
def listing(ctx: Ctx) -> list[dict]:
    return people.people(ctx)


@router.post("", status_code=201)
def add(body: NewPerson, ctx: Ctx) -> dict:
    """Add a person or give them more roles (admins only)."""
    return invites.add_person(ctx, body.name, body.roles, password=body.password, admin=body.admin, email=body.email)


class Invitation(BaseModel):
    email: str | None = None


@router.post("/{name}/invite", status_code=201)
def invite(name: str, request: Request, ctx: Ctx, body: Invitation | None = None) -> dict:
    """A one-time, expiring link with which the person sets their password (admins only); the
    link is in this answer, and mailed to ``email`` if given. Its base is `[server] url` in
    pressroom.toml, else this server's."""
    email = body.email if body is not None else None
    return invites.invite(ctx, name, invites.link_base(ctx, str(request.base_url)), email=email)
