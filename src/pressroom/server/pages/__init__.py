"""The team's pages: server-rendered HTML (Jinja2) with htmx for partial updates, served by
``pressroom serve`` beside the JSON API and calling the same service functions, so a page obeys
the same rules as the CLI and the API. The scripts ship inside the package (``static/``, htmx
2.0.11 from the npm registry, 0BSD): no build step, no CDN, works offline.

A page needs a signed-in browser (else it redirects to the sign-in page). Changes are htmx posts
that carry the session's CSRF token in ``X-CSRF-Token`` (set once on ``<body>``), checked by the
same ``auth.signed_in`` the API uses; a refusal comes back as a fragment with the refusal's HTTP
status and the service layer's own message, which the page shows where the action was
(``render.py``). Each module holds the pages of one play or concern.
"""

from __future__ import annotations

from pathlib import Path

PAGES = (
    "signin",
    "home",
    "intake",
    "brief",
    "outside",
    "sheet",
    "sprint",
    "recipe",
    "cull",
    "review",
    "fix",
    "post",
    "thumbs",
    "release",
    "library",
    "verify",
    "metrics",
    "people",
    "tokens",
    "inbox",
    "guests",
)


def mount(app) -> None:
    """Add every page module's routes and the static files (htmx, scripts, the style sheet) to the app."""
    from importlib import import_module

    from fastapi.staticfiles import StaticFiles

    for name in PAGES:
        app.include_router(import_module(f"{__name__}.{name}").router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
