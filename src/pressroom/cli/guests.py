"""Client review by link: ``pressroom share`` shares images with a guest, lists and revokes links."""

from __future__ import annotations

from typing import Annotated

import typer

from pressroom.cli.common import AsOpt, JsonOpt, StudioOpt, console, context, print_json

USAGE = "give BRIEF IMAGE..., `revoke ID` or `list BRIEF`"


def _one(words: list[str], what: str) -> int:
    from pressroom.errors import InputError

    if len(words) != 1:
        raise InputError(f"give {what} alone; {USAGE}", field="share")
    return _numbers(words, what)[0]


def _numbers(words: list[str], what: str) -> list[int]:
    from pressroom.errors import InputError

    bad = [w for w in words if not w.isdigit()]
    if bad:
        raise InputError(f"{what} must be numbers like 12 (got {bad[0]!r}); {USAGE}", field="share")
    return [int(w) for w in words]


def share(
    what: Annotated[
        list[str],
        typer.Argument(metavar="BRIEF IMAGE... | revoke ID | list BRIEF", help="What to share, revoke or list."),
    ],
    guest: Annotated[str | None, typer.Option(help="The client's name, as their marks and decisions show it.")] = None,
    email: Annotated[str | None, typer.Option(help="The client's e-mail address (the link is mailed there).")] = None,
    days: Annotated[int, typer.Option(help="How many days the link works (1 to 90).")] = 7,
    url: Annotated[
        str | None, typer.Option(help="The team server's address, as the client reaches it (default: [server] url).")
    ] = None,
    as_: AsOpt = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Share images of a brief with a client by link (the brief's director or an admin): prints the
    link once. `share revoke ID` ends a link; `share list BRIEF` lists the brief's links."""
    from pressroom.errors import InputError
    from pressroom.plays import guests

    ctx = context(studio, as_)
    if what[0] == "revoke":
        row = guests.revoke(ctx, _one(what[1:], "the link's ID"))
        print_json(row) if json_out else console().print(f"link {row['share']} for {row['guest']} is revoked")
        return
    if what[0] == "list":
        brief = _one(what[1:], "the brief")
        found = guests.listing(ctx, brief)
        if json_out:
            print_json(found)
            return
        for row in found:
            decided = ", ".join(f"#{i} {d['decision']}" for i, d in row["decisions"].items()) or "no decision yet"
            console().print(
                f"{row['share']}: {row['guest']} <{row['email']}>, images "
                f"{', '.join(f'#{i}' for i in row['images'])}, {row['state']} (until {row['expires_at'][:16]}); "
                f"{decided}"
            )
        if not found:
            console().print(f"no client links for brief {brief}")
        return
    numbers = _numbers(what, "BRIEF and IMAGE")
    if len(numbers) < 2:
        raise InputError(f"name the brief and at least one of its images; {USAGE}", field="image")
    if guest is None:
        raise InputError("name the client the link is for", field="guest")
    if email is None:
        raise InputError("give the client's address with --email ADDRESS, like ann@example.com", field="email")
    made = guests.share(ctx, numbers[0], numbers[1:], guest, email, days=days, base_url=url or "")
    if json_out:
        print_json(made)
        return
    console().print(
        f"link {made['share']} for {made['guest']}, images {', '.join(f'#{i}' for i in made['images'])}, "
        f"until {made['expires_at'][:16]} UTC{' (mailed)' if made['mailed'] else ''}; shown once:"
    )
    print(made["link"])


def register(root: typer.Typer) -> None:
    root.command()(share)
