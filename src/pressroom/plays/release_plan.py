"""A release's plan: what it will write, seen before it writes it, then queued as a job.

The preview: for each approved image, the master and each
channel's rendition with its crop box and how far it is enlarged, and a warning where a rendition
is upscaled more than twice (a 128 px master blown up to a 1080 px post), where its crop cuts into
a face the pre-check finds (a face box reaching outside the crop) and where it cuts into the subject
(more than a tenth of the saliency box outside the crop: ``checks.saliency``). Nothing is written.

The release queued runs as a job (kind ``release``) with live progress: a worker writes the
files, each counted as it is signed and recorded; a file written before is kept, not written
again, so a release cut short is finished by queuing it again."""

from __future__ import annotations

from sqlalchemy import select

from pressroom.checks import faces, saliency
from pressroom.context import Context
from pressroom.jobs import kinds, landing, queue
from pressroom.jobs.queue import Job
from pressroom.ledger.tables import Release
from pressroom.plays import releases
from pressroom.store import imagefiles, renditions
from pressroom.store.studio import Studio

KIND = "release"
UPSCALE_WARN = 2.0  # a rendition enlarged more than this many times is flagged
SUBJECT_CUT = 0.1  # a crop leaving out more than this share of the subject box is flagged


def _cut(box: list[int], found: list[tuple[int, int, int, int]]) -> int:
    """How many face boxes (x, y, w, h) reach outside the crop ``box`` (left, top, right, bottom)."""
    left, top, right, bottom = box
    return sum(x < left or y < top or x + w > right or y + h > bottom for x, y, w, h in found)


def preview(
    ctx: Context, brief_id: int, channel_names: list[str] | None, formats: list[str] | None, *, look: bool = True
) -> dict:
    """Each approved image with its renditions (channel, crop box, enlargement, formats, warnings)
    and how many files the release would write (those released before are not written again).
    Without ``look`` no image is opened (no face or subject warnings): the count and the crops alone."""
    releases.keeper(ctx.actor)
    chosen, formats = releases.choices(ctx.studio, channel_names, formats)
    with ctx.unit() as session:
        found = releases.candidates(ctx.studio, session, brief_id)
        query = select(Release.generation_id, Release.rendition, Release.format).where(Release.brief_id == brief_id)
        done = {tuple(row) for row in session.execute(query)}
    images, to_write, warned = [], 0, 0
    for item in found:
        row = item.row
        seen, subject = [], None
        if look:
            picture = imagefiles.load(row.path(ctx.studio), f"image #{row.id}'s file").convert("RGB")
            seen, subject = faces.detect(picture), saliency.box(picture)
        master_new = (row.id, "master", "png") not in done
        to_write += master_new
        shown = []
        for channel in chosen:
            box = renditions.fit(row.width, row.height, channel)[0].params["box"]
            scale = round(channel.width / (box[2] - box[0]), 2)
            warnings = []
            if scale > UPSCALE_WARN:
                warnings.append(
                    f"upscaled {scale:g}× from {box[2] - box[0]} px to {channel.width} px: the file will look soft"
                )
            cut = _cut(box, seen)
            if cut:
                warnings.append(f"the crop cuts into {cut} face{'s' if cut > 1 else ''}")
            if subject and (share := saliency.outside(box, subject)) > SUBJECT_CUT:
                warnings.append(f"the crop leaves out {share:.0%} of the subject")
            new = [f for f in formats if (row.id, channel.name, f) not in done]
            to_write += len(new)
            warned += bool(warnings)
            shown.append(
                {
                    "channel": channel.name,
                    "width": channel.width,
                    "height": channel.height,
                    "box": box,
                    "scale": scale,
                    "formats": formats,
                    "new": new,
                    "warnings": warnings,
                }
            )
        images.append(
            {
                "image": row.id,
                "width": row.width,
                "height": row.height,
                "alt_text": item.alt_text,
                "master_new": master_new,
                "renditions": shown,
            }
        )
    return {"brief": brief_id, "images": images, "files": to_write, "warnings": warned}


def submit(ctx: Context, brief_id: int, channel_names: list[str] | None, formats: list[str] | None) -> Job:
    """Queue the release as a job (checked now: the keeper, the channels and formats, what is approved)."""
    planned = preview(ctx, brief_id, channel_names, formats, look=False)  # the checks and the count
    chosen, formats = releases.choices(ctx.studio, channel_names, formats)
    payload = {"brief": brief_id, "channels": [c.name for c in chosen], "formats": formats}
    return queue.enqueue(
        ctx.studio,
        KIND,
        payload,
        key=queue.request_key(KIND, payload),
        requester=ctx.actor,
        total=planned["files"],
        fresh=True,
    )


@kinds.handles(KIND)
def run_job(studio: Studio, job: Job, lease: queue.Lease) -> dict:
    """The worker's handler: the release, each file counted as it is written."""
    request = job.payload
    with studio.session() as session:
        actor = landing.requester(session, job, "keeper", "release images")

    def progress(_total: int, _row) -> None:
        with studio.session() as session:
            lease.hold(session)
        if lease.on_progress is not None:
            lease.on_progress(lease.done, lease.total)

    written = releases.release(
        Context(studio, actor), request["brief"], request["channels"], request["formats"], progress=progress
    )
    return {"brief": request["brief"], "assets": [r.id for r in written], "made": len(written)}
