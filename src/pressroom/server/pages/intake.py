"""Intake on the pages: the brief form, its completeness checklist updating as fields are filled
(with the one-sentence intent rule), opening a brief and editing one (a new version)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from pressroom.context import Context
from pressroom.domain.brief import sentences, status_of, validate
from pressroom.errors import PressroomError
from pressroom.plays import briefs, people
from pressroom.server.pages import fields, render

router = APIRouter(include_in_schema=False)

LISTS = {"channels": ",", "mood": ",", "must_haves": "\n", "constraints.palette": ","}  # a list field: its separator
NUMBERS = ("iteration_budget", "deliverables.count")
YES_NO = ("client_signoff",)  # optional yes/no items (not on the checklist): "yes" or anything else
CHOICES = {
    "intended_use": ("internal", "editorial", "commercial"),
    "stakes": ("low", "standard", "high"),
    "content_type": ("campaign", "social", "ecommerce"),
}
LABELS = {  # every checklist item (those BriefSpec.missing() names), as the form and the checklist name it
    "title": "Title",
    "purpose": "Purpose",
    "intent": "Intent (one sentence)",
    "channels": "Channels",
    "mood": "Mood",
    "must_haves": "Must-haves",
    "consistency": "Consistency",
    "intended_use": "Intended use",
    "stakes": "Stakes",
    "content_type": "Content type",
    "due": "Due",
    "director": "Director",
    "constraints.no_real_people": "No real people",
    "constraints.palette": "Palette",
    "constraints.aspect": "Aspect (constraint)",
    "deliverables.aspect": "Deliverable aspect",
    "deliverables.size": "Deliverable size",
    "deliverables.count": "Deliverable count",
    "prompt.subject": "Subject",
}


def spec_data(form) -> dict:
    """The brief's items from the form's fields (``constraints.palette`` is ``palette`` in
    ``constraints``); an empty field is left out, so it counts as missing, not as a wrong value."""
    data: dict = {}
    for name, raw in form.items():
        if name not in LABELS and name not in NUMBERS and name not in YES_NO and not name.startswith("prompt."):
            continue
        text = str(raw).strip()
        if not text:
            continue
        if name in LISTS:
            value = [part.strip() for part in text.split(LISTS[name]) if part.strip()]
        elif name in NUMBERS:
            value = int(text) if text.lstrip("-").isdigit() else text
        elif name == "constraints.no_real_people" or name in YES_NO:
            value = text == "yes"
        else:
            value = text
        group, _, key = name.rpartition(".")
        (data.setdefault(group, {}) if group else data)[key or name] = value
    return data


def form_values(spec: dict) -> dict:
    """A stored brief's items as the form shows them (the inverse of ``spec_data``)."""
    values = {}
    for name in (*LABELS, *NUMBERS, *YES_NO, "prompt.context", "prompt.composition", "prompt.technical"):
        group, _, key = name.rpartition(".")
        value = (spec.get(group) or {}).get(key) if group else spec.get(name)
        if value is None or value == "" or value == []:
            continue
        if name in LISTS:
            value = ("\n" if LISTS[name] == "\n" else ", ").join(value)
        elif name == "constraints.no_real_people" or name in YES_NO:
            value = "yes" if value else "no"
        values[name] = str(value)
    return values


def checklist(form) -> dict:
    """Where the form stands: each item filled or missing, the intent's sentences, and the first
    wrong value (its message names the field), as the brief would be stored now."""
    data = spec_data(form)
    try:
        spec = validate(data, "the brief")
    except PressroomError as exc:
        given = {name for name in LABELS if _given(data, name)}
        return {
            "items": [(name, label, name in given) for name, label in LABELS.items()],
            "error": fields.said(exc),
            "sentences": sentences(str(data.get("intent", ""))),
            "status": "not valid yet",
        }
    missing = set(spec.missing())
    return {
        "items": [(name, label, name not in missing) for name, label in LABELS.items()],
        "error": "",
        "sentences": sentences(spec.intent),
        "status": status_of(spec)[0],
    }


def _given(data: dict, name: str) -> bool:
    group, _, key = name.rpartition(".")
    return (key or name) in (data.get(group) or {} if group else data)


def _form(ctx: Context, values: dict, brief: dict | None) -> dict:
    directors = [p["name"] for p in people.people(ctx) if "director" in p["roles"]]
    return {
        "values": values,
        "brief": brief,
        "choices": CHOICES,
        "directors": directors,
        "lists": LISTS,
        "check": checklist(values),
    }


@router.get("/briefs/new")
def new_page(request: Request) -> Response:
    return render.shown(
        request,
        "intake.html",
        lambda ctx: _form(ctx, {"director": ctx.actor.name} if "director" in ctx.actor.roles else {}, None),
    )


@router.get("/briefs/{brief_id:int}/edit")
def edit_page(request: Request, brief_id: int) -> Response:
    def build(ctx: Context) -> dict:
        brief = briefs.show(ctx, brief_id)
        return _form(ctx, form_values(brief["spec"]), brief)

    return render.shown(request, "intake.html", build)


# these three read a form of the brief's own field names (``constraints.palette``, ``prompt.*``): they
# await it here, then sign in, check and store in the thread pool, never on the event loop
@router.post("/briefs/checklist")
async def live_checklist(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(
        render.acted, request, lambda ctx: render.fragment("_checklist.html", check=checklist(form))
    )


def _stored(brief: dict) -> Response:
    return Response(status_code=201, headers={"HX-Redirect": f"/briefs/{brief['id']}"})


@router.post("/briefs")
async def open_brief(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(
        render.acted, request, lambda ctx: _stored(briefs.open_brief(ctx, validate(spec_data(form), "the brief")))
    )


@router.post("/briefs/{brief_id:int}")
async def replace_brief(request: Request, brief_id: int) -> Response:
    form = await request.form()
    return await run_in_threadpool(
        render.acted,
        request,
        lambda ctx: _stored(briefs.replace_brief(ctx, brief_id, validate(spec_data(form), "the brief"))),
    )
