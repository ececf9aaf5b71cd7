"""The team's numbers: keep rate, iterations per final, time to hero, rework after review.

- keep rate: kept / generated (every image a play made for the brief counts as generated);
- iterations per final: generated / kept;
- time to hero: from the brief's creation to the first approval of a hero by the review gate
  (``time_to_hero_basis`` "approved"); before any approval, to the first locked hero ("locked");
- rework after review: the share of review decisions that send work back (changes required or
  rejected); null where nothing was reviewed.
Grouped per brief, per recipe (with per slot value and per prompt), per operator, per tool and per
model (which answers which model or tool serves a kind of brief: images brought in from other tools
count under their tool, pressroom's own under ``pressroom``), and as a trend across briefs in the
order they were opened. Every image filed under a brief counts, imported ones included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from pressroom.domain import gate, rates
from pressroom.ledger import events
from pressroom.ledger.tables import Brief, Generation, User
from pressroom.plays import briefs

if TYPE_CHECKING:
    from pressroom.context import Context


def _rates(generated: int, kept: int) -> dict:
    return {
        "generated": generated,
        "kept": kept,
        "keep_rate": rates.keep_rate(generated, kept),
        "iterations_per_final": rates.iterations_per_final(generated, kept),
    }


def _grouped(session: Session, *keys, where=()) -> list[tuple]:
    kept = func.sum(case((Generation.status == "kept", 1), else_=0))
    query = select(*keys, func.count(Generation.id), kept).where(Generation.brief_id.is_not(None), *where)
    return [tuple(row) for row in session.execute(query.group_by(*keys).order_by(*keys))]


def _per_tool(session: Session, where) -> list[tuple]:
    """(tool, generated, kept) per tool, by the name people call it (``reviews.made_with``)."""
    from pressroom.ledger.tables import Imported
    from pressroom.plays.reviews import made_with

    kept = func.sum(case((Generation.status == "kept", 1), else_=0))
    query = (
        select(Imported.tool, func.count(Generation.id), kept)
        .outerjoin(Imported, Imported.generation_id == Generation.id)
        .where(Generation.brief_id.is_not(None), *where)
        .group_by(Imported.tool)
    )
    totals: dict[str, tuple[int, int]] = {}
    for tool, generated, made_kept in session.execute(query):
        g, k = totals.get(made_with(tool), (0, 0))
        totals[made_with(tool)] = (g + generated, k + made_kept)
    return sorted((name, g, k) for name, (g, k) in totals.items())


def _per_operator(session: Session, where) -> list[tuple]:
    """(person id, name, generated, kept) per operator: one row per person whatever they were called
    when they made each image (named by their name today); work whose maker is unknown, by the name
    it was recorded under."""
    today = {person: name for person, name in session.execute(select(User.id, User.name))}
    totals: dict = {}
    for person, name, generated, kept in _grouped(session, Generation.maker_id, Generation.operator, where=where):
        key = person if person is not None else name
        _, _, g, k = totals.get(key, (None, None, 0, 0))
        totals[key] = (person, today.get(person, name), g + generated, k + kept)
    return sorted(totals.values(), key=lambda row: row[1])


def _time_to_hero(session: Session, brief: Brief) -> tuple[float | None, str | None]:
    from pressroom.ledger.tables import Review

    approved = session.scalar(
        select(func.min(Review.at))
        .join(Generation, Generation.id == Review.generation_id)
        .where(Generation.brief_id == brief.id, Generation.play == "lock", Review.decision.in_(gate.APPROVING))
    )
    if approved is not None:
        return round((approved - brief.created_at).total_seconds(), 1), "approved"
    for event in events.listing(session, brief.id):
        if event.action == "recipe.lock":
            return event.detail.get("since_brief_s"), "locked"
    return None, None


def recipe_rates(ctx: Context, recipe_id: int) -> dict:
    """A recipe's run as the metrics page counts it (every image made from the recipe), with how
    many of its volume images are still to cull: what the cull page shows as it goes."""
    with ctx.unit() as session:
        found = _grouped(session, Generation.recipe_id, where=(Generation.recipe_id == recipe_id,))
        _, generated, kept = found[0] if found else (recipe_id, 0, 0)
        to_cull = session.scalar(
            select(func.count()).where(
                Generation.recipe_id == recipe_id, Generation.play == "volume", Generation.status == "new"
            )
        )
        return {**_rates(generated, kept), "to_cull": to_cull or 0, "definition": rates.KEEP_RATE}


def compute(session: Session, brief_id: int | None = None) -> dict:
    where = (Generation.brief_id == brief_id,) if brief_id is not None else ()
    chosen = [briefs.get(session, brief_id)] if brief_id is not None else briefs.listing(session)
    from pressroom.plays.reviews import rework

    sent_back = {
        kind: {row["key"]: row["rework_after_review"] for row in rows} for kind, rows in rework(session).items()
    }
    per_brief = {b: (g, k) for b, g, k in _grouped(session, Generation.brief_id, where=where)}
    briefs_out = []
    for brief in chosen:
        generated, kept = per_brief.get(brief.id, (0, 0))
        budget = brief.parsed.iteration_budget
        hero_s, basis = _time_to_hero(session, brief)
        briefs_out.append(
            {
                "brief": brief.id,
                "title": brief.title,
                "created_at": brief.created_at.isoformat(),
                **_rates(generated, kept),
                "iteration_budget_per_final": budget,
                "time_to_hero_s": hero_s,
                "time_to_hero_basis": basis,
                "rework_after_review": sent_back["brief"].get(brief.id),
            }
        )
    recipes = [
        {"recipe": r, **_rates(g, k), "rework_after_review": sent_back["recipe"].get(r)}
        for r, g, k in _grouped(session, Generation.recipe_id, where=(*where, Generation.recipe_id.is_not(None)))
    ]
    slot_values = [
        {"recipe": r, "slot_value": v, **_rates(g, k)}
        for r, v, g, k in _grouped(
            session, Generation.recipe_id, Generation.slot_value, where=(*where, Generation.recipe_id.is_not(None))
        )
    ]
    prompts = [{"prompt": p, **_rates(g, k)} for p, g, k in _grouped(session, Generation.prompt, where=where)]
    operators = [
        {
            "operator": name,
            "operator_id": person,
            **_rates(g, k),
            "rework_after_review": sent_back["operator"].get(person if person is not None else name),
        }
        for person, name, g, k in _per_operator(session, where)
    ]
    # which tool or model serves this kind of brief: its rework counted on the same images as its rates
    scoped = (
        sent_back
        if brief_id is None
        else {
            kind: {row["key"]: row["rework_after_review"] for row in rows}
            for kind, rows in rework(session, brief_id).items()
        }
    )
    tools = [
        {"tool": t, **_rates(g, k), "rework_after_review": scoped["tool"].get(t)}
        for t, g, k in _per_tool(session, where)
    ]
    models = [
        {"model": m, **_rates(g, k), "rework_after_review": scoped["model"].get(m)}
        for m, g, k in _grouped(session, Generation.model, where=where)
    ]
    return {
        "briefs": briefs_out,
        "recipes": recipes,
        "tools": tools,
        "models": models,
        "slot_values": slot_values,
        "prompts": prompts,
        "operators": operators,
        "trend": [
            {
                "brief": b["brief"],
                "keep_rate": b["keep_rate"],
                "iterations_per_final": b["iterations_per_final"],
                "time_to_hero_s": b["time_to_hero_s"],
                "rework_after_review": b["rework_after_review"],
            }
            for b in briefs_out
        ],
    }


def report(ctx: Context, brief_id: int | None = None) -> dict:
    """Keep rate, iterations per final, rework after review and time to hero (one brief or all)."""
    with ctx.unit() as session:
        return compute(session, brief_id)
