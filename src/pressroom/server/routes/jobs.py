"""Jobs: their state and progress, and a server-sent-events stream of a job as it runs.

``GET /api/jobs/{id}/events`` (text/event-stream) sends ``progress`` when the count of work done
changes, ``image`` for each image the job lands (its id and URL, once each, those landed before
the stream opened first), and ``end`` with the finished job, then closes. While the ledger is
away the stream stays open and sends nothing new until it is back.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from pressroom.errors import LedgerAway
from pressroom.plays import images as image_plays
from pressroom.plays import jobs as job_plays
from pressroom.plays.jobs import Job
from pressroom.server import away
from pressroom.server.auth import Ctx
from pressroom.server.routes.files import image

router = APIRouter(prefix="/api/jobs", tags=["jobs"])
POLL_S = 0.25  # how often a stream looks at its job in the ledger


def queued(job: Job, response: Response) -> dict:
    """The answer to a play that queued a job: 202, the job, and where to follow it."""
    response.headers["Location"] = f"/api/jobs/{job.id}"
    return job_plays.shown(job)


@router.get("")
def jobs(ctx: Ctx) -> list[dict]:
    return [job_plays.shown(row) for row in job_plays.listing(ctx)]


@router.get("/{job_id}")
def job(job_id: int, ctx: Ctx) -> dict:
    return job_plays.shown(job_plays.get(ctx, job_id))


def _event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


@router.get(
    "/{job_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "progress, image and end events until the job ends"}
    },
)
async def events(job_id: int, request: Request, ctx: Ctx) -> StreamingResponse:
    """Follow a job live: its progress, each image as it lands, and its end."""
    first = await run_in_threadpool(job_plays.get, ctx, job_id)  # an unknown job is a 404, not a stream

    def images(ids: list[int]) -> list[dict]:
        return [image(ctx, doc) for doc in image_plays.landed(ctx, ids)]

    async def through(asked):
        """What ``asked()`` (a call handed to the thread pool) answers; with the ledger away, asked
        again once it may be back (the stream has begun: it waits and sends nothing meanwhile)."""
        while True:
            try:
                return await asked()
            except LedgerAway as exc:
                away.OUTAGE.met(exc)
                await asyncio.sleep(exc.retry_after_s)

    async def stream() -> AsyncIterator[str]:
        job, sent, last = first, set(), None
        while True:
            new = [i for i in job_plays.landed(job) if i not in sent]
            for doc in await through(lambda: run_in_threadpool(images, new)) if new else []:
                sent.add(doc["id"])
                yield _event(
                    "image",
                    {"job": job_id, "id": doc["id"], "url": doc["url"], "sha256": doc["sha256"], "seed": doc["seed"]},
                )
            now = (job.state, job.progress_done, job.progress_total)
            if now != last:
                last = now
                yield _event(
                    "progress",
                    {"job": job_id, "state": job.state, "done": job.progress_done, "total": job.progress_total},
                )
            if job.state in job_plays.FINISHED:
                yield _event("end", job_plays.shown(job))
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(POLL_S)
            job = await through(lambda: run_in_threadpool(job_plays.get, ctx, job_id))

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
