"""People and their roles: director, operator, reviewer. One person may hold several.

Every play names the role it needs; ``require`` refuses an actor without it. The acting person
comes from ``--as NAME``, then ``PRESSROOM_USER``, then ``[studio] user`` in the config.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .db import Base, UTCDateTime
from .errors import InputError, NotFound, PressroomError
from .studio import Studio

ROLES = ("director", "operator", "reviewer")
ENV_VAR = "PRESSROOM_USER"


class PermissionDenied(PressroomError):
    """The acting person does not hold the role a play needs, or may not act on this object."""


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    role_rows: Mapped[list[UserRole]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    @property
    def roles(self) -> list[str]:
        return sorted(r.role for r in self.role_rows)


def add(session: Session, name: str, roles: list[str]) -> User:
    """Add a person, or give an existing person more roles."""
    name = name.strip()
    if not name:
        raise InputError("a user needs a name")
    if not roles:
        raise InputError(f"give at least one --role ({', '.join(ROLES)})")
    for role in roles:
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}; choose from {', '.join(ROLES)}")
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        user = User(name=name, created_at=datetime.now(timezone.utc))
        session.add(user)
    for role in roles:
        if role not in user.roles:
            user.role_rows.append(UserRole(role=role))
    session.flush()
    return user


def listing(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def acting(studio: Studio, explicit: str | None = None, *, required: bool = True) -> str:
    """The name of the person acting now ("" when unknown and not ``required``)."""
    name = explicit or os.environ.get(ENV_VAR) or studio.config.get("studio", {}).get("user", "")
    if not name and required:
        raise InputError(f"who is acting? pass --as NAME, set {ENV_VAR}, or set user in pressroom.toml")
    return name


def require(session: Session, name: str, role: str, action: str) -> User:
    """The user ``name``, if they hold ``role``; otherwise a refusal naming the role needed."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"no user {name!r} in this studio; add them with `pressroom user add {name} --role {role}`")
    if role not in user.roles:
        raise PermissionDenied(
            f"{name} may not {action}: it needs the {role} role ({name} has: {', '.join(user.roles) or 'none'})"
        )
    return user
