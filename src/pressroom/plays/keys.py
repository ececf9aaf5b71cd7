"""Rotating the studio's signing key: a director's deliberate act, recorded in the event log."""

from __future__ import annotations

from pressroom.context import Context
from pressroom.ledger import events
from pressroom.store import signing


def rotate_key(ctx: Context) -> dict:
    """The director starts a new signing key (see ``rotate``); the event log records it."""
    director = ctx.actor.require("director", "rotate the signing key")
    done = signing.rotate(ctx.studio)
    with ctx.unit() as session:
        events.record(session, director, "keys.rotate", kept_anchor=done["kept_anchor"])
    return done
