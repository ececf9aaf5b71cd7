"""The team's numbers: keep rate, iterations per final, time to hero, rework after review.

- keep rate: kept / generated (every image a play made for the brief counts as generated);
- iterations per final: generated / kept;
- time to hero: from the brief's creation to its first locked hero (the review gate, once it
  exists, moves this to the first *approved* hero);
- rework after review: the share of review decisions that send work back; null until the
  studio records reviews.
Grouped per brief, per recipe (with per slot value and per prompt), per operator, and as a
trend across briefs in the order they were opened.
"""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from . import briefs, events
from .generations import Generation


def _rates(generated: int, kept: int) -> dict:
    return {
        "generated": generated,
        "kept": kept,
        "keep_rate": round(kept / generated, 4) if generated else None,
        "iterations_per_final": round(generated / kept, 2) if kept else None,
    }


def _grouped(session: Session, *keys, where=()) -> list[tuple]:
    kept = func.sum(case((Generation.status == "kept", 1), else_=0))
    query = select(*keys, func.count(Generation.id), kept).where(Generation.brief_id.is_not(None), *where)
    return list(session.execute(query.group_by(*keys).order_by(*keys)).tuples())


def _time_to_hero(session: Session, brief: briefs.Brief) -> float | None:
    for event in events.listing(session, brief.id):
        if event.action == "recipe.lock":
            return event.detail.get("since_brief_s")
    return None


def compute(session: Session, brief_id: int | None = None) -> dict:
    where = (Generation.brief_id == brief_id,) if brief_id is not None else ()
    chosen = [briefs.get(session, brief_id)] if brief_id is not None else briefs.listing(session)
    per_brief = {b: (g, k) for b, g, k in _grouped(session, Generation.brief_id, where=where)}
    briefs_out = []
    for brief in chosen:
        generated, kept = per_brief.get(brief.id, (0, 0))
        budget = brief.parsed.iteration_budget
        briefs_out.append({"brief": brief.id, "title": brief.title, "created_at": brief.created_at.isoformat(),
                           **_rates(generated, kept), "iteration_budget_per_final": budget,
                           "time_to_hero_s": _time_to_hero(session, brief), "rework_after_review": None})
    recipes = [{"recipe": r, **_rates(g, k)}
               for r, g, k in _grouped(session, Generation.recipe_id, where=(*where, Generation.recipe_id.is_not(None)))]
    slot_values = [{"recipe": r, "slot_value": v, **_rates(g, k)}
                   for r, v, g, k in _grouped(session, Generation.recipe_id, Generation.slot_value,
                                              where=(*where, Generation.recipe_id.is_not(None)))]
    prompts = [{"prompt": p, **_rates(g, k)} for p, g, k in _grouped(session, Generation.prompt, where=where)]
    operators = [{"operator": o, **_rates(g, k)} for o, g, k in _grouped(session, Generation.operator, where=where)]
    return {
        "briefs": briefs_out,
        "recipes": recipes,
        "slot_values": slot_values,
        "prompts": prompts,
        "operators": operators,
        "trend": [{"brief": b["brief"], "keep_rate": b["keep_rate"],
                   "iterations_per_final": b["iterations_per_final"], "time_to_hero_s": b["time_to_hero_s"]}
                  for b in briefs_out],
    }
