"""The queue as the front ends see it: listing, following and cancelling jobs, and starting a
worker that runs them (the queue itself, its leases and the worker are ``pressroom.jobs``)."""

from __future__ import annotations

from collections.abc import Callable

from pressroom.context import Context
from pressroom.jobs import queue
from pressroom.ledger.tables import Job

FINISHED = queue.FINISHED  # the states a job ends in


def listing(ctx: Context) -> list[Job]:
    """Every job, oldest first."""
    return queue.listing(ctx.studio)


def get(ctx: Context, job_id: int) -> Job:
    """One job; NotFound if there is none."""
    return queue.get(ctx.studio, job_id)


def cancel(ctx: Context, job_id: int) -> Job:
    """Cancel a queued job, or a running one: its worker stops after the image in flight."""
    return queue.cancel(ctx.studio, job_id)


def shown(job: Job) -> dict:
    """A job as the API shows it: its id as ``job``, its state and progress, and its result
    without the notes a running job keeps of what it has done."""
    doc = job.as_dict()
    result = {key: value for key, value in doc["result"].items() if key != queue.RECORDED} if doc["result"] else None
    return {
        "job": doc.pop("id"),
        **{
            key: doc[key]
            for key in ("kind", "state", "progress", "attempts", "requester", "error", "created_at", "updated_at")
        },
        "result": result,
    }


def landed(job: Job) -> list[int]:
    """The images a job has landed so far, in the order it noted them."""
    ids = [value for value in queue.recorded(job).values() if isinstance(value, int) and not isinstance(value, bool)]
    return list(dict.fromkeys(ids))  # (a fix notes its derivative twice: the image, then its event)


def work(
    ctx: Context,
    *,
    until_idle: bool = False,
    ray: str | None = None,
    actors: int | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> int:
    """Claim and run queued jobs until stopped (or, ``until_idle``, until none is left); with
    ``ray``, volume images render on a pool of ``actors`` Ray actors (default: one per GPU) in the
    cluster at that address. The number of jobs run."""
    import pressroom.plays  # noqa: F401 - the plays register the kinds of job they own
    from pressroom.jobs import worker

    pool = None
    if ray is not None:
        from pressroom.jobs import raypool

        pool = raypool.start(ctx.studio.root, address=ray, actors=actors)
        for member in pool.members:
            log(f"{member.name}: {member.device.get('device')} on {member.device.get('host')}")
    try:
        return worker.serve(ctx.studio, until_idle=until_idle, log=log, pool=pool)
    finally:
        if pool is not None:
            pool.close()
