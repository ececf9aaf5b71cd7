"""The outbox: the mail and webhook posts the notices wrote, as the worker sends them."""

from __future__ import annotations

from typing import Annotated

import typer

from pressroom.cli.common import JsonOpt, StudioOpt, context, listing


def outbox(
    state: Annotated[
        str | None,
        typer.Option(help="Only rows in this state: pending, sending, sent or failed (default: all but sent)."),
    ] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List what waits to be sent, or failed: each mail and webhook post, its tries and its last error."""
    from pressroom.plays import outbox as outbox_plays

    listing(
        outbox_plays.listing(context(studio, acting=False), state),
        {
            key: (lambda row, key=key: row[key])
            for key in ("id", "channel", "target", "kind", "state", "attempts", "next_at", "error")
        },
        json_out,
    )


def register(root: typer.Typer) -> None:
    root.command()(outbox)
