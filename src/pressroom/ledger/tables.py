"""Every table of the ledger, in one place.

Each concept's rows are declared here on the one ``Base`` (``pressroom.ledger.db``), with ``UTCDateTime``
for every timestamp; the modules that work with a table import it from here. Table and column names
are the schema's: a change is an Alembic revision under ``pressroom/ledger/migrations/versions``.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pressroom.domain.brief import CONTENT_TYPES, BriefSpec, PlayDefaults
from pressroom.domain.recipes import Recipe
from pressroom.ledger.db import Base, Unsigned64, UTCDateTime

if TYPE_CHECKING:
    from pressroom.store.studio import Studio

__all__ = [
    "ApiToken",
    "AuthSession",
    "Brief",
    "ClientDecision",
    "Cull",
    "Event",
    "Generation",
    "GuestShare",
    "Imported",
    "Invite",
    "Job",
    "Link",
    "LockedRecipe",
    "Mark",
    "Precheck",
    "Ranking",
    "Release",
    "Review",
    "ReviewCheck",
    "SignInFailure",
    "StoredFile",
    "Style",
    "User",
    "UserRole",
    "Worker",
]


def _iso(value: datetime | None) -> str | None:
    """A timestamp as ISO 8601 in UTC (SQLite hands back naive values, which are UTC)."""
    if value is None:
        return None
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value).isoformat()


# -- the asset store's index (StoredFile) -----------------------------------------------------
class StoredFile(Base):
    __tablename__ = "assets"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    ext: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# -- people and their roles (UserRole, User) --------------------------------------------------
class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # sign-in for the team server (see accounts.py): an argon2 hash, None until a password is set
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True, default=None)
    admin: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True, default=None)  # where notices go
    digest: Mapped[bool] = mapped_column(Boolean, default=False)  # their mails held for one a day
    role_rows: Mapped[list[UserRole]] = relationship(lazy="selectin", cascade="all, delete-orphan")

    @property
    def roles(self) -> list[str]:
        return sorted(r.role for r in self.role_rows)

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "roles": self.roles, "admin": bool(self.admin), "email": self.email}


# -- the event log (Event) --------------------------------------------------------------------
class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))  # the name the person had then
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    channel: Mapped[str] = mapped_column(String(10), default="cli")  # cli | web | api | worker | python
    action: Mapped[str] = mapped_column(String(60))
    brief_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    objects: Mapped[dict] = mapped_column(JSON)
    detail: Mapped[dict] = mapped_column(JSON)

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "actor_id": self.actor_id,
            "channel": self.channel,
            "action": self.action,
            "brief": self.brief_id,
            "objects": self.objects,
            "detail": self.detail,
        }


# -- the hash chain (Link) --------------------------------------------------------------------
class Link(Base):
    __tablename__ = "chain"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))
    ref: Mapped[int | None] = mapped_column(Integer, nullable=True)
    facts: Mapped[str] = mapped_column(Text)  # canonical JSON; "null": the row is acknowledged gone
    prev: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


# -- accounts: sign-in sessions, API tokens, failed sign-ins (AuthSession, ApiToken, SignInFailure) ---
class AuthSession(Base):
    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    label: Mapped[str] = mapped_column(String(100))
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    def as_dict(self, owner: str) -> dict:
        return {
            "id": self.id,
            "owner": owner,
            "label": self.label,
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked": self.revoked_at is not None,
        }


class SignInFailure(Base):
    """A sign-in attempt that failed, or is being checked (counted before its password is)."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        Index("ix_sign_in_failures_name_at", "name", "at"),
        Index("ix_sign_in_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())


# -- invites (Invite) -------------------------------------------------------------------------
class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


# -- briefs (Brief) ---------------------------------------------------------------------------
class Brief(Base):
    __tablename__ = "briefs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))  # draft | active | paused
    pause_reason: Mapped[str] = mapped_column(Text, default="")
    content_type: Mapped[str] = mapped_column(String(20), default="")
    stakes: Mapped[str] = mapped_column(String(20), default="")
    intended_use: Mapped[str] = mapped_column(String(20), default="")
    director: Mapped[str] = mapped_column(String(100), default="")
    director_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    spec: Mapped[dict] = mapped_column(JSON)
    missing: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(100))  # names are as they were at the time
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    direction_generation_id: Mapped[int | None] = mapped_column(ForeignKey("generations.id"), nullable=True)
    direction_approved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    direction_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    direction_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @property
    def parsed(self) -> BriefSpec:
        return BriefSpec.model_validate(self.spec)

    @property
    def defaults(self) -> PlayDefaults:
        return CONTENT_TYPES.get(self.content_type, CONTENT_TYPES["campaign"])

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "pause_reason": self.pause_reason,
            "missing": self.missing,
            "content_type": self.content_type,
            "stakes": self.stakes,
            "intended_use": self.intended_use,
            "director": self.director,
            "director_id": self.director_id,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "created_by_id": self.created_by_id,
            "direction": self.direction_generation_id,
            "direction_approved_by": self.direction_approved_by,
            "direction_approved_by_id": self.direction_approved_by_id,
            "defaults": asdict(self.defaults) if self.content_type else None,
            "spec": self.spec,
        }


# -- the style library (Style) ----------------------------------------------------------------
class Style(Base):
    __tablename__ = "styles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    style: Mapped[str] = mapped_column(Text)
    negative: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    loras: Mapped[list] = mapped_column(JSON, default=list)  # LoraRef dicts, applied in this order
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "style": self.style,
            "negative": self.negative,
            "note": self.note,
            "loras": list(self.loras or []),
        }

    def lora_refs(self) -> list:
        from pressroom.domain.recipes import LoraRef

        return [LoraRef.model_validate(lora) for lora in self.loras or []]


# -- images and their recipes (Generation) ----------------------------------------------------
class Generation(Base):
    __tablename__ = "generations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    model: Mapped[str] = mapped_column(String(200))
    seed: Mapped[int] = mapped_column(Unsigned64)
    prompt: Mapped[str] = mapped_column(Text)
    recipe: Mapped[dict] = mapped_column(JSON)
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    pixel_sha256: Mapped[str] = mapped_column(String(64), index=True)
    phash: Mapped[str] = mapped_column(String(16))
    dhash: Mapped[str] = mapped_column(String(16))
    ext: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[list] = mapped_column(JSON)
    elapsed_s: Mapped[float] = mapped_column(Float)
    # where the image stands in the playbook (all empty for a plain `pressroom generate`)
    brief_id: Mapped[int | None] = mapped_column(ForeignKey("briefs.id"), nullable=True)
    recipe_id: Mapped[int | None] = mapped_column(ForeignKey("recipes.id"), nullable=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("generations.id"), nullable=True)
    play: Mapped[str] = mapped_column(String(20), default="generate")
    style: Mapped[str] = mapped_column(String(100), default="")
    slot_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="new")
    operator: Mapped[str] = mapped_column(String(100), default="")  # the maker's name then ("" unknown)
    maker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)  # None: unknown
    operation: Mapped[str] = mapped_column(String(20), default="")

    def parsed_recipe(self) -> Recipe:
        return Recipe.model_validate(self.recipe)

    def path(self, studio: Studio) -> Path:
        return studio.assets.path(self.file_sha256, self.ext)

    def summary(self, studio: Studio) -> dict:
        return {
            "id": self.id,
            "path": str(self.path(studio)),
            "seed": self.seed,
            "sha256": self.file_sha256,
            "pixel_sha256": self.pixel_sha256,
            "phash": self.phash,
            "model": self.model,
            "prompt": self.prompt,
            "width": self.width,
            "height": self.height,
            "warnings": self.warnings,
            "brief": self.brief_id,
            "recipe": self.recipe_id,
            "parent": self.parent_id,
            "play": self.play,
            "style": self.style,
            "slot_value": self.slot_value,
            "status": self.status,
            "operator": self.operator,
        }


# -- the concept sprint's ranking (Ranking) ---------------------------------------------------
class Ranking(Base):
    __tablename__ = "rankings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id"))
    generation_id: Mapped[int] = mapped_column(ForeignKey("generations.id"))
    rank: Mapped[int] = mapped_column(Integer)
    ranked_by: Mapped[str] = mapped_column(String(100))  # the name at the time
    ranked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


# -- locked recipes (LockedRecipe) ------------------------------------------------------------
class LockedRecipe(Base):
    __tablename__ = "recipes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brief_id: Mapped[int | None] = mapped_column(ForeignKey("briefs.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("recipes.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(20))  # locked | failed
    slot: Mapped[str] = mapped_column(String(60))
    recipe: Mapped[dict] = mapped_column(JSON)
    hero_generation_id: Mapped[int | None] = mapped_column(ForeignKey("generations.id"), nullable=True)
    verdict: Mapped[str] = mapped_column(String(20), default="")
    card: Mapped[str] = mapped_column(Text, default="")
    locked_by: Mapped[str] = mapped_column(String(100))  # the name the person had then
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    template: Mapped[str | None] = mapped_column(String(100), nullable=True, unique=True)
    flag: Mapped[str] = mapped_column(Text, default="")  # "fix in the recipe", set by the review gate
    flag_cleared_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    flag_cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    flag_cleared_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    @property
    def parsed(self) -> Recipe:
        return Recipe.model_validate(self.recipe)

    def card_file(self, studio: Studio) -> Path | None:
        """The recipe card written at lock (``card`` is stored relative to the studio), if any."""
        return studio.resolve(self.card) if self.card else None

    def as_dict(self, studio: Studio) -> dict:
        card = self.card_file(studio)
        return {
            "recipe": self.id,
            "brief": self.brief_id,
            "version": self.version,
            "parent": self.parent_id,
            "status": self.status,
            "slot": self.slot,
            "hero": self.hero_generation_id,
            "verdict": self.verdict,
            "card": str(card) if card else None,
            "locked_by": self.locked_by,
            "locked_by_id": self.locked_by_id,
            "template": self.template,
            "created_at": self.created_at.isoformat(),
            "flag": self.flag,
            "flag_cleared_by": self.flag_cleared_by,
            "flag_cleared_by_id": self.flag_cleared_by_id,
            "flag_cleared_reason": self.flag_cleared_reason,
        }


# -- culls (Cull) -----------------------------------------------------------------------------
class Cull(Base):
    __tablename__ = "culls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation_id: Mapped[int] = mapped_column(ForeignKey("generations.id"))
    decision: Mapped[str] = mapped_column(String(10))  # kept | rejected
    reason: Mapped[str] = mapped_column(String(60), default="")
    culled_by: Mapped[str] = mapped_column(String(100))  # the name at the time
    culled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


# -- marks on images (Mark) -------------------------------------------------------------------
class Mark(Base):
    __tablename__ = "marks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation_id: Mapped[int] = mapped_column(ForeignKey("generations.id"), index=True)
    author: Mapped[str] = mapped_column(String(100))  # the name at the time
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    x: Mapped[float] = mapped_column(Float)  # left edge (or the point), a fraction of the width
    y: Mapped[float] = mapped_column(Float)  # top edge (or the point), a fraction of the height
    width: Mapped[float] = mapped_column(Float, default=0.0)  # 0 for a point
    height: Mapped[float] = mapped_column(Float, default=0.0)
    comment: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # a client's mark through a guest link: author is "Name (client)", author_id the link's maker
    guest_share_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    def as_dict(self) -> dict:
        return {
            "mark": self.id,
            "generation": self.generation_id,
            "author": self.author,
            "author_id": self.author_id,
            "kind": "rectangle" if self.width or self.height else "point",
            "x": self.x,
            "y": self.y,
            "width": self.width,
            "height": self.height,
            "comment": self.comment,
            "at": self.at.isoformat(),
            "resolved": self.resolved_at is not None,
            "guest": self.guest_share_id is not None,
        }


class MarkReply(Base):
    """A reply in a mark's conversation (the maker's "fixed in #31", a reviewer's "not yet")."""

    __tablename__ = "mark_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mark_id: Mapped[int] = mapped_column(ForeignKey("marks.id"), index=True)
    author: Mapped[str] = mapped_column(String(100))  # the name at the time
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    guest_share_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # a client's, as on Mark

    def as_dict(self) -> dict:
        return {
            "reply": self.id,
            "author": self.author,
            "author_id": self.author_id,
            "text": self.text,
            "at": self.at.isoformat(),
        }


# -- the review gate: decisions, checklist answers, pre-check findings (Review, ReviewCheck, Precheck) ---
class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation_id: Mapped[int] = mapped_column(ForeignKey("generations.id"))
    reviewer: Mapped[str] = mapped_column(String(100))  # the name the person had then
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decision: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    alt_text: Mapped[str] = mapped_column(Text, default="")
    stakes: Mapped[str] = mapped_column(String(20), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewCheck(Base):
    __tablename__ = "review_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"))
    item: Mapped[str] = mapped_column(String(40))
    result: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")


class Precheck(Base):
    __tablename__ = "prechecks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation_id: Mapped[int] = mapped_column(ForeignKey("generations.id"))
    name: Mapped[str] = mapped_column(String(40))
    result: Mapped[str] = mapped_column(String(10))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    looked_at: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())


# -- released files (Release) -----------------------------------------------------------------
class Release(Base):
    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brief_id: Mapped[int | None] = mapped_column(ForeignKey("briefs.id"), nullable=True)
    generation_id: Mapped[int] = mapped_column(ForeignKey("generations.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"), nullable=True)
    rendition: Mapped[str] = mapped_column(String(60))
    format: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    pixel_sha256: Mapped[str] = mapped_column(String(64))
    phash: Mapped[str] = mapped_column(String(16))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    recipe: Mapped[dict] = mapped_column(JSON)
    alt_text: Mapped[str] = mapped_column(Text)
    source_type: Mapped[str] = mapped_column(Text)
    released_by: Mapped[str] = mapped_column(String(100))  # the name at the time
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    def file(self, studio: Studio) -> Path:
        """The released file (``path`` is stored relative to the studio)."""
        return studio.resolve(self.path)

    def as_dict(self, studio: Studio) -> dict:
        return {
            "asset": self.id,
            "path": str(self.file(studio)),
            "format": self.format,
            "rendition": self.rendition,
            "generation": self.generation_id,
            "brief": self.brief_id,
            "parent": self.parent_id,
            "sha256": self.sha256,
            "width": self.width,
            "height": self.height,
            "alt_text": self.alt_text,
            "digital_source_type": self.source_type,
            "released_by": self.released_by,
            "released_by_id": self.released_by_id,
            "at": self.at.isoformat(),
            "imported": self.rendition == "imported",
        }  # brought in by `pressroom import` (imports.py)


# -- files imported from other tools (Imported) -----------------------------------------------
class Imported(Base):
    __tablename__ = "imports"
    __table_args__ = (Index("ix_imports_generation", "generation_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the library file of an import outside any brief; None for a brief's candidate until released
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"), unique=True, nullable=True)
    generation_id: Mapped[int | None] = mapped_column(ForeignKey("generations.id"), nullable=True)  # the image
    source: Mapped[str] = mapped_column(Text)  # the original's path (an upload: its name) when it was imported
    sha256: Mapped[str] = mapped_column(String(64))  # of the original file's bytes
    pixel_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # a1111 | comfyui | invokeai | fooocus | novelai, the C2PA claim generator ("Adobe Firefly") or
    # the tool the importer named ("Midjourney"); "" none
    tool: Mapped[str] = mapped_column(String(100))
    parameters: Mapped[dict] = mapped_column(JSON)  # what the tool wrote, as it wrote it
    reproducible: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")  # why not, when not
    reproducibility: Mapped[str] = mapped_column(String(10), default="none", server_default="none")  # see domain
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "sha256": self.sha256,
            "pixel_sha256": self.pixel_sha256,
            "tool": self.tool or None,
            "reproducible": self.reproducible,
            "reason": self.reason,
            "reproducibility": self.reproducibility,
        }


# -- the job queue (Job) ----------------------------------------------------------------------
class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(12), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    requester: Mapped[str] = mapped_column(String(100))  # the name the person had then
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)  # who the job acts as
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "progress": {"done": self.progress_done, "total": self.progress_total},
            "attempts": self.attempts,
            "requester": self.requester,
            "payload": self.payload,
            "result": self.result,
            "error": self.error,
            "lease_owner": self.lease_owner,
            "lease_expires_at": _iso(self.lease_expires_at),
            "heartbeat_at": _iso(self.heartbeat_at),
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
        }


# -- workers (Worker) -------------------------------------------------------------------------
class Worker(Base):
    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # its owner id (see queue.owner_id)
    job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())


# -- notices: the inbox, and the outbox of mail and webhook posts (Notice, Outgoing) ------------
class Notice(Base):
    """A line in a person's inbox: something that happened that they should know of."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    kind: Mapped[str] = mapped_column(String(40))  # review.changes_requested, concepts.ready ...
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300), default="")  # the page it is about, from the server's root
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "text": self.text,
            "link": self.link,
            "at": self.at.isoformat(),
            "read": self.read_at is not None,
        }


class Outgoing(Base):
    """A mail or a webhook post to send: written in the transaction of the event that causes it,
    sent by a worker, retried with backoff, marked sent once."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_next", "state", "next_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # email | webhook
    target: Mapped[str] = mapped_column(String(254))  # an address, or a webhook's name
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[dict] = mapped_column(JSON)  # what is sent: the text and link, or the webhook's payload
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "channel": self.channel,
            "target": self.target,
            "kind": self.kind,
            "state": self.state,
            "attempts": self.attempts,
            "next_at": self.next_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "error": self.error,
        }


class NoticePref(Base):
    """How a person is told of one kind of notice: inbox, email, both or off (no row: both)."""

    __tablename__ = "notice_prefs"
    __table_args__ = (Index("ux_notice_prefs_user_kind", "user_id", "kind", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))


class Reminder(Base):
    """A due date's notice (due.soon or due.overdue) as written once to one person: the unique
    index keeps a second worker, or the same one after a restart, from writing it again."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ux_reminders_once", "user_id", "brief_id", "kind", "due", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id"))
    kind: Mapped[str] = mapped_column(String(20))  # due.soon | due.overdue
    due: Mapped[date] = mapped_column(Date)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


# -- assignments: a brief's reviews given to named reviewers, with a due date (Assignment) -------
class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_brief", "brief_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


# -- client review by link: a guest's link to some images, and the client's decisions (GuestShare, ClientDecision)
class GuestShare(Base):
    """Images of a brief shared with a guest (a client without a seat) by a link; only the link's
    secret's SHA-256 is kept."""

    __tablename__ = "guest_shares"
    __table_args__ = (Index("ix_guest_shares_brief", "brief_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id"))
    guest: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    images: Mapped[list] = mapped_column(JSON)  # the generation ids the link opens
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    def as_dict(self) -> dict:
        return {
            "share": self.id,
            "brief": self.brief_id,
            "guest": self.guest,
            "email": self.email,
            "images": list(self.images),
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


class ClientDecision(Base):
    """A client's decision on a shared image, under the name and address its link was made for
    (append-only: a later one supersedes)."""

    __tablename__ = "client_decisions"
    __table_args__ = (Index("ix_client_decisions_generation", "generation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("guest_shares.id"))
    generation_id: Mapped[int] = mapped_column(ForeignKey("generations.id"))
    decision: Mapped[str] = mapped_column(String(20))  # approved | changes
    note: Mapped[str] = mapped_column(Text, default="")
    guest: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    def as_dict(self) -> dict:
        return {
            "decision": self.decision,
            "image": self.generation_id,
            "share": self.share_id,
            "note": self.note,
            "guest": self.guest,
            "email": self.email,
            "at": self.at.isoformat(),
        }


# -- post: an image handed out to another tool, and an edited file brought back (PostHandout, PostReturn)
class PostHandout(Base):
    """Who took an image's full-size master out to post (retouching, compositing) and when."""

    __tablename__ = "post_handouts"
    __table_args__ = (Index("ix_post_handouts_generation", "generation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation_id: Mapped[int] = mapped_column(ForeignKey("generations.id"))
    format: Mapped[str] = mapped_column(String(8))  # png | tiff
    sha256: Mapped[str] = mapped_column(String(64))  # the signed file handed out, kept in the asset store
    by: Mapped[str] = mapped_column(String(100))  # the name the person had then
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class PostReturn(Base):
    """An edited file brought back as a new version of its parent: the facts of the edit, in one place."""

    __tablename__ = "post_returns"
    __table_args__ = (
        Index("ix_post_returns_generation", "generation_id", unique=True),
        Index("ix_post_returns_parent", "parent_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation_id: Mapped[int] = mapped_column(ForeignKey("generations.id"))  # the new version
    parent_id: Mapped[int] = mapped_column(ForeignKey("generations.id"))
    tool: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64))  # the edited file as it came, kept byte for byte
    ext: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(60))  # "16-bit TIFF", "layered PSD (3 layers)" ...
    profile: Mapped[str] = mapped_column(String(200), default="")  # its colour profile ("" none: sRGB)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    credentials: Mapped[bool] = mapped_column(Boolean, default=False)  # it carries its own C2PA manifest
    by: Mapped[str] = mapped_column(String(100))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    def as_dict(self) -> dict:
        return {
            "generation": self.generation_id,
            "parent": self.parent_id,
            "tool": self.tool,
            "note": self.note,
            "sha256": self.sha256,
            "format": self.ext,
            "kind": self.kind,
            "profile": self.profile,
            "width": self.width,
            "height": self.height,
            "credentials": self.credentials,
            "by": self.by,
            "at": self.at.isoformat(timespec="seconds"),
        }
