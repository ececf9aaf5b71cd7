"""The making plays: concept sprint, rank, direction, lock, volume (a job), cull, and jobs."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from ... import concepts, culls, generations, lockin, volume
from ...jobs import queue
from ..auth import Ctx
from .files import image, public

router = APIRouter(prefix="/api", tags=["plays"])


class Sprint(BaseModel):
    styles: list[str]
    per_style: int | None = None
    steps: int | None = None
    models: list[str] | None = None
    seed: int = 1


class Ranking(BaseModel):
    generations: list[int] = Field(description="Candidates, best first.")


class Direction(BaseModel):
    generation: int


class Lock(BaseModel):
    from_generation: int | None = None
    template: str | None = None
    slot: str = "subject"
    seed: int | None = None
    steps: int | None = None
    guidance: float | None = None
    width: int | None = None
    height: int | None = None
    scheduler: str | None = None
    negative: str | None = None


class Volume(BaseModel):
    vary: list[str] = Field(description="SLOT=VALUE, one per value of the declared slot.")
    seeds: int = 4
    batch_size: int | None = None
    check: bool = False


class Cull(BaseModel):
    generations: list[int]
    keep: bool
    reason: str = ""


@router.post("/briefs/{brief_id}/concepts", status_code=201)
def sprint(brief_id: int, body: Sprint, ctx: Ctx) -> dict:
    """Concept sprint: cheap variations across 3 to 5 styles (runs to the end before answering)."""
    result = concepts.sprint(ctx, brief_id, body.styles, per_style=body.per_style, steps=body.steps,
                             model_names=body.models, seed=body.seed)
    return {"brief": brief_id, "generations": [image(ctx, row.summary(ctx.studio)) for row in result.rows],
            "contact_sheet": public(ctx, str(result.sheet)), "warnings": result.warnings}


@router.post("/briefs/{brief_id}/rank")
def rank(brief_id: int, body: Ranking, ctx: Ctx) -> list[dict]:
    return concepts.rank(ctx, brief_id, body.generations)


@router.post("/briefs/{brief_id}/direction")
def direction(brief_id: int, body: Direction, ctx: Ctx) -> dict:
    return public(ctx, concepts.approve_direction(ctx, brief_id, body.generation))


@router.post("/briefs/{brief_id}/lock", status_code=201)
def lock(brief_id: int, body: Lock, ctx: Ctx) -> dict:
    """Lock-in pass: the hero at final settings, reproduced in a fresh pipeline; a failed lock is a result."""
    result = lockin.lock(ctx, brief_id, **body.model_dump())
    return {**public(ctx, result.as_dict()), "warnings": result.warnings}


@router.post("/recipes/{recipe_id}/volume", status_code=202)
def run_volume(recipe_id: int, body: Volume, response: Response, ctx: Ctx) -> dict:
    """Queue a volume run (checked now, run by `pressroom worker`); follow it at /api/jobs/{id}."""
    job = volume.submit(ctx, recipe_id, body.vary, body.seeds, batch_size=body.batch_size, prechecks=body.check)
    response.headers["Location"] = f"/api/jobs/{job.id}"
    return job_doc(job)


def job_doc(job: queue.Job) -> dict:
    doc = job.as_dict()
    return {"job": doc.pop("id"), **{key: doc[key] for key in ("kind", "state", "progress", "attempts", "requester",
                                                              "result", "error", "created_at", "updated_at")}}


@router.get("/jobs/{job_id}")
def job(job_id: int, ctx: Ctx) -> dict:
    return job_doc(queue.get(ctx.studio, job_id))


@router.get("/jobs")
def jobs(ctx: Ctx) -> list[dict]:
    return [job_doc(row) for row in queue.listing(ctx.studio)]


@router.get("/images")
def images(ctx: Ctx, brief: int | None = None, recipe: int | None = None, status: str | None = None,
           limit: int | None = None) -> list[dict]:
    """Images, newest first: a brief's, a recipe's, by cull status."""
    return [image(ctx, doc) for doc in generations.images(ctx, limit, brief_id=brief, recipe_id=recipe, status=status)]


@router.post("/cull")
def cull(body: Cull, ctx: Ctx) -> list[dict]:
    return public(ctx, culls.cull(ctx, body.generations, keep=body.keep, reason=body.reason))
