"""People and their roles: director, operator, reviewer, keeper (the library keeper). One person may
hold several.

Every play names the role it needs; ``Actor.require`` refuses an actor without it. The acting
person is named at the edge (the CLI's ``--as``, a server session, a job's requester) and
resolved here to an :class:`~pressroom.context.Actor`; the ledger refers to people by id.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pressroom.context import Actor, Context
from pressroom.domain import names
from pressroom.errors import Conflict, InputError, NotFound
from pressroom.ledger import events
from pressroom.ledger.tables import User, UserRole

ROLES = ("director", "operator", "reviewer", "keeper")  # keeper: the library keeper, who releases


def add(session: Session, name: str, roles: list[str]) -> User:
    """Add a person, or give an existing person more roles."""
    name = names.check(name.strip(), "a user's name", limit=100)
    for role in roles:
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}; choose from {', '.join(ROLES)}", field="role")
    user = session.scalar(select(User).where(User.name == name))
    if user is None and not roles:
        raise InputError(f"give a new person at least one role ({', '.join(ROLES)})", field="role")
    if user is None:
        user = User(name=name, created_at=datetime.now(UTC))
        session.add(user)
    for role in roles:
        if role not in user.roles:
            user.role_rows.append(UserRole(role=role))
    session.flush()
    return user


EMAIL = re.compile(r"^[^@\s<>\x00-\x1f]{1,64}@[^@\s<>\x00-\x1f]{1,189}\.[^@\s<>\x00-\x1f.]{1,63}$")


def checked_email(email: str) -> str:
    """An e-mail address as stored: trimmed, one ``@``, a dot in its domain, no spaces (or "" to clear it)."""
    email = email.strip()
    if email and not EMAIL.match(email):
        raise InputError(f"email {email!r} is not an address like name@example.com", field="email")
    return email


def listing(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def resolve(session: Session, name: str, channel: str = "python") -> Actor:
    """The Actor for a person's name (at the edge, where the acting person is named)."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"no user {name!r} in this studio; add them first, or name someone who is", field="actor")
    return Actor(user.id, user.name, frozenset(user.roles), channel)


def holding(session: Session, name: str, role: str, field: str) -> User:
    """The person called ``name``, who must hold ``role`` (a brief's director is one)."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise InputError(
            f"{name!r} is not a person in this studio; add them with the {role} role, or name someone who is",
            field=field,
        )
    if role not in user.roles:
        raise InputError(
            f"{name} does not hold the {role} role; give it to them, or name someone who does", field=field
        )
    return user


def rename(session: Session, old: str, new: str) -> User:
    """A person's new name; everything they did stays theirs (the ledger refers to them by id)."""
    new = names.check(new.strip(), "a user's name", field="name", limit=100)
    user = session.scalar(select(User).where(User.name == old))
    if user is None:
        raise NotFound(f"no user {old!r} in this studio", field="name")
    if session.scalar(select(User).where(User.name == new)) is not None:
        raise Conflict(f"the name {new!r} is taken; choose another", field="name")
    user.name = new
    session.flush()
    return user


# -- use cases ------------------------------------------------------------------------------------
def enrol(session: Session, actor: Actor, name: str, roles: list[str], **account) -> User:
    """Add a person or give them more roles, and log who was added or given what (``account``:
    what else changed about them, such as a password being set, joins the entry)."""
    account = {key: value for key, value in account.items() if value}  # what was set, not what was not
    before = session.scalar(select(User).where(User.name == name.strip()))
    had = set(before.roles) if before is not None else None
    user = add(session, name, roles)
    if had is None:
        events.record(
            session, actor, "user.add", objects={"user": user.id}, name=user.name, roles=user.roles, **account
        )
    elif set(user.roles) != had:
        events.record(
            session,
            actor,
            "user.roles",
            objects={"user": user.id},
            name=user.name,
            added=sorted(set(user.roles) - had),
            roles=user.roles,
            **account,
        )
    elif account:
        events.record(session, actor, "user.account", objects={"user": user.id}, name=user.name, **account)
    return user


def add_person(ctx: Context, name: str, roles: list[str]) -> dict:
    """Add a person or give them more roles; the event log records who was added or given what."""
    with ctx.unit() as session:
        return enrol(session, ctx.actor, name, roles).as_dict()


def rename_person(ctx: Context, old: str, new: str) -> dict:
    with ctx.unit() as session:
        user = rename(session, old, new)
        events.record(session, ctx.actor, "user.rename", objects={"user": user.id}, old=old, new=user.name)
        return user.as_dict()


def people(ctx: Context) -> list[dict]:
    with ctx.unit() as session:
        return [user.as_dict() for user in listing(session)]


def actor(ctx: Context, name: str | None, channel: str) -> Actor:
    """The acting person named at the edge, or an unknown actor when no name was given."""
    if not name:
        return Actor.unknown(channel)
    with ctx.unit() as session:
        return resolve(session, name, channel)
