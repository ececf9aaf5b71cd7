"""What every generation job's handler shares: acting as its requester, and landing its images.

A handler lands each image in a transaction of its own that holds the job's lease and notes the
image on the job (``Lease.record``) with its row: a worker killed mid-job leaves a job whose next
attempt makes only the images not noted yet, every image exactly once, and sweeps the files a
killed attempt wrote but never recorded. Steps after the images (a contact sheet, a lock, an
event) go through ``Lease.once`` so that they, too, happen once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pressroom.domain.recipes import Recipe
from pressroom.jobs import generations, queue
from pressroom.ledger import actors
from pressroom.ledger.tables import Generation, Job
from pressroom.store.studio import Studio

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from pressroom.context import Actor


def requester(session: Session, job: Job, role: str, action: str) -> Actor:
    """The person the job acts as (the one who asked for it), if they still hold ``role``."""
    return actors.by_id(session, job.requester_id, "worker").require(role, action)


@dataclass
class Landed:
    ids: dict[str, int]  # the generation id of every key landed, by this attempt or an earlier one
    made: list[Generation]  # the images this attempt made


def land(
    studio: Studio,
    lease: queue.Lease,
    recipes: Sequence[Recipe],
    labels: Sequence[dict],
    keys: Sequence[str],
    *,
    batch_size: int = 1,
    done: int = 0,
    wanted: Callable[[Session, Generation], bool] | None = None,
    each: Callable[[Generation], None] | None = None,
    renderer: generations.Renderer | None = None,
    step_aside: bool = False,
) -> Landed:
    """Make the images of ``recipes`` (each named on the job by its key) that the job has not noted.

    ``done``: images of the job's plan made before it (counted in its progress, not in
    ``recipes``). ``wanted(session, row)``: False skips an image made elsewhere meanwhile.
    ``each(row)`` runs once an image's transaction has committed. ``renderer``: where the images
    are rendered (see ``generations.generate``). With ``step_aside``, under a worker that shares
    (``Lease.share``), the job goes back to the queue (``queue.Yielded``) after a batch whenever
    another person's job is waiting, so a long run takes turns with the jobs of others.
    """
    if len(set(keys)) != len(keys) or len(keys) != len(recipes):
        raise ValueError(f"{len(keys)} keys ({len(set(keys))} distinct) for {len(recipes)} recipes")
    generations.sweep_orphans(studio)
    ids = {key: value for key, value in lease.recorded().items() if key in keys}
    todo = [i for i, key in enumerate(keys) if key not in ids]
    lease.progress(done + len(ids), done + len(keys))

    def guard(key: str) -> generations.Guard:
        def admit(session, row: Generation) -> bool:
            job = lease.hold(session)
            if key in queue.recorded(job) or (wanted is not None and not wanted(session, row)):
                return False
            session.add(row)
            session.flush()
            lease.record(job, key, row.id)
            ids[key] = row.id
            return True

        return admit

    count = 0

    def landed(row: Generation) -> None:
        nonlocal count
        count += 1
        if each is not None:
            each(row)
        lease.landed()
        between_batches = count % batch_size == 0 and count < len(todo)
        if step_aside and lease.share and between_batches and lease.others_waiting():
            raise queue.Yielded(f"job {lease.job_id} steps aside after {count} image(s) for another person's job")

    made = generations.generate(
        studio,
        [recipes[i] for i in todo],
        batch_size=batch_size,
        labels=[labels[i] for i in todo],
        guard=[guard(keys[i]) for i in todo],
        progress=landed,
        renderer=renderer,
    )
    return Landed(ids, made)


def rows(studio: Studio, ids: Sequence[int]) -> list[Generation]:
    """The generations with these ids, in this order."""
    from sqlalchemy import select

    with studio.session() as session:
        found = {row.id: row for row in session.scalars(select(Generation).where(Generation.id.in_(list(ids))))}
    return [found[i] for i in ids]
