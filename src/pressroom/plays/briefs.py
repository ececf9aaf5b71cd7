"""Intake: the brief, its completeness check, and the defaults its content type sets.

A brief comes from a TOML file (``pressroom brief template`` prints an annotated one). Values
that are malformed are refused outright; items that are absent make the brief a *draft*,
stored with the list of what is missing, and no play generates for a draft. An intent that
is not one sentence pauses the brief with that reason.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from pressroom.context import Actor, Context
from pressroom.domain import gate
from pressroom.domain.brief import BriefSpec, parse, status_of
from pressroom.errors import BriefNotReady, Forbidden, InputError, Refused
from pressroom.ledger import events, rows
from pressroom.ledger.tables import Brief, Generation, LockedRecipe, Ranking, Review, User
from pressroom.plays import people


def read(path: Path) -> BriefSpec:
    from pressroom.store.userfiles import read_text

    return parse(read_text(path, "brief file", hint="`pressroom brief template` prints one to start from"), str(path))


def _director(session: Session, spec: BriefSpec) -> int | None:
    """The id of the brief's director: a person in the studio with the director role (None: not named yet)."""
    if not spec.director.strip():
        return None
    return people.holding(session, spec.director.strip(), "director", field="director").id


def create(session: Session, spec: BriefSpec, actor: Actor) -> Brief:
    """Store a brief: active when complete, a draft listing what is missing, or paused."""
    actor.require("director", "open a brief")
    status, reason = status_of(spec)
    brief = Brief(
        title=spec.title or "(untitled)",
        status=status,
        pause_reason=reason,
        content_type=spec.content_type,
        stakes=spec.stakes,
        intended_use=spec.intended_use,
        director=spec.director,
        director_id=_director(session, spec),
        spec=spec.model_dump(mode="json"),
        missing=spec.missing(),
        created_at=datetime.now(UTC),
        created_by=actor.name,
        created_by_id=actor.id,
    )
    session.add(brief)
    session.flush()
    events.record(
        session,
        actor,
        "brief.new",
        brief_id=brief.id,
        objects={"brief": brief.id},
        status=status,
        missing=brief.missing,
        reason=reason,
    )
    return brief


def owned(session: Session, brief: Brief, actor: Actor, doing: str) -> None:
    """Refuse ``doing`` unless ``actor`` is the brief's own director (its maker while it names
    none) or an admin: holding the director role is not enough to take over another's brief."""
    actor.require("director", doing)
    owner = brief.director_id if brief.director_id is not None else brief.created_by_id
    if actor.id == owner:
        return
    acting = session.get(User, actor.id)
    if acting is not None and acting.admin:
        return
    who = brief.director or brief.created_by or "its director"
    raise Forbidden(
        f"{actor.name} may not {doing}: brief {brief.id} is {who}'s; only its own director or an admin may",
        field="actor",
    )


def may_change(ctx: Context, brief_id: int) -> bool:
    """Whether the acting person may change, pause or resume the brief (``owned``): what a page offers."""
    with ctx.unit() as session:
        try:
            owned(session, get(session, brief_id), ctx.actor, "change this brief")
        except Forbidden:
            return False
    return True


def _decided(session: Session, brief_id: int) -> bool:
    """Whether any image of the brief has a review decision."""
    query = select(Review.id).join(Generation, Generation.id == Review.generation_id)
    return session.scalar(query.where(Generation.brief_id == brief_id).limit(1)) is not None


def update(session: Session, brief: Brief, spec: BriefSpec, actor: Actor) -> Brief:
    """Replace the brief's content (the old one stays in the event log)."""
    owned(session, brief, actor, "change this brief")
    if gate.lowers(spec.stakes, brief.stakes) and _decided(session, brief.id):
        raise Refused(
            f"brief {brief.id} keeps {brief.stakes or 'standard'} stakes: its images have review decisions, "
            f"and lowering the stakes to {spec.stakes or 'standard'} would loosen the gate they were judged by",
            field="stakes",
        )
    status, reason = status_of(spec)
    director_id = _director(session, spec)
    events.record(
        session,
        actor,
        "brief.update",
        brief_id=brief.id,
        objects={"brief": brief.id},
        previous=brief.spec,
        status=status,
        missing=spec.missing(),
    )
    brief.spec, brief.missing = spec.model_dump(mode="json"), spec.missing()
    brief.title, brief.content_type, brief.stakes = spec.title or brief.title, spec.content_type, spec.stakes
    brief.intended_use, brief.director, brief.director_id = spec.intended_use, spec.director, director_id
    brief.status, brief.pause_reason = status, reason
    return brief


def pause(session: Session, brief: Brief, reason: str, actor: Actor) -> None:
    """Stop generation for the brief (a play's own stop, as a failed lock-in; people use ``pause_brief``)."""
    brief.status, brief.pause_reason = "paused", reason
    events.record(session, actor, "brief.pause", brief_id=brief.id, objects={"brief": brief.id}, reason=reason)


def resume(session: Session, brief: Brief, reason: str, actor: Actor) -> None:
    owned(session, brief, actor, "resume this brief")
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
    return rows.get(session, Brief, brief_id)


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
        owned(session, brief, ctx.actor, "pause this brief")
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
    with ctx.unit() as session:
        brief = get(session, brief_id)
        return {
            **brief.as_dict(),
            "rankings": [
                {"rank": r.rank, "generation": r.generation_id, "by": r.ranked_by} for r in rankings(session, brief_id)
            ],
            "recipes": [r.as_dict(ctx.studio) for r in recipes_of(session, brief_id)],
        }


def briefs(ctx: Context) -> list[dict]:
    with ctx.unit() as session:
        return [brief.as_dict() for brief in listing(session)]


TEMPLATE_LEAD = timedelta(weeks=4)  # the template's due date: four weeks after the day pressroom started
TEMPLATE = f"""\
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
due = {(datetime.now(UTC).date() + TEMPLATE_LEAD).isoformat()}
director = "dana"                    # a user with the director role
iteration_budget = 12                # generations allowed per final image before a warning
client_signoff = false               # true: release waits for the client's approval by link

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
"""


def rankings(session: Session, brief_id: int) -> list[Ranking]:
    return list(session.scalars(select(Ranking).where(Ranking.brief_id == brief_id).order_by(Ranking.id)))


def recipes_of(session: Session, brief_id: int) -> list[LockedRecipe]:
    return list(
        session.scalars(select(LockedRecipe).where(LockedRecipe.brief_id == brief_id).order_by(LockedRecipe.version))
    )
