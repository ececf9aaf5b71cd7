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

A worker rides out its ledger being away (``ledger.db.away``: a database server restarting, a
connection cut, a read-only ledger): ``Outage`` logs one line as it begins and one as it ends, and
retries what failed with a growing wait in between. A job whose handler met the outage keeps its
lease and is run again from what it recorded, as a killed worker's job is, so an image whose
transaction failed is made again once and never twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from pressroom.errors import LedgerAway, PressroomError
from pressroom.jobs import kinds, queue
from pressroom.ledger import db
from pressroom.ledger.tables import Job, Worker
from pressroom.store.studio import Studio

T = TypeVar("T")
FIRST_WAIT_S, LONGEST_WAIT_S = 0.5, 10.0  # the wait before trying the ledger again, doubled each time up to this


class Outage:
    """The ledger being away, as a worker rides it out: ``ride(step)`` runs ``step`` until it gets
    through, waiting between tries; the first failure of an outage logs one line, the first
    success after it another, and nothing is logged in between."""

    def __init__(self, log: Callable[[str], None] = lambda line: None) -> None:
        self.log = log
        self.since: float | None = None

    def begin(self, exc: LedgerAway, waiting: str = "the worker waits for it") -> None:
        if self.since is None:
            self.since = time.monotonic()
            self.log(f"{db.away_message(exc)}: {waiting}")

    def end(self) -> None:
        if self.since is not None:
            self.log(f"the ledger is back after {time.monotonic() - self.since:.1f} s; the worker goes on")
            self.since = None

    def ride(self, step: Callable[[], T], waiting: str = "the worker waits for it") -> T:
        wait = FIRST_WAIT_S
        while True:
            try:
                value = step()
            except LedgerAway as exc:
                self.begin(exc, waiting)
                time.sleep(wait)
                wait = min(wait * 2, LONGEST_WAIT_S)
                continue
            self.end()
            return value


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
    outage = Outage(log)
    outage.ride(lambda: _beat(studio, owner, None, started=True))
    ran = 0
    try:
        while True:
            # idle is judged before the reclaim: a lease that runs out after the look is taken back
            # below, never left behind by a worker that ends in between (found by a killed worker's test)
            idle = until_idle and not outage.ride(lambda: queue.pending(studio))
            for job in outage.ride(lambda: queue.reclaim(studio)):
                log(f"job {job.id}: its worker stopped; {job.state}")
                idle = False
            for work in kinds.chores():  # between jobs: deliveries that wait (the outbox)
                outage.ride(lambda work=work: work(studio, log))
            job = outage.ride(lambda: queue.claim(studio, owner))
            if job is not None:
                log(f"job {job.id} ({job.kind}): running, attempt {job.attempts}")
                state = execute(
                    studio,
                    job,
                    owner,
                    on_beat=lambda: _beat(studio, owner, job.id),
                    pool=pool,
                    share=True,
                    outage=outage,
                )
                log(f"job {job.id}: {state}")
                ran += 1
                if pool is not None:
                    pool.check()  # a worker whose actors are all gone stops
            elif idle:
                return ran
            else:
                time.sleep(poll_s)
            outage.ride(lambda: _beat(studio, owner, None))
    finally:
        try:
            with studio.session() as session:
                session.execute(delete(Worker).where(Worker.id == owner))
        except LedgerAway as exc:  # stopping while the ledger is away: the row ages out (``live``)
            log(f"{db.away_message(exc)}: the worker stops without removing its row")


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
    outage: Outage | None = None,
) -> str:
    """Run a claimed job to its end here; returns done, failed, queued (to retry), cancelled,
    yielded (back in the queue for its turn) or lost. ``pool`` and ``share``: see ``queue.Lease``.

    ``outage``: ride out the ledger being away (a worker does): the job keeps its lease and its
    handler runs again from what it recorded once the ledger is back, or the job is lost if another
    worker took it over meanwhile. Without it (a command running its own job), ``LedgerAway``
    reaches the caller, the job left under its lease for the next worker to take back."""
    lease = queue.Lease(studio, job.id, owner, on_progress=progress, pool=pool, share=share)
    ride = outage.ride if outage is not None else _once
    try:
        while True:
            try:
                with _heartbeat(queue.settings(studio).lease_s / 3, lease, on_beat):
                    outcome = kinds.handler(job.kind)(studio, job, lease)
                break
            except LedgerAway as exc:
                if outage is None:
                    raise
                outage.begin(exc, f"job {job.id} waits for it under its lease, then goes on from what it recorded")
                if not outage.ride(lease.beat):  # the first write that gets through renews the lease
                    return "lost"  # another worker took the job over while the ledger was away
    except queue.LeaseLost:
        return "lost"
    except queue.Cancelled:
        ride(lambda: queue.stop(studio, job.id, owner))
        return "cancelled"
    except queue.Yielded:
        ride(lambda: queue.release(studio, job.id, owner))
        return "yielded"
    except KeyboardInterrupt:
        try:
            queue.release(studio, job.id, owner)
        except LedgerAway:
            pass  # the lease runs out and another worker takes the job back
        raise
    except LedgerAway:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of a job is recorded on the job
        # a PressroomError is the user's to fix (a refusal, a missing recipe): retrying cannot help
        ours = isinstance(exc, PressroomError)
        line, kind, field = one_line(exc), type(exc).__name__ if ours else None, exc.field if ours else None
        return ride(lambda: queue.fail(studio, job.id, owner, line, retry=not ours, kind=kind, field=field)) or "lost"
    return "done" if ride(lambda: queue.complete(studio, job.id, owner, {**outcome, "worker": owner})) else "lost"


def _once(step: Callable[[], T]) -> T:
    return step()


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
            except (SQLAlchemyError, LedgerAway):  # a busy or absent ledger: try again next time; the
                continue  # lease tells if it was too long

    thread = threading.Thread(target=beat, name=f"heartbeat-job-{lease.job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
