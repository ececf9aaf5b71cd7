"""Intake: the brief, its completeness check, and the defaults its content type sets.

A brief comes from a TOML file (``pressroom brief template`` prints an annotated one). Values
that are malformed are refused outright; items that are absent make the brief a *draft*,
stored with the list of what is missing, and no play generates for a draft. An intent that
is not one sentence pauses the brief with that reason.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import JSON, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import events, people
from .context import Actor, Context
from .db import Base, UTCDateTime
from .errors import BriefNotReady, InputError, NotFound



@dataclass(frozen=True)
class PlayDefaults:
    """What a content type sets for the plays (documented as a table in the README)."""

    concept_styles: int  # how many styles a concept sprint should span
    per_style: int  # variations per style
    concept_steps: int
    gate: str  # how tight the review gate is: full | light | strict
    volume_batch: int
    strict_sizes: bool  # the locked size must match the deliverable aspect exactly
    prechecks_before_cull: bool
    fixed_variable: str | None  # the only slot a volume run may vary, if the type fixes one


CONTENT_TYPES: dict[str, PlayDefaults] = {
    "campaign": PlayDefaults(5, 6, 8, "full", 4, False, False, None),
    "social": PlayDefaults(3, 4, 6, "light", 8, False, False, None),
    "ecommerce": PlayDefaults(3, 4, 8, "strict", 4, True, True, "subject"),
}

HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
RATIO = re.compile(r"^(\d+):(\d+)$")
SIZE = re.compile(r"^(\d+)x(\d+)$")


class Constraints(BaseModel):
    model_config = ConfigDict(extra="forbid")
    no_real_people: bool | None = None
    palette: list[str] = Field(default_factory=list)
    aspect: str = ""

    @field_validator("palette")
    @classmethod
    def _hex(cls, value: list[str]) -> list[str]:
        for colour in value:
            if not HEX.match(colour):
                raise ValueError(f"{colour!r} is not a hex colour like '#1F4E79'")
        return value

    @field_validator("aspect")
    @classmethod
    def _aspect(cls, value: str) -> str:
        if value and not RATIO.match(value):
            raise ValueError(f"{value!r} is not an aspect ratio like '4:5'")
        return value


class Deliverables(BaseModel):
    model_config = ConfigDict(extra="forbid")
    aspect: str = ""
    size: str = ""
    count: int | None = Field(default=None, ge=1)

    @field_validator("aspect")
    @classmethod
    def _aspect(cls, value: str) -> str:
        return Constraints._aspect(value)

    @field_validator("size")
    @classmethod
    def _size(cls, value: str) -> str:
        if value and not SIZE.match(value):
            raise ValueError(f"{value!r} is not a pixel size like '1080x1350'")
        return value


class PromptStart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str = ""
    context: str = ""
    composition: str = ""
    technical: str = ""


class BriefSpec(BaseModel):
    """Everything the intake checklist asks for. Absent items are allowed here: they make a draft."""

    model_config = ConfigDict(extra="forbid")
    title: str = ""
    purpose: str = ""
    intent: str = ""
    channels: list[str] = Field(default_factory=list)
    mood: list[str] = Field(default_factory=list)
    must_haves: list[str] = Field(default_factory=list)
    consistency: str = ""
    intended_use: Literal["", "internal", "editorial", "commercial"] = ""
    stakes: Literal["", "low", "standard", "high"] = ""
    content_type: Literal["", "campaign", "social", "ecommerce"] = ""
    due: date | None = None
    director: str = ""
    iteration_budget: int = Field(default=12, ge=1)
    constraints: Constraints = Field(default_factory=Constraints)
    deliverables: Deliverables = Field(default_factory=Deliverables)
    prompt: PromptStart = Field(default_factory=PromptStart)

    def missing(self) -> list[str]:
        checks = {
            "title": self.title, "purpose": self.purpose, "intent": self.intent, "channels": self.channels,
            "mood": self.mood, "must_haves": self.must_haves, "consistency": self.consistency,
            "intended_use": self.intended_use, "stakes": self.stakes, "content_type": self.content_type,
            "due": self.due, "director": self.director,
            "constraints.no_real_people": self.constraints.no_real_people is not None,
            "constraints.palette": self.constraints.palette, "constraints.aspect": self.constraints.aspect,
            "deliverables.aspect": self.deliverables.aspect, "deliverables.size": self.deliverables.size,
            "deliverables.count": self.deliverables.count, "prompt.subject": self.prompt.subject,
        }
        return [name for name, value in checks.items() if not value]


def sentences(text: str) -> int:
    return len([part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part.strip()])


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
            "id": self.id, "title": self.title, "status": self.status, "pause_reason": self.pause_reason,
            "missing": self.missing, "content_type": self.content_type, "stakes": self.stakes,
            "intended_use": self.intended_use, "director": self.director, "director_id": self.director_id,
            "created_at": self.created_at.isoformat(), "created_by": self.created_by,
            "created_by_id": self.created_by_id, "direction": self.direction_generation_id,
            "direction_approved_by": self.direction_approved_by,
            "direction_approved_by_id": self.direction_approved_by_id,
            "defaults": asdict(self.defaults) if self.content_type else None, "spec": self.spec,
        }


def parse(text: str, source: str = "brief") -> BriefSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{source} is not valid TOML: {exc}") from exc
    return validate(data, source)


def validate(data: dict, source: str = "brief") -> BriefSpec:
    """A brief from its items (parsed TOML, a JSON body), every problem named in one message."""
    try:
        return BriefSpec.model_validate(data)
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc']))} {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
        raise InputError(f"{source}: " + "; ".join(problems)) from exc


def read(path: Path) -> BriefSpec:
    from .userfiles import read_text

    return parse(read_text(path, "brief file", hint="`pressroom brief template` prints one to start from"), str(path))


def status_of(spec: BriefSpec) -> tuple[str, str]:
    """What a brief with these items is stored as (draft, paused or active), and why it pauses."""
    if spec.missing():
        return "draft", ""
    if sentences(spec.intent) != 1:
        return "paused", f"the intent is {sentences(spec.intent)} sentences; state it in one sentence"
    return "active", ""


def _director(session: Session, spec: BriefSpec) -> int | None:
    """The id of the brief's director: a person in the studio with the director role (None: not named yet)."""
    if not spec.director.strip():
        return None
    return people.holding(session, spec.director.strip(), "director", field="director").id


def create(session: Session, spec: BriefSpec, actor: Actor) -> Brief:
    """Store a brief: active when complete, a draft listing what is missing, or paused."""
    actor.require("director", "open a brief")
    status, reason = status_of(spec)
    brief = Brief(title=spec.title or "(untitled)", status=status, pause_reason=reason,
                  content_type=spec.content_type, stakes=spec.stakes, intended_use=spec.intended_use,
                  director=spec.director, director_id=_director(session, spec),
                  spec=spec.model_dump(mode="json"), missing=spec.missing(),
                  created_at=datetime.now(timezone.utc), created_by=actor.name, created_by_id=actor.id)
    session.add(brief)
    session.flush()
    events.record(session, actor, "brief.new", brief_id=brief.id, objects={"brief": brief.id},
                  status=status, missing=brief.missing, reason=reason)
    return brief


def update(session: Session, brief: Brief, spec: BriefSpec, actor: Actor) -> Brief:
    """Replace the brief's content (the old one stays in the event log)."""
    actor.require("director", "change a brief")
    status, reason = status_of(spec)
    director_id = _director(session, spec)
    events.record(session, actor, "brief.update", brief_id=brief.id, objects={"brief": brief.id},
                  previous=brief.spec, status=status, missing=spec.missing())
    brief.spec, brief.missing = spec.model_dump(mode="json"), spec.missing()
    brief.title, brief.content_type, brief.stakes = spec.title or brief.title, spec.content_type, spec.stakes
    brief.intended_use, brief.director, brief.director_id = spec.intended_use, spec.director, director_id
    brief.status, brief.pause_reason = status, reason
    return brief


def pause(session: Session, brief: Brief, reason: str, actor: Actor) -> None:
    brief.status, brief.pause_reason = "paused", reason
    events.record(session, actor, "brief.pause", brief_id=brief.id, objects={"brief": brief.id}, reason=reason)


def resume(session: Session, brief: Brief, reason: str, actor: Actor) -> None:
    actor.require("director", "resume a brief")
    if brief.status != "paused":
        raise InputError(f"brief {brief.id} is {brief.status}, not paused")
    status, why = status_of(brief.parsed)
    if status != "active":
        raise BriefNotReady(f"brief {brief.id} cannot resume: {why or 'it is incomplete'}")
    if not reason.strip():
        raise InputError("say why the brief can resume (a reason)", field="reason")
    brief.status, brief.pause_reason = "active", ""
    events.record(session, actor, "brief.resume", brief_id=brief.id, objects={"brief": brief.id}, reason=reason)


def get(session: Session, brief_id: int) -> Brief:
    brief = session.get(Brief, brief_id)
    if brief is None:
        raise NotFound(f"no brief {brief_id}; list them with `pressroom brief list`")
    return brief


def ready(session: Session, brief_id: int) -> Brief:
    """The brief, if plays may generate for it; otherwise a refusal that says why not."""
    brief = get(session, brief_id)
    if brief.status == "draft":
        raise BriefNotReady(
            f"brief {brief.id} is a draft: no generation starts until it is complete "
            f"(missing: {', '.join(brief.missing)})"
        )
    if brief.status == "paused":
        raise BriefNotReady(f"brief {brief.id} is paused: {brief.pause_reason}")
    return brief


def listing(session: Session) -> list[Brief]:
    return list(session.scalars(select(Brief).order_by(Brief.id)))


# -- use cases ------------------------------------------------------------------------------------
def open_brief(ctx: Context, spec: BriefSpec) -> dict:
    """Intake: store the brief; a draft or a paused brief is a result (its status says so), not an error."""
    with ctx.unit() as session:
        return create(session, spec, ctx.actor).as_dict()


def replace_brief(ctx: Context, brief_id: int, spec: BriefSpec) -> dict:
    with ctx.unit() as session:
        return update(session, get(session, brief_id), spec, ctx.actor).as_dict()


def pause_brief(ctx: Context, brief_id: int, reason: str) -> dict:
    """Stop generation for an active brief until it is resumed (the director, with a reason)."""
    ctx.actor.require("director", "pause a brief")
    if not reason.strip():
        raise InputError("say why the brief pauses (a reason)", field="reason")
    with ctx.unit() as session:
        brief = get(session, brief_id)
        if brief.status != "active":
            raise InputError(f"brief {brief.id} is {brief.status}; only an active brief can be paused")
        pause(session, brief, reason, ctx.actor)
        return brief.as_dict()


def resume_brief(ctx: Context, brief_id: int, reason: str) -> dict:
    with ctx.unit() as session:
        brief = get(session, brief_id)
        resume(session, brief, reason, ctx.actor)
        return brief.as_dict()


def show(ctx: Context, brief_id: int) -> dict:
    """A brief with its direction, the director's ranking and its recipe versions."""
    from . import concepts, lockin

    with ctx.unit() as session:
        brief = get(session, brief_id)
        return {**brief.as_dict(),
                "rankings": [{"rank": r.rank, "generation": r.generation_id, "by": r.ranked_by}
                             for r in concepts.rankings(session, brief_id)],
                "recipes": [r.as_dict(ctx.studio) for r in lockin.for_brief(session, brief_id)]}


def briefs(ctx: Context) -> list[dict]:
    with ctx.unit() as session:
        return [brief.as_dict() for brief in listing(session)]


TEMPLATE = '''\
# pressroom brief. Fill in every item: a brief with an item missing is kept as a draft, and
# no generation starts until it is complete. Create it with `pressroom brief new --file THIS.toml`.
title = "Spring trail shoe launch"
purpose = "Launch visuals for the new trail shoe across social and retail"
# One sentence. More than one pauses the brief until it is rewritten.
intent = "Show the shoe as the lightest way onto a wet mountain trail."
channels = ["instagram-feed", "linkedin"]
mood = ["fresh", "early morning", "energetic"]
must_haves = ["the whole shoe in view", "wet rock or moss"]
consistency = "the same shoe and colourway in every image"
intended_use = "commercial"          # internal | editorial | commercial
stakes = "standard"                  # low | standard | high: how tight the review gate is
content_type = "campaign"            # campaign | social | ecommerce: sets the plays' defaults
due = 2026-12-15
director = "dana"                    # a user with the director role
iteration_budget = 12                # generations allowed per final image before a warning

[constraints]
no_real_people = true
palette = ["#1F4E79", "#F2C14E", "#E8E2D0"]   # brand colours, hex
aspect = "4:5"

[deliverables]
aspect = "4:5"
size = "1080x1350"
count = 6

# Where the prompt starts. The style slot comes from the style library in the concept sprint.
[prompt]
subject = "a trail running shoe"
context = "on a mossy rock by a mountain stream"
composition = "low angle, copy space top right"
technical = "sharp focus, soft morning light"
'''
