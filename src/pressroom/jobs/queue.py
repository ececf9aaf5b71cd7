"""The job queue: work as plain data in the ledger, claimed under a lease by any worker.

A job is a kind (``volume``, ``concept``, ``lock``, ``fix``), a payload of plain data (ids, names,
slot values, seeds, files by SHA-256: never a local path or an image) and an idempotency key.
Enqueuing a key that is queued or running returns that job; enqueuing the key of a finished job
runs it again, so handlers must make only what is missing (each records what it has done on the
job as it goes: ``Lease.once``). With ``fresh``, a key whose job is done makes a new job instead
(asking for a concept sprint again, once the first has finished, is another sprint).

States: queued -> running -> done | failed | cancelled. A running job goes back to queued when
its handler fails with a retryable error (at most ``[jobs] max_attempts`` attempts in all) or
when its worker stops heartbeating (killed, frozen, its host gone) and the lease of
``[jobs] lease_seconds`` runs out; a lease held by a process that is gone from this machine is
taken back at once. The lease is checked inside every transaction that records work for the job
(``Lease.hold``), so a worker that lost its job can never record anything for it again.
Claims are serialised with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and an immediate
transaction on SQLite.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from pressroom import errors
from pressroom.errors import JobFailed, JobStateError, StudioError
from pressroom.ledger import db, rows
from pressroom.ledger.tables import Job
from pressroom.store.studio import CONFIG_NAME, Studio

if TYPE_CHECKING:
    from pressroom.context import Actor

T = TypeVar("T")

STATES = ("queued", "running", "done", "failed", "cancelled")
FINISHED = ("done", "failed", "cancelled")


class LeaseLost(Exception):
    """The job is no longer leased to this worker: another took it over. Control flow, not a user error."""


class Cancelled(Exception):
    """The job was cancelled while it ran; the worker stops after the image in flight."""


class Yielded(Exception):
    """The job stepped aside between batches for another person's job: it goes back to the queue
    with what it recorded, its attempt not counted."""


# -- settings and identities ------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    lease_s: float
    max_attempts: int


def settings(studio: Studio) -> Settings:
    """``[jobs]`` in pressroom.toml: ``lease_seconds`` (default 60), ``max_attempts`` (default 3)."""
    section = studio.config.get("jobs", {})
    lease = section.get("lease_seconds", 60)
    attempts = section.get("max_attempts", 3)
    where = f"in {studio.root / CONFIG_NAME}"
    if isinstance(lease, bool) or not isinstance(lease, (int, float)) or lease <= 0:
        raise StudioError(f"[jobs] lease_seconds {where} must be a number of seconds above 0 (got {lease!r})")
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise StudioError(f"[jobs] max_attempts {where} must be a whole number of at least 1 (got {attempts!r})")
    return Settings(float(lease), attempts)


@lru_cache(maxsize=1)
def _machine() -> str:
    """This machine: its host name and boot id (containers on one host share the boot id, not the name)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
    except OSError:
        boot = "-"
    return f"{socket.gethostname()}/{boot}"


def owner_id() -> str:
    """A name for one process's claims: machine, process id and a random part."""
    return f"{_machine()}:{os.getpid()}:{secrets.token_hex(4)}"


def gone(owner: str | None) -> bool:
    """True when ``owner`` was a process on this machine that no longer runs."""
    machine, _, rest = (owner or "").rpartition(":")[0].rpartition(":")
    if machine != _machine() or not rest.isdigit():
        return False
    try:
        os.kill(int(rest), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


# -- the queue ----------------------------------------------------------------------------------
def request_key(kind: str, request: dict) -> str:
    """The idempotency key of a request: the same request (as plain data) is the same key."""
    return f"{kind}:" + hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()


def enqueue(
    studio: Studio,
    kind: str,
    payload: dict,
    *,
    key: str,
    requester: Actor,
    total: int = 0,
    done: int = 0,
    fresh: bool = False,
) -> Job:
    """Queue a job, or return the one with this key (queued again if it had finished).

    A job queued again keeps what it recorded unless it was done. With ``fresh``, a done job keeps
    its record (its key becomes ``KEY#ID``) and a new job takes the key.
    """
    now = _now()
    try:
        with studio.session() as session:
            db.begin_immediate(session)
            job = session.scalars(select(Job).where(Job.idempotency_key == key).with_for_update()).first()
            if job is not None and fresh and job.state == "done":
                job.idempotency_key = f"{key}#{job.id}"
                session.flush()
                job = None
            if job is None:
                job = Job(
                    kind=kind,
                    idempotency_key=key,
                    payload=payload,
                    state="queued",
                    attempts=0,
                    requester=requester.name,
                    requester_id=requester.id,
                    progress_done=done,
                    progress_total=total,
                    created_at=now,
                    updated_at=now,
                )
                session.add(job)
                session.flush()
            elif job.state in FINISHED:
                if job.state == "done":
                    job.result = None
                job.state, job.attempts, job.requester, job.requester_id = "queued", 0, requester.name, requester.id
                job.progress_done, job.progress_total, job.error, job.updated_at = done, total, None, now
            return job
    except IntegrityError:  # a concurrent enqueue of the same key committed first (PostgreSQL)
        with studio.session() as session:
            return session.scalars(select(Job).where(Job.idempotency_key == key)).one()


def get(studio: Studio, job_id: int) -> Job:
    with studio.session() as session:
        job = session.get(Job, job_id)
    if job is None:
        raise rows.missing(Job, job_id)
    return job


def listing(studio: Studio) -> list[Job]:
    with studio.session() as session:
        return list(session.scalars(select(Job).order_by(Job.id)))


def claim(studio: Studio, owner: str, *, job_id: int | None = None) -> Job | None:
    """Take a queued job (or job ``job_id`` if it is queued) under a fresh lease.

    Round-robin between the people who asked: the oldest queued job of the requester served
    least recently (a worker last worked on one of their jobs longest ago, or never), so one
    person's long run and another's sprint take turns (a volume run steps aside between batches
    when someone else's job waits: ``landing.land``).

    A running job already leased to ``owner`` is taken again (its lease renewed, no attempt
    counted): a claim whose COMMIT the ledger received but whose answer the connection lost (the
    ledger went away at that moment; the worker tried again) is not left to run out its lease."""
    lease = timedelta(seconds=settings(studio).lease_s)
    other = aliased(Job)
    served = (
        select(func.max(other.heartbeat_at))
        .where(other.requester_id.is_not_distinct_from(Job.requester_id))
        .correlate(Job)
        .scalar_subquery()
    )
    with studio.session() as session:
        db.begin_immediate(session)
        query = (
            select(Job)
            .where(Job.state == "queued")
            .order_by(served.asc().nulls_first(), Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if job_id is not None:
            query = query.where(Job.id == job_id)
        held = session.scalars(select(Job).where(Job.state == "running", Job.lease_owner == owner).limit(1)).first()
        if held is not None:
            now = _now()
            held.lease_expires_at, held.heartbeat_at, held.updated_at = now + lease, now, now
            return held
        job = session.scalars(query).first()
        if job is not None:
            now = _now()
            job.state, job.attempts, job.lease_owner = "running", job.attempts + 1, owner
            job.lease_expires_at, job.heartbeat_at, job.updated_at = now + lease, now, now
        return job


def reclaim(studio: Studio) -> list[Job]:
    """Queue again the running jobs whose lease ran out or whose process is gone from this machine;
    a job that has had its attempts fails instead. Returns them."""
    limit = settings(studio).max_attempts
    with studio.session() as session:
        db.begin_immediate(session)
        now = _now()
        stale = or_(Job.lease_expires_at <= now, Job.lease_owner.startswith(_machine() + ":"))
        running = session.scalars(select(Job).where(Job.state == "running", stale).with_for_update(skip_locked=True))
        taken = [job for job in running if _utc(job.lease_expires_at) <= now or gone(job.lease_owner)]
        for job in taken:
            job.error = f"its worker {job.lease_owner} stopped (attempt {job.attempts})"
            job.state = "queued" if job.attempts < limit else "failed"
            _unlease(job, now)
        return taken


def pending(studio: Studio) -> bool:
    """Whether any job is queued, or running under a live lease."""
    with studio.session() as session:
        now = _now()
        live = or_(Job.state == "queued", and_(Job.state == "running", Job.lease_expires_at > now))
        return session.scalar(select(func.count()).select_from(Job).where(live)) > 0


def cancel(studio: Studio, job_id: int) -> Job:
    """Cancel a queued job, or a running one: its worker stops after the image in flight."""
    with studio.session() as session:
        db.begin_immediate(session)
        job = rows.get(session, Job, job_id, with_for_update=True)
        if job.state in FINISHED:
            raise JobStateError(f"job {job_id} is {job.state} already; only a queued or running job can be cancelled")
        job.state, job.updated_at = "cancelled", _now()
        return job


def result(job: Job) -> dict:
    """A finished job's result; its failure or cancellation as an error."""
    if job.state == "done":
        return job.result or {}
    if job.state == "cancelled":
        raise JobFailed(
            f"job {job.id} ({job.kind}) was cancelled after {job.progress_done} of "
            f"{job.progress_total}; run the command again to finish it"
        )
    kind = getattr(errors, (job.result or {}).get("error_kind") or "", None)
    if isinstance(kind, type) and issubclass(kind, errors.PressroomError) and not issubclass(kind, JobFailed):
        raise kind(job.error or f"job {job.id} ({job.kind}) failed", field=(job.result or {}).get("error_field"))
    raise JobFailed(f"job {job.id} ({job.kind}) {job.state} after {job.attempts} attempt(s): {job.error}")


# -- the worker's side of a lease ---------------------------------------------------------------
@dataclass
class Lease:
    """A claimed job as its worker sees it: hold it while recording work, report progress."""

    studio: Studio
    job_id: int
    owner: str
    on_progress: Callable[[int, int], None] | None = None
    pool: Any = None  # the worker's Ray actor pool (``jobs.raypool.Pool``); None renders in this process
    share: bool = False  # a worker that takes turns: long runs step aside for others (``landing.land``)
    cancelled: bool = False
    done: int = 0
    total: int = 0

    def hold(self, session: Session, advance: int = 1) -> Job:
        """In a transaction that records work for the job: make sure the job is still ours (else
        LeaseLost), extend the lease and count ``advance`` units of work done."""
        job = session.get(Job, self.job_id, with_for_update=True)
        if job is None or job.lease_owner != self.owner or job.state not in ("running", "cancelled"):
            raise LeaseLost(f"job {self.job_id} is no longer leased to {self.owner}")
        now = _now()
        job.progress_done += advance
        job.lease_expires_at = now + timedelta(seconds=settings(self.studio).lease_s)
        job.heartbeat_at = job.updated_at = now
        self.cancelled = job.state == "cancelled"
        self.done, self.total = job.progress_done, job.progress_total
        return job

    def recorded(self) -> dict:
        """What this job recorded as done, by key (see ``once``), earlier attempts included."""
        with self.studio.session() as session:
            job = session.get(Job, self.job_id)
            return recorded(job) if job is not None else {}

    def record(self, job: Job, key: str, value) -> None:
        """Note ``key`` as done (with a plain ``value``) on the job held in this transaction."""
        job.result = {RECORDED: {**recorded(job), key: value}}

    def once(self, key: str, step: Callable[[Session], T], *, advance: int = 0) -> T:
        """Run ``step(session)`` in a transaction that holds the lease and notes ``key`` as done with
        the plain value it returns, unless an attempt before this one did: then return that value."""
        with self.studio.session() as session:
            db.begin_immediate(session)
            job = self.hold(session, advance=0)
            done = recorded(job)
            if key in done:
                return done[key]
            value = step(session)
            job = self.hold(session, advance=advance)
            self.record(job, key, value)
        self.landed()
        return value

    def others_waiting(self) -> bool:
        """Whether a job of someone other than this job's requester is queued."""
        with self.studio.session() as session:
            mine = select(Job.requester_id).where(Job.id == self.job_id).scalar_subquery()
            waiting = (
                select(func.count())
                .select_from(Job)
                .where(Job.state == "queued", Job.requester_id.is_distinct_from(mine))
            )
            return session.scalar(waiting) > 0

    def beat(self) -> bool:
        """Extend the lease in a transaction of its own; False once the job is no longer ours."""
        try:
            with self.studio.session() as session:
                db.begin_immediate(session)
                self.hold(session, advance=0)
        except LeaseLost:
            return False
        return True

    def progress(self, done: int, total: int) -> None:
        with self.studio.session() as session:
            db.begin_immediate(session)
            job = self.hold(session, advance=0)
            job.progress_done, job.progress_total = self.done, self.total = done, total
        self.landed()

    def landed(self) -> None:
        """After a transaction that held the lease committed: report progress; stop if cancelled."""
        if self.on_progress:
            self.on_progress(self.done, self.total)
        if self.cancelled:
            raise Cancelled(f"job {self.job_id} was cancelled")


RECORDED = "recorded"  # a running job's result: what it has done so far, by key


def recorded(job: Job) -> dict:
    return dict((job.result or {}).get(RECORDED, {}))


def complete(studio: Studio, job_id: int, owner: str, outcome: dict) -> bool:
    """Record a job's outcome; what it recorded as it went (``recorded``) stays beside it, so a
    done job still names every image it landed."""

    def done(job: Job) -> None:
        job.state, job.result, job.error = "done", {**outcome, RECORDED: recorded(job)}, None

    return _settle(studio, job_id, owner, done) is not None


def fail(
    studio: Studio,
    job_id: int,
    owner: str,
    error: str,
    *,
    retry: bool,
    kind: str | None = None,
    field: str | None = None,
) -> str | None:
    """Record a failed attempt: queued again when ``retry`` and attempts remain, else failed.

    ``kind``: the class of pressroom error that failed it (see ``errors``), and ``field`` the input
    it named, so whoever waits on the job gets the same kind of error (and exit code, and the front
    end's hint for the field) as if the play had run in their process."""
    limit = settings(studio).max_attempts

    def failed(job: Job) -> None:
        job.error = error
        if kind:
            job.result = {**(job.result or {}), "error_kind": kind, **({"error_field": field} if field else {})}
        if job.state == "running":
            job.state = "queued" if retry and job.attempts < limit else "failed"

    job = _settle(studio, job_id, owner, failed)
    return job.state if job else None


def release(studio: Studio, job_id: int, owner: str) -> None:
    """Give a job back untouched (its worker was interrupted): queued again, the attempt not counted."""

    def back(job: Job) -> None:
        if job.state == "running":
            job.state, job.attempts = "queued", job.attempts - 1

    _settle(studio, job_id, owner, back)


def stop(studio: Studio, job_id: int, owner: str) -> None:
    """Let go of a job that was cancelled while it ran."""
    _settle(studio, job_id, owner, lambda job: None)


def _settle(studio: Studio, job_id: int, owner: str, change: Callable[[Job], None]) -> Job | None:
    """Apply ``change`` and drop the lease, if the job is still leased to ``owner``."""
    with studio.session() as session:
        db.begin_immediate(session)
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.lease_owner != owner:
            return None
        change(job)
        _unlease(job, _now())
        return job


def _unlease(job: Job, now: datetime) -> None:
    job.lease_owner = job.lease_expires_at = None
    job.updated_at = now


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without their zone; every one pressroom writes is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _iso(value: datetime | None) -> str | None:
    return _utc(value).isoformat() if value is not None else None
