"""Following a queued job on a page: a progress bar and the images as they land, fed by the job's
server-sent events (``/api/jobs/{id}/events``, read by ``static/jobs.js``); what the page does
when the job ends (reload, go to the recipe it made, or offer a link)."""

from __future__ import annotations

from fastapi.responses import HTMLResponse

from pressroom.plays.jobs import Job
from pressroom.server.pages import render


def following(job: Job, *, then: str = "", label: str, done_link: str = "", done_text: str = "") -> HTMLResponse:
    """The fragment that follows ``job``: ``then`` is "reload", a URL (``{recipe}``, ``{generation}``
    stand for what its result names) or empty (stay, and show ``done_text`` linking to ``done_link``)."""
    return render.fragment(
        "_follow.html", 202, job=job.as_dict(), then=then, label=label, done_link=done_link, done_text=done_text
    )
