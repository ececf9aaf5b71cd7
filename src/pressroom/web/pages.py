"""The pages: sign-in, home (what waits for me, by role), a brief with its contact sheet, an image
with its review, and thumbnails. Each handler asks the same service functions the API asks.

A page needs a signed-in browser (else it redirects to the sign-in page). Changes are htmx posts
that carry the session's CSRF token in ``X-CSRF-Token`` (set once on ``<body>``), checked by the
same ``auth.signed_in`` the API uses; a refusal comes back as a fragment with the refusal's HTTP
status and the service layer's own message, which the page shows where the action was.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from .. import accounts, briefs, concepts, culls, generations, marks, reviews
from ..context import Context
from ..errors import NotFound, PressroomError, SignInRequired
from ..jobs import queue
from ..server import auth
from . import thumbs

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
CHOICES = ("pass", "n/a", "fail")
DECISIONS = ("approved", "approved-with-changes", "changes-required", "rejected")


def _viewer(request: Request) -> Context | None:
    try:
        return auth.signed_in(request)
    except SignInRequired:
        return None


def _to_sign_in(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/sign-in?next={quote(request.url.path)}", status_code=303)


def _page(request: Request, ctx: Context | None, template: str, status_code: int = 200, **values) -> HTMLResponse:
    cookie = request.cookies.get(auth.SESSION_COOKIE)
    csrf = accounts.csrf_token(cookie) if ctx is not None and cookie else ""
    return templates.TemplateResponse(request, template, {"me": ctx.actor if ctx else None, "csrf": csrf, **values},
                                      status_code=status_code)


def _refusal(exc: PressroomError) -> HTMLResponse:
    """A fragment for htmx: the service layer's message, with the refusal's own status."""
    return HTMLResponse(templates.get_template("_refusal.html").render(message=str(exc)), status_code=exc.http_status)


def _shown(request: Request, template: str, build) -> Response:
    """A whole page: sign-in first; a missing or refused object is a page with the message."""
    ctx = _viewer(request)
    if ctx is None:
        return _to_sign_in(request)
    try:
        return _page(request, ctx, template, **build(ctx))
    except PressroomError as exc:
        return _page(request, ctx, "error.html", status_code=exc.http_status, message=str(exc))


# -- signing in and out ---------------------------------------------------------------------------
@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/") -> Response:
    return _page(request, None, "sign_in.html", next=_local(next), failed="")


@router.post("/sign-in")
def sign_in(request: Request, name: str = Form(""), password: str = Form(""), next: str = Form("/")) -> Response:
    try:
        signed = accounts.sign_in(auth.anonymous(request), name.strip(), password)
    except PressroomError as exc:
        return _page(request, None, "sign_in.html", status_code=exc.http_status, next=_local(next), failed=str(exc),
                     name=name)
    answer = RedirectResponse(_local(next), status_code=303)
    auth.start_session(request, answer, signed)
    return answer


def _local(target: str) -> str:
    """Where to go after signing in: a path on this server only (never another site)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    answer = Response(status_code=204, headers={"HX-Redirect": "/sign-in"})
    try:
        auth.end_session(request, answer, auth.signed_in(request))
    except PressroomError as exc:
        return _refusal(exc)
    return answer


# -- home -----------------------------------------------------------------------------------------
@router.get("/")
def home(request: Request) -> Response:
    def build(ctx: Context) -> dict:
        roles = ctx.actor.roles
        everything = briefs.briefs(ctx)
        waiting = {}
        if "director" in roles:
            waiting["director"] = [b for b in everything if b["direction"] is None and b["status"] == "active"
                                   and b["director_id"] == ctx.actor.id]
        if "operator" in roles:
            waiting["operator"] = generations.images(ctx, 60, status="new")
        if "reviewer" in roles:
            waiting["reviewer"] = [image for image in generations.images(ctx, 60, status="kept")
                                   if image["operator"] != ctx.actor.name]
        running = [job.as_dict() for job in queue.listing(ctx.studio) if job.state in ("queued", "running")]
        return {"briefs": everything, "waiting": waiting, "jobs": running}

    return _shown(request, "home.html", build)


# -- a brief and its contact sheet -----------------------------------------------------------------
@router.get("/briefs/{brief_id:int}")
def brief(request: Request, brief_id: int) -> Response:
    def build(ctx: Context) -> dict:
        shown = briefs.show(ctx, brief_id)
        sheet = [image for image in generations.images(ctx, brief_id=brief_id) if image["play"] == "concept"]
        ranks = {row["generation"]: row["rank"] for row in shown["rankings"]}
        return {"brief": shown, "sheet": sheet, "ranks": ranks}

    return _shown(request, "brief.html", build)


@router.post("/briefs/{brief_id:int}/direction")
def approve_direction(request: Request, brief_id: int, generation: int = Form(...)) -> Response:
    try:
        ctx = auth.signed_in(request)
        concepts.approve_direction(ctx, brief_id, generation)
        shown = briefs.show(ctx, brief_id)
    except PressroomError as exc:
        return _refusal(exc)
    return HTMLResponse(templates.get_template("_approved.html").render(brief=shown))


# -- culling a recipe's volume run with the keyboard ------------------------------------------------
def _keep_rate(images: list[dict]) -> dict:
    kept = sum(image["status"] == "kept" for image in images)
    judged = kept + sum(image["status"] == "rejected" for image in images)
    return {"kept": kept, "judged": judged, "total": len(images), "rate": kept / judged if judged else None}


@router.get("/recipes/{recipe_id:int}/cull")
def cull_page(request: Request, recipe_id: int) -> Response:
    def build(ctx: Context) -> dict:
        images = [image for image in generations.images(ctx, recipe_id=recipe_id) if image["play"] == "volume"]
        return {"recipe": recipe_id, "images": images, "reasons": culls.REASONS, "rate": _keep_rate(images)}

    return _shown(request, "cull.html", build)


@router.post("/recipes/{recipe_id:int}/cull")
def cull(request: Request, recipe_id: int, generation: int = Form(...), keep: bool = Form(...),
         reason: str = Form("")) -> Response:
    try:
        ctx = auth.signed_in(request)
        row = generations.get(ctx.studio, generation)
        if row.recipe_id != recipe_id:
            raise NotFound(f"generation {generation} is not from recipe {recipe_id}")
        culls.cull(ctx, [generation], keep=keep, reason="" if keep else reason)
        images = [image for image in generations.images(ctx, recipe_id=recipe_id) if image["play"] == "volume"]
    except PressroomError as exc:
        return _refusal(exc)
    image = next(image for image in images if image["id"] == generation)
    return HTMLResponse(templates.get_template("_culled.html").render(image=image, rate=_keep_rate(images)))


# -- an image and its review -----------------------------------------------------------------------
@router.get("/images/{generation_id:int}")
def image(request: Request, generation_id: int) -> Response:
    def build(ctx: Context) -> dict:
        row = generations.get(ctx.studio, generation_id)
        return {"image": row.summary(ctx.studio), "sheet": reviews.sheet(ctx, generation_id),
                "choices": CHOICES, "decisions": DECISIONS, "marks": marks.on(ctx, generation_id)}

    return _shown(request, "image.html", build)


@router.post("/images/{generation_id:int}/review")
async def decide(request: Request, generation_id: int) -> Response:
    form = await request.form()
    try:
        ctx = auth.signed_in(request)
        items = reviews.checklist(ctx, generation_id)
        checks = []
        for item in items:
            result = str(form.get(f"check:{item}", ""))
            reason = str(form.get(f"reason:{item}", "")).strip()
            checks.append(f"{item}={'fail:' + reason if result == 'fail' else result}")
        decision = str(form.get("decision", ""))
        status = reviews.decide(ctx, generation_id, decision, checks, note=str(form.get("note", "")),
                                alt_text=str(form.get("alt_text", "")))
    except PressroomError as exc:
        return _refusal(exc)
    return HTMLResponse(templates.get_template("_decided.html").render(
        decision=decision, reviewer=ctx.actor.name, status=status.as_dict()), status_code=201)


@router.post("/images/{generation_id:int}/marks")
def place_mark(request: Request, generation_id: int, x: float = Form(...), y: float = Form(...),
               width: float = Form(0.0), height: float = Form(0.0), comment: str = Form("")) -> Response:
    try:
        ctx = auth.signed_in(request)
        marks.place(ctx, generation_id, x, y, comment, width=width, height=height)
        placed = marks.on(ctx, generation_id)
    except PressroomError as exc:
        return _refusal(exc)
    return HTMLResponse(templates.get_template("_marks.html").render(marks=placed, oob=True), status_code=201)


# -- thumbnails -----------------------------------------------------------------------------------
@router.get("/thumbs/{generation_id:int}/{edge:int}.webp")
def thumbnail(request: Request, generation_id: int, edge: int) -> Response:
    ctx = _viewer(request)
    if ctx is None:
        return Response(status_code=401)
    try:
        row = generations.get(ctx.studio, generation_id)
        path = thumbs.thumbnail(ctx.studio, row.path(ctx.studio), row.file_sha256, edge)
    except PressroomError as exc:
        return Response(str(exc), status_code=exc.http_status, media_type="text/plain")
    etag = f'"{path.stem}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=31536000, immutable"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type="image/webp", headers=headers)



def mount(app) -> None:
    """Add the pages and their static files (htmx, the style sheet) to the server's app."""
    from fastapi.staticfiles import StaticFiles

    app.include_router(router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
