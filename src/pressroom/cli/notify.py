"""How the acting person is told of things: per kind of notice the inbox, e-mail, both or off, and
a daily digest instead of single mails."""

from __future__ import annotations

from typing import Annotated

import typer

from pressroom.cli.common import AsOpt, JsonOpt, StudioOpt, console, context, print_json

app = typer.Typer(
    help="Your notifications: how you are told of each kind of notice, and a daily digest.", no_args_is_help=True
)


def _show(settings: dict, json_out: bool) -> None:
    if json_out:
        print_json(settings)
        return
    out = console()
    address = settings["email"] or "no address"
    out.print(f"{settings['person']} ({address}); daily digest: {'on' if settings['digest'] else 'off'}")
    for row in settings["kinds"]:
        out.print(f"  {row['kind']:<26} {row['channel']:<6} {row['about']}")


@app.command("show")
def show(as_: AsOpt = None, studio: StudioOpt = None, json_out: JsonOpt = False) -> None:
    """How you are told of each kind of notice, and whether your mails wait for a daily digest."""
    from pressroom.plays import notices

    _show(notices.preferences(context(studio, as_)), json_out)


@app.command("set")
def set_(
    kind: Annotated[str, typer.Argument(help="The kind of notice (`pressroom notify show` lists them).")],
    channel: Annotated[str, typer.Argument(help="inbox, email, both or off.")],
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Choose how you are told of KIND: in the inbox, by e-mail, both, or not at all."""
    from pressroom.plays import notices

    _show(notices.choose(context(studio, as_), {kind: channel}), json_out)


@app.command("digest")
def digest(
    switch: Annotated[str, typer.Argument(metavar="on|off", help="on: one mail a day; off: each mail as it comes.")],
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Hold your mails for one daily digest (on), or mail each notice as it comes (off)."""
    from pressroom.errors import InputError
    from pressroom.plays import notices

    if switch not in ("on", "off"):
        raise InputError(f"the digest is switched on or off (got {switch!r})", field="digest")
    _show(notices.choose(context(studio, as_), {}, digest=switch == "on"), json_out)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="notify")
