"""The brief: what the intake checklist asks for, when a brief is complete, and what its content type sets.

Values that are malformed are refused outright; items that are absent make the brief a *draft*, with
the list of what is missing; an intent that is not one sentence pauses it. Pure values and rules: the
intake play (``pressroom.plays.briefs``) stores and changes briefs.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pressroom.errors import InputError


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
    client_signoff: bool = False  # release waits for the client's approval through a guest link
    constraints: Constraints = Field(default_factory=Constraints)
    deliverables: Deliverables = Field(default_factory=Deliverables)
    prompt: PromptStart = Field(default_factory=PromptStart)

    def missing(self) -> list[str]:
        checks = {
            "title": self.title,
            "purpose": self.purpose,
            "intent": self.intent,
            "channels": self.channels,
            "mood": self.mood,
            "must_haves": self.must_haves,
            "consistency": self.consistency,
            "intended_use": self.intended_use,
            "stakes": self.stakes,
            "content_type": self.content_type,
            "due": self.due,
            "director": self.director,
            "constraints.no_real_people": self.constraints.no_real_people is not None,
            "constraints.palette": self.constraints.palette,
            "constraints.aspect": self.constraints.aspect,
            "deliverables.aspect": self.deliverables.aspect,
            "deliverables.size": self.deliverables.size,
            "deliverables.count": self.deliverables.count,
            "prompt.subject": self.prompt.subject,
        }
        return [name for name, value in checks.items() if not value]


def sentences(text: str) -> int:
    return len([part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part.strip()])


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


def status_of(spec: BriefSpec) -> tuple[str, str]:
    """What a brief with these items is stored as (draft, paused or active), and why it pauses."""
    if spec.missing():
        return "draft", ""
    if sentences(spec.intent) != 1:
        return "paused", f"the intent is {sentences(spec.intent)} sentences; state it in one sentence"
    return "active", ""
