"""ASGI middleware that guards every request and answer, whichever route takes it.

- ``SafetyHeaders``: no other site may frame a page (clickjacking), a served file is never sniffed
  into something its type does not say (an image that is really HTML), and a link followed from a
  page tells another site nothing past this server's name.
- ``NoServerPaths``: no page or JSON answer shows where the studio lies on the server: its folder's
  absolute path is taken out of every path it starts (a message quoting a file becomes relative).
- ``StorableText``: a JSON body whose text the ledger cannot store (a lone surrogate such as
  ``"\\ud800"``, which no UTF-8 database takes, or a NUL, which PostgreSQL refuses) is answered 400
  naming the field, before any route reads it.
"""

from __future__ import annotations

import json

SAFETY_HEADERS = (
    (b"content-security-policy", b"frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)


class SafetyHeaders:
    """``SAFETY_HEADERS`` on every answer (a route's own value of one wins)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def guarded(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                message = {**message, "headers": headers + [h for h in SAFETY_HEADERS if h[0] not in present]}
            await send(message)

        await self.app(scope, receive, guarded)


def unstorable(value, where: str = "") -> str | None:
    """Where (a dotted path, "" for the whole body) ``value`` holds text no ledger can store; None if nowhere."""
    if isinstance(value, str):
        if "\x00" in value:
            return where
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where
        return None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        place = f"{where}.{key}" if where else str(key)
        if isinstance(key, str) and unstorable(key) is not None:
            return place
        found = unstorable(item, place)
        if found is not None:
            return found
    return None


class StorableText:
    """A JSON request's body read whole (``BodyLimit`` bounds it first) and checked with ``unstorable``;
    a body that passes is handed on unchanged."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"")
        if scope["type"] != "http" or not content_type.split(b";")[0].strip().endswith(b"json"):
            return await self.app(scope, receive, send)
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, _replay([message]), send)
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            where = unstorable(json.loads(body)) if body else None
        except (ValueError, RecursionError):
            where = None  # not JSON: the route answers that
        if where is not None:
            answer = json.dumps(
                {
                    "error": f"{where or 'the body'} holds text that cannot be stored (a NUL or a lone "
                    "surrogate); send it as valid UTF-8 text",
                    "field": where or None,
                }
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(answer)).encode())],
                }
            )
            return await send({"type": "http.response.body", "body": answer})
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive), send)


def _replay(messages: list[dict], then=None):
    """A ``receive`` that hands back ``messages`` first, then whatever ``then`` (the real one) gives."""
    pending = list(messages)

    async def receive():
        if pending:
            return pending.pop(0)
        if then is None:
            return {"type": "http.disconnect"}
        return await then()

    return receive


def unrooted(text: str, root) -> str:
    """``text`` with the studio folder's absolute path taken out of every path it starts."""
    folder = str(root)
    return text.replace(folder + "/", "").replace(folder, "the studio folder") if folder in text else text


TEXT_TYPES = (b"text/html", b"application/json", b"text/plain")


class NoServerPaths:
    """Pages, fragments and JSON answers pass through ``unrooted``; files and event streams do not."""

    def __init__(self, app, root) -> None:
        self.app, self.root = app, str(root)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, chunks = None, []

        async def scrubbed(message):
            nonlocal start
            if message["type"] == "http.response.start":
                kind = dict(message.get("headers", [])).get(b"content-type", b"")
                if not kind.startswith(TEXT_TYPES):
                    start = False
                    return await send(message)
                start = message
                return None
            if start is False or message["type"] != "http.response.body":
                return await send(message)
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return None
            body = unrooted(b"".join(chunks).decode("utf-8", "surrogateescape"), self.root)
            data = body.encode("utf-8", "surrogateescape")
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            await send({**start, "headers": [*headers, (b"content-length", str(len(data)).encode())]})
            await send({"type": "http.response.body", "body": data})

        await self.app(scope, receive, scrubbed)
