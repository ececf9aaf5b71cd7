"""The FastAPI application: every PressroomError as JSON with its HTTP status (the ledger away: 503
with Retry-After, see ``away``), a limit on request bodies that answers 413 before reading past it,
and the routers of each group of plays."""

from __future__ import annotations

import json
import os
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as AnyHTTPException

from pressroom.errors import LedgerAway, PressroomError, SignInRequired
from pressroom.plays import studio as studio_plays
from pressroom.plays.studio import ENV_VAR, Studio
from pressroom.server import guards

MAX_BODY_MB = 32  # [server] max_body_mb in pressroom.toml
REQUEST_THREADS = (
    studio_plays.POOL_SIZE + studio_plays.POOL_OVERFLOW // 2
)  # requests handled at once per server process


def error_body(message: str, field: str | None = None) -> dict:
    return {"error": message, "field": field}


def too_large(limit: int) -> str:
    return f"the request body is over {limit // (1 << 20)} MiB; raise [server] max_body_mb to accept it"


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes is answered 413 — at once when its
    Content-Length says so, else as soon as the bytes received pass the limit."""

    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def _refuse(self, send) -> None:
        body = json.dumps(error_body(too_large(self.limit))).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"connection", b"close"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self._refuse(send)
        seen = 0
        started = False

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge(self.limit)
            return message

        async def watched(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if not started:
                await self._refuse(send)


class _TooLarge(HTTPException):
    """Raised from the body's stream; FastAPI lets an HTTPException through its body parsing."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large(limit))


def create_app(studio: Studio) -> FastAPI:
    from pressroom.server import away
    from pressroom.server import pages as web
    from pressroom.server.pages import render
    from pressroom.server.routes import (
        briefs,
        files,
        jobs,
        library,
        marks,
        people,
        plays,
        review,
        session,
        styles,
        worklist,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        # fewer requests at once than the ledger's pool has connections (a request may hold two):
        # the others wait their turn here, instead of timing out in the pool
        anyio.to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="pressroom",
        version="1",
        summary="AI image generation as a governed team function",
        description="Sign in with POST /api/session (a cookie; state-changing requests echo the "
        "pressroom_csrf cookie in X-CSRF-Token) or send Authorization: Bearer TOKEN.",
    )
    app.state.studio = studio

    @app.exception_handler(PressroomError)
    async def pressroom_error(_request: Request, exc: PressroomError):
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, SignInRequired) else None
        return JSONResponse(error_body(str(exc), exc.field), status_code=exc.http_status, headers=headers)

    @app.exception_handler(LedgerAway)
    async def ledger_away(request: Request, exc: LedgerAway):
        """503 with Retry-After, and the outage's one log line: an /api request as JSON, a page as
        the error page (an htmx request: the refusal fragment), shown to nobody in particular since
        the ledger that says who is asking is away."""
        away.OUTAGE.met(exc)
        headers = {"Retry-After": str(exc.retry_after_s)}
        if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
            return JSONResponse(error_body(str(exc), exc.field), status_code=exc.http_status, headers=headers)
        if request.headers.get("hx-request"):
            response = render.refusal(exc)
        else:
            response = render.page(request, None, "error.html", status_code=exc.http_status, message=str(exc))
        response.headers.update(headers)
        return response

    @app.exception_handler(AnyHTTPException)
    async def http_error(_request: Request, exc: AnyHTTPException):  # 404 for no route, 405, 413 ...
        return JSONResponse(error_body(str(exc.detail)), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(part) for part in first["loc"] if part != "body")
        return JSONResponse(error_body(f"{where} {first['msg']}".strip(), where or None), status_code=400)

    for group in (session, people, briefs, styles, plays, jobs, review, marks, library, files, worklist):
        app.include_router(group.router)
    app.include_router(briefs.assignment_router)
    web.mount(app)
    limit = int(studio.config.get("server", {}).get("max_body_mb", MAX_BODY_MB)) << 20
    app.add_middleware(guards.NoServerPaths, root=studio.root)
    app.add_middleware(guards.StorableText)
    app.add_middleware(BodyLimit, limit=limit)  # outside StorableText: a body is bounded before it is read
    app.add_middleware(guards.SafetyHeaders)  # added last: the outermost, so even a 413 carries them
    return app


def from_environment() -> FastAPI:
    """The app of the studio ``PRESSROOM_STUDIO`` names: each process of ``serve --workers N`` builds its own."""
    return create_app(studio_plays.open(Path(os.environ[ENV_VAR])))


def run(studio: Studio, *, host: str, port: int, workers: int = 1) -> None:
    """Serve until stopped; with ``workers`` above 1, that many processes share the port (each with
    its own ledger connections: the ledger serialises their writes as it does the CLI's)."""
    import uvicorn

    options = dict(host=host, port=port, log_level="warning", proxy_headers=True)
    if workers == 1:
        uvicorn.run(create_app(studio), **options)
        return
    os.environ[ENV_VAR] = str(studio.root)
    uvicorn.run(f"{__name__}:from_environment", factory=True, workers=workers, **options)
