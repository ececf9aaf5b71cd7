"""The outbox: the mail and webhook posts the notices wrote, as the worker sends them."""

from __future__ import annotations

from typing import Annotated

import typer

from pressroom.cli.common import JsonOpt, StudioOpt, context, listing


def outbox(
    state: Annotated[
        str | None,
        typer.Option(
            help="Only rows in this state: pending, sending, sent, failed, held (for a daily digest) or digested "
            "(default: pending, sending, failed and held)."
        ),
    ] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List what waits to be sent, is held for a digest, or failed: each mail and webhook post, its tries and its last error."""
    from pressroom.plays import outbox as outbox_plays

    listing(
        outbox_plays.listing(context(studio, acting=False), state),
        {
            key: (lambda row, key=key: row[key])
            for key in ("id", "channel", "target", "kind", "state", "attempts", "next_at", "error")
        },
        json_out,
    )


webhooks = typer.Typer(help="Webhooks: what was posted to each receiver.", no_args_is_help=True)


@webhooks.command("log")
def log(
    state: Annotated[
        str | None, typer.Option(help="Only posts in this state: pending, sending, sent or failed.")
    ] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Every webhook post, newest first: the receiver, the notice's kind, its state, tries and last error."""
    from pressroom.plays import outbox as outbox_plays

    listing(
        outbox_plays.listing(context(studio, acting=False), state, channel="webhook"),
        {
            key: (lambda row, key=key: row[key])
            for key in ("id", "target", "kind", "state", "attempts", "sent_at", "error")
        },
        json_out,
    )


def register(root: typer.Typer) -> None:
    root.command()(outbox)
    root.add_typer(webhooks, name="webhooks")
