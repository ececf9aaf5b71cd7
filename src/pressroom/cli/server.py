"""`pressroom serve`: the team server (the JSON API over the same plays, see pressroom.server)."""

from __future__ import annotations

from typing import Annotated

import typer

from pressroom.cli.common import StudioOpt, console, context


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on (1-65535).")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes sharing the port (1-64; about one per core).")
    ] = 1,
    studio: StudioOpt = None,
) -> None:
    """Serve the studio over HTTP: the JSON API under /api/, OpenAPI at /openapi.json."""
    from pressroom.server import app as server_app

    ctx = context(studio, acting=False)
    console(stderr=True).print(
        f"serving {ctx.studio.root} on http://{host}:{port} (OpenAPI: /openapi.json)"
        + (f" with {workers} processes" if workers > 1 else "")
    )
    server_app.run(ctx.studio, host=host, port=port, workers=workers)


def register(root: typer.Typer) -> None:
    root.command()(serve)
