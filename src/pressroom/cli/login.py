"""`pressroom login` and `pressroom logout`: a personal token from the team server, kept for the CLI.

`login` signs in to the server with a name and password, creates a personal token there and keeps
it in a file only you can read (see pressroom.logins); a team studio's CLI then acts as you with
it, exactly as with PRESSROOM_TOKEN. `logout` revokes that token on the server and forgets it.
"""

from __future__ import annotations

import getpass
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from pressroom.cli.common import JsonOpt, StudioOpt, console, optional_context, print_json

ServerOpt = Annotated[
    str | None,
    typer.Option("--server", help="The team server's URL (default: [server] url in the studio's pressroom.toml)."),
]


def server_url(server: str | None, studio: Path | None) -> str:
    from pressroom.errors import InputError
    from pressroom.plays import accounts

    if not server:
        ctx = optional_context(studio)
        server = ctx.studio.config.get("server", {}).get("url") if ctx else None
    if not server:
        raise InputError(
            "which server? pass --server URL, or set [server] url in the studio's pressroom.toml", field="server"
        )
    return accounts.server_address(server)


def _call(method: str, url: str, **kwargs):
    """One request to the server; its refusal as the same kind of error, its absence as Unavailable."""
    import httpx

    from pressroom import errors

    try:
        answer = httpx.request(method, url, timeout=30, **kwargs)
    except httpx.HTTPError as exc:
        raise errors.Unavailable(f"cannot reach {url} ({exc}); is `pressroom serve` running there?") from None
    if answer.status_code < 400:
        return answer
    try:
        text = answer.json().get("error") or answer.text
    except ValueError:
        text = answer.text[:200] or answer.reason_phrase
    kinds = {
        400: errors.InputError,
        401: errors.SignInRequired,
        403: errors.Forbidden,
        404: errors.NotFound,
        429: errors.TooManyAttempts,
    }
    raise kinds.get(answer.status_code, errors.Unavailable)(f"{url}: {text}")


def login(
    server: ServerOpt = None,
    name: Annotated[str | None, typer.Option("--name", help="Your name in the studio (asked if not given).")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    studio: StudioOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Sign in to a team server and keep a personal token for this CLI (a file only you can read)."""
    from pressroom.errors import InputError
    from pressroom.plays import accounts

    base = server_url(server, studio)
    name = name or typer.prompt("name")
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else getpass.getpass("password: ")
    if not password:
        raise InputError("the password is empty", field="password")
    signed = _call("POST", f"{base}/api/session", json={"name": name, "password": password})
    cookies, csrf = signed.cookies, signed.json()["csrf"]
    made = _call(
        "POST",
        f"{base}/api/tokens",
        json={"label": f"pressroom login on {socket.gethostname()}"},
        cookies=cookies,
        headers={"X-CSRF-Token": csrf},
    ).json()
    _call("DELETE", f"{base}/api/session", cookies=cookies, headers={"X-CSRF-Token": csrf})  # the token stays
    previous = accounts.kept_login(base)
    where = accounts.keep_login(base, made)
    if previous and previous["id"] != made["id"]:  # a login again replaces the token it kept
        try:
            _call("DELETE", f"{base}/api/tokens/{previous['id']}", headers={"Authorization": f"Bearer {made['token']}"})
        except Exception:  # noqa: BLE001 - already revoked, or not this person's: the new login stands
            pass
    if json_out:
        print_json({"server": base, "person": made["owner"], "token_id": made["id"], "file": str(where)})
    else:
        console().print(f"signed in to {base} as {made['owner']}; token {made['id']} kept in {where}")


def logout(server: ServerOpt = None, studio: StudioOpt = None) -> None:
    """Revoke the token `pressroom login` kept for the server, and forget it."""
    from pressroom.errors import NotFound, SignInRequired
    from pressroom.plays import accounts

    base = server_url(server, studio)
    kept = accounts.kept_login(base)
    if kept is None:
        raise NotFound(f"not logged in to {base} (`pressroom login --server {base}`)", field="server")
    try:
        _call("DELETE", f"{base}/api/tokens/{kept['id']}", headers={"Authorization": f"Bearer {kept['token']}"})
    except SignInRequired:
        pass  # revoked already (by an admin, or `token revoke`): nothing left to end there
    accounts.forget_login(base)
    console().print(f"logged out of {base}: token {kept['id']} of {kept['owner']} is revoked")


def register(root: typer.Typer) -> None:
    root.command()(login)
    root.command()(logout)
