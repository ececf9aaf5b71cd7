"""The worker: claims queued jobs and runs them, heartbeating its lease while it works.

``serve`` is ``pressroom worker``: it registers in the ``workers`` table (so commands know that
workers are running and leave their jobs to them), takes back jobs whose worker stopped, claims
the next queued job (in turn between the people who asked: ``queue.claim``) and runs its kind's
handler. ``finish`` is what a command does with a job it started: run it in its own process
unless live workers will, and wait for its end either way.

A handler is ``handler(studio, job, lease) -> dict`` (the job's result, plain data). It records
its work in transactions that call ``lease.hold(session)`` (one image per transaction) and calls
``lease.landed()`` after each commits; ``jobs.landing`` does this for images, ``Lease.once`` for
a step after them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from pressroom.errors import PressroomError
from pressroom.jobs import kinds, queue
from pressroom.ledger import db
from pressroom.ledger.tables import Job, Worker
from pressroom.store.studio import Studio


def serve(
    studio: Studio,
    *,
    until_idle: bool = False,
    poll_s: float = 1.0,
    log: Callable[[str], None] = lambda line: None,
    pool=None,
) -> int:
    """Run jobs until interrupted (or, with ``until_idle``, until none is queued or running
    under a live lease); returns how many it ran. Long runs take turns with other people's
    jobs. ``pool``: a Ray actor pool (``jobs.raypool``) that renders volume images."""
    owner = queue.owner_id()
    _beat(studio, owner, None, started=True)
    ran = 0
    try:
        while True:
            # idle is judged before the reclaim: a lease that runs out after the look is taken back
            # below, never left behind by a worker that ends in between (found by a killed worker's test)
            idle = until_idle and not queue.pending(studio)
            for job in queue.reclaim(studio):
                log(f"job {job.id}: its worker stopped; {job.state}")
                idle = False
            job = queue.claim(studio, owner)
            if job is not None:
                log(f"job {job.id} ({job.kind}): running, attempt {job.attempts}")
                state = execute(studio, job, owner, on_beat=lambda: _beat(studio, owner, job.id), pool=pool, share=True)
                log(f"job {job.id}: {state}")
                ran += 1
                if pool is not None:
                    pool.check()  # a worker whose actors are all gone stops
            elif idle:
                return ran
            else:
                time.sleep(poll_s)
            _beat(studio, owner, None)
    finally:
        with studio.session() as session:
            session.execute(delete(Worker).where(Worker.id == owner))


def finish(
    studio: Studio, job_id: int, *, progress: Callable[[int, int], None] | None = None, poll_s: float = 0.5
) -> Job:
    """See a job through: run it here unless live workers will, wait for its end, return it."""
    owner = queue.owner_id()
    while True:
        queue.reclaim(studio)
        job = queue.get(studio, job_id)
        if job.state in queue.FINISHED:
            return job
        if job.state == "queued" and not live(studio):
            claimed = queue.claim(studio, owner, job_id=job_id)
            if claimed is not None:
                try:
                    execute(studio, claimed, owner, progress=progress)
                except KeyboardInterrupt:  # the person who started it stopped it
                    queue.cancel(studio, job_id)
                    raise
                continue
        if progress:
            progress(job.progress_done, job.progress_total)
        time.sleep(poll_s)


def execute(
    studio: Studio,
    job: Job,
    owner: str,
    *,
    progress: Callable[[int, int], None] | None = None,
    on_beat: Callable[[], None] | None = None,
    pool=None,
    share: bool = False,
) -> str:
    """Run a claimed job to its end here; returns done, failed, queued (to retry), cancelled,
    yielded (back in the queue for its turn) or lost. ``pool`` and ``share``: see ``queue.Lease``."""
    lease = queue.Lease(studio, job.id, owner, on_progress=progress, pool=pool, share=share)
    try:
        with _heartbeat(queue.settings(studio).lease_s / 3, lease, on_beat):
            outcome = kinds.handler(job.kind)(studio, job, lease)
    except queue.LeaseLost:
        return "lost"
    except queue.Cancelled:
        queue.stop(studio, job.id, owner)
        return "cancelled"
    except queue.Yielded:
        queue.release(studio, job.id, owner)
        return "yielded"
    except KeyboardInterrupt:
        queue.release(studio, job.id, owner)
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of a job is recorded on the job
        # a PressroomError is the user's to fix (a refusal, a missing recipe): retrying cannot help
        ours = isinstance(exc, PressroomError)
        return (
            queue.fail(
                studio,
                job.id,
                owner,
                one_line(exc),
                retry=not ours,
                kind=type(exc).__name__ if ours else None,
                field=exc.field if ours else None,
            )
            or "lost"
        )
    return "done" if queue.complete(studio, job.id, owner, {**outcome, "worker": owner}) else "lost"


def live(studio: Studio) -> int:
    """How many workers heartbeated within a lease and are not known to be gone."""
    since = datetime.now(UTC) - timedelta(seconds=queue.settings(studio).lease_s)
    with studio.session() as session:
        owners = session.scalars(select(Worker.id).where(Worker.heartbeat_at > since))
        return sum(1 for owner in owners if not queue.gone(owner))


def one_line(exc: BaseException) -> str:
    """An error as one line for the job's record: the message, with its type when it is not ours."""
    text = " ".join(str(exc).split()) or "no message"
    line = text if isinstance(exc, PressroomError) else f"{type(exc).__name__}: {text}"
    return line[:500]


def _beat(studio: Studio, owner: str, job_id: int | None, *, started: bool = False) -> None:
    now = datetime.now(UTC)
    with studio.session() as session:
        db.begin_immediate(session)
        row = session.get(Worker, owner)
        if row is None:
            session.add(Worker(id=owner, job_id=job_id, started_at=now, heartbeat_at=now))
        else:
            row.job_id, row.heartbeat_at = job_id, now
        if started:  # rows of workers that stopped without leaving
            stale = now - timedelta(days=1)
            session.execute(delete(Worker).where(Worker.heartbeat_at < stale))


@contextmanager
def _heartbeat(interval: float, lease: queue.Lease, on_beat: Callable[[], None] | None) -> Iterator[None]:
    """Extend the lease every ``interval`` seconds from a thread while the job runs."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(interval):
            try:
                if not lease.beat():
                    return
                if on_beat:
                    on_beat()
            except SQLAlchemyError:  # a busy ledger: try again next time; the lease tells if it was too long
                continue

    thread = threading.Thread(target=beat, name=f"heartbeat-job-{lease.job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
