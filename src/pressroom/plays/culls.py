"""Culling: keep or reject each image, with a reason tag for every rejection.

Each decision is kept as history (``culls``); the generation's ``status`` is the latest one.
Keep rates per recipe, per slot value and per prompt come from ``metrics``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from pressroom.context import Context
from pressroom.errors import InputError, Refused
from pressroom.ledger import events, rows
from pressroom.ledger.tables import Cull, Generation

REASONS = ("hands", "faces", "text", "drift", "artifact", "composition", "palette", "duplicate", "other")
TAG = re.compile(r"^[a-z][a-z0-9-]{0,40}$")


def _prechecked_if_required(session, row) -> None:
    """Some content types (ecommerce) need the automated pre-checks before anything is culled."""
    from sqlalchemy import select

    from pressroom.ledger.tables import Brief, Precheck

    brief = session.get(Brief, row.brief_id) if row.brief_id else None
    if brief is None or not brief.defaults.prechecks_before_cull:
        return
    if session.scalar(select(Precheck.id).where(Precheck.generation_id == row.id)) is None:
        raise Refused(
            f"a {brief.content_type} brief runs the pre-checks before a cull: run them on generation "
            f"{row.id} first; nothing was culled",
            field="prechecks",
        )


def cull(ctx: Context, generation_ids: list[int], *, keep: bool, reason: str) -> list[dict]:
    if not generation_ids:
        raise InputError("name at least one generation to cull")
    if not keep and not reason:
        raise InputError(f"a rejection needs a reason tag (such as {', '.join(REASONS)})", field="reason")
    if reason and not TAG.match(reason):
        raise InputError(
            f"reason {reason!r} must be a short lowercase tag such as {', '.join(REASONS[:5])}", field="reason"
        )
    decision = "kept" if keep else "rejected"
    actor = ctx.actor.require("operator", "cull images")
    with ctx.unit() as session:
        now = datetime.now(UTC)
        done, brief_ids = [], set()
        for generation_id in generation_ids:
            row = rows.get(session, Generation, generation_id)
            _prechecked_if_required(session, row)
            session.add(
                Cull(
                    generation_id=row.id,
                    decision=decision,
                    reason=reason,
                    culled_by=actor.name,
                    culled_by_id=actor.id,
                    at=now,
                )
            )
            row.status = decision
            brief_ids.add(row.brief_id)
            done.append({"id": row.id, "status": decision, "reason": reason})
        for brief_id in brief_ids:
            events.record(
                session,
                actor,
                f"cull.{'keep' if keep else 'reject'}",
                brief_id=brief_id,
                objects={"generations": generation_ids},
                reason=reason,
            )
    return done


def reasons(ctx: Context, generation_ids: list[int]) -> dict[int, str]:
    """The reason each rejected image was last culled with (what its tile says)."""
    with ctx.unit() as session:
        found: dict[int, str] = {}
        query = select(Cull.generation_id, Cull.reason).where(Cull.generation_id.in_(generation_ids)).order_by(Cull.id)
        for generation_id, reason in session.execute(query):
            found[generation_id] = reason
        return {k: v for k, v in found.items() if v}
