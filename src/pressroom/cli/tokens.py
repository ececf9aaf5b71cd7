"""Personal API tokens: create one (its secret is printed once), list them, revoke one."""

from __future__ import annotations

from typing import Annotated

import typer

from pressroom.cli.common import JsonOpt, StudioOpt, console, context, listing, print_json, token_context

app = typer.Typer(help="Personal API tokens for the team server and a team studio's CLI.", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Whose token it is; it carries their roles.")],
    label: Annotated[str, typer.Option(help="What the token is for (shown in `token list`).")] = "default",
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Create a token for NAME and print it once (only its SHA-256 is stored)."""
    from pressroom.plays import accounts

    doc = accounts.create_token(token_context(studio), name, label)
    if json_out:
        print_json({"token": doc["token"], "id": doc["id"], "owner": doc["owner"], "label": doc["label"]})
    else:
        console().print(f"token {doc['id']} for {doc['owner']} ({doc['label']}); shown once, keep it secret:")
        print(doc["token"])


@app.command("list")
def list_(
    name: Annotated[str | None, typer.Argument(help="Only this person's tokens.")] = None,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Tokens, never their secrets."""
    from pressroom.plays import accounts

    listing(
        accounts.tokens(context(studio, acting=False), name),
        {
            key: (lambda row, key=key: row[key])
            for key in ("id", "owner", "label", "created_at", "last_used_at", "revoked")
        },
        json_out,
    )


@app.command("revoke")
def revoke(
    token_id: Annotated[int, typer.Argument(metavar="TOKEN_ID")], studio: StudioOpt = None, json_out: JsonOpt = False
) -> None:
    """Revoke a token by its id; it signs nobody in from then on."""
    from pressroom.plays import accounts

    doc = accounts.revoke_token(token_context(studio), token_id)
    print_json(doc) if json_out else console().print(f"token {doc['id']} of {doc['owner']} is revoked")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="token")
