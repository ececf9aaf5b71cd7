"""Stored logins: the personal token `pressroom login` made, kept for the CLI of a team studio.

The file is ``logins.json`` in ``$PRESSROOM_CONFIG_HOME``, else ``$XDG_CONFIG_HOME/pressroom``,
else ``~/.config/pressroom``: readable by its owner only (0600, in a 0700 folder). It maps a team
server's URL to the token signed in there (its secret, id and owner). In a team studio the CLI
takes the person from ``PRESSROOM_TOKEN``, else from the token stored for the studio's
``[server] url``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pressroom.errors import InputError

FILE = "logins.json"


def folder() -> Path:
    explicit = os.environ.get("PRESSROOM_CONFIG_HOME")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "pressroom"


def path() -> Path:
    return folder() / FILE


def normal(url: str) -> str:
    """A server URL as a key: scheme and host as given, no trailing slash."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise InputError(f"the server's URL must start with http:// or https:// (got {url!r})", field="server")
    return url


def _read() -> dict:
    try:
        data = json.loads(path().read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise InputError(f"{path()} cannot be read ({exc}); delete it and run `pressroom login` again") from None
    return data if isinstance(data, dict) else {}


def _write(data: dict) -> None:
    where = folder()
    where.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not data:
        path().unlink(missing_ok=True)
        return
    partial = where / f".{FILE}.{os.getpid()}"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(data, out, indent=2)
    os.chmod(partial, 0o600)
    os.replace(partial, path())


def store(server: str, token: dict) -> Path:
    """Keep ``token`` (``token``, ``id``, ``owner``) as the login for ``server``."""
    data = _read()
    data[normal(server)] = {key: token[key] for key in ("token", "id", "owner")}
    _write(data)
    return path()


def stored(server: str | None) -> dict | None:
    """The login stored for ``server``, if any."""
    return _read().get(normal(server)) if server else None


def forget(server: str) -> None:
    data = _read()
    data.pop(normal(server), None)
    _write(data)
