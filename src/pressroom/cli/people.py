"""People commands: the studio's people and their roles, and the event log."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from pressroom.cli.common import AsOpt, JsonOpt, StudioOpt, console, context, listing, print_json

app = typer.Typer(
    help="People and their roles: director, operator, reviewer, keeper (the library keeper).", no_args_is_help=True
)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The person's name (used with --as).")],
    role: Annotated[
        list[str],
        typer.Option(help="director, operator, reviewer or keeper; repeat for several (a new person needs one)."),
    ] = [],  # noqa: B006 - typer reads the default, never mutates it
    as_: AsOpt = None,
    admin: Annotated[
        bool, typer.Option("--admin", help="May manage people and everyone's tokens on the server.")
    ] = False,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read a sign-in password from stdin (the studio's first person with one becomes its admin).",
        ),
    ] = False,
    email: Annotated[
        str | None, typer.Option(help="Where their notices are mailed (set or change it; an empty one clears it).")
    ] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a person, or give an existing person more roles, a password (for the team server) or an e-mail address."""
    from pressroom.plays import accounts

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    row = accounts.add_account(
        context(studio, as_, acting=bool(as_)), name, role, password=password, admin=admin, email=email
    )
    print_json(row) if json_out else console().print(f"{row['name']}: {', '.join(row['roles'])}")


@app.command("invite")
def invite(
    name: Annotated[str, typer.Argument(help="Who is invited (add them first with `user add`).")],
    url: Annotated[
        str | None,
        typer.Option(help="The team server's address, as people reach it (default: [server] url in pressroom.toml)."),
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="Also mail the link to this address (needs [mail] in pressroom.toml).")
    ] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Print a one-time, expiring link with which NAME sets their password for the team server (and mail it)."""
    from pressroom.errors import InputError
    from pressroom.plays import invites

    ctx = context(studio, acting=False)
    base = url or ctx.studio.config.get("server", {}).get("url")
    if not base:
        raise InputError(
            "which address do people reach the server at? pass --url or set [server] url in pressroom.toml", field="url"
        )
    doc = invites.invite(ctx, name, base, email=email)
    if json_out:
        print_json({key: doc[key] for key in ("person", "invite", "link", "expires_at", "mailed")})
    else:
        console().print(f"invite for {doc['person']}, once, until {doc['expires_at'][:16]} UTC:")
        print(doc["link"])
        if doc["mailed"]:
            console().print(f"mailed to {doc['mailed']} by the next worker (`pressroom outbox` shows it until sent)")


@app.command("rename")
def rename(
    name: Annotated[str, typer.Argument(help="The person's current name.")],
    new_name: Annotated[str, typer.Argument(metavar="NEW_NAME")],
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Rename a person; what they did stays theirs (the ledger refers to people by id)."""
    from pressroom.plays import people

    row = people.rename_person(context(studio, as_, acting=bool(as_)), name, new_name)
    print_json(row) if json_out else console().print(f"{name} is now {row['name']}")


@app.command("list")
def list_(studio: StudioOpt = None, json_out: JsonOpt = False) -> None:
    """List people and their roles."""
    from pressroom.plays import people

    rows = people.people(context(studio, acting=False))
    if json_out:
        print_json(rows)
        return
    for row in rows:
        console().print(f"{row['name']}: {', '.join(row['roles'])}")


def log(
    brief: Annotated[int | None, typer.Option(help="Only this brief's events.")] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The append-only event log: who did what, when, through which channel, to which objects."""
    from pressroom.plays import events

    listing(
        events.log(context(studio, acting=False), brief),
        {
            "id": lambda r: r["id"],
            "at": lambda r: r["at"][:19],
            "who": lambda r: r["actor"],
            "via": lambda r: r["channel"],
            "action": lambda r: r["action"],
            "brief": lambda r: r["brief"] or "",
            "objects": lambda r: json.dumps(r["objects"])[:60],
        },
        json_out,
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="user")
    root.command("log")(log)
