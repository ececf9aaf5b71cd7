"""A brief's release page: the library keeper chooses channels and formats and releases; everyone
signed in sees the released files, each with its verify status, DigitalSourceType, alt text and
lineage, and downloads one file or the whole release as a zip."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import StreamingResponse

from pressroom.context import Context
from pressroom.errors import NotFound
from pressroom.plays import briefs, release_plan, releases
from pressroom.server.pages import follow, render

router = APIRouter(include_in_schema=False)
CHUNK = 1 << 20


def named(docs: list[dict]) -> list[dict]:
    """Released files as the pages show them: by the file's name, never the server's path. Each
    file's verify status is asked for as it comes into view (``library.verified``), so a release of
    hundreds of files shows at once."""
    return [{**doc, "name": Path(doc["path"]).name} for doc in docs]


def _files(ctx: Context, brief_id: int) -> list[dict]:
    return named(releases.released(ctx, brief_id))


PAGE = 24  # released files on one page (a release of hundreds stays a short page on a phone)


@router.get("/briefs/{brief_id:int}/release")
def release_page(request: Request, brief_id: int, page: int = 1) -> Response:
    def build(ctx: Context) -> dict:
        brief = briefs.show(ctx, brief_id)
        presets = releases.channels(ctx)
        files = _files(ctx, brief_id)
        pages = max(1, -(-len(files) // PAGE))
        page_ = min(max(1, page), pages)
        return {
            "brief": brief,
            "channels": list(presets.values()),
            "wanted": set((brief["spec"] or {}).get("channels") or []),
            "formats": releases.FORMATS,
            "files": files[(page_ - 1) * PAGE : page_ * PAGE],
            "total": len(files),
            "page": page_,
            "pages": pages,
        }

    return render.shown(request, "release.html", build)


@router.post("/briefs/{brief_id:int}/release/preview")
def preview(request: Request, brief_id: int, channel: list[str] = Form([]), format: list[str] = Form([])) -> Response:
    """Which images, crops and formats the release would write, with its warnings; nothing written."""

    def act(ctx: Context):
        return render.fragment("_preview.html", plan=release_plan.preview(ctx, brief_id, channel, format))

    return render.acted(request, act)


@router.post("/briefs/{brief_id:int}/release")
def release(request: Request, brief_id: int, channel: list[str] = Form([]), format: list[str] = Form([])) -> Response:
    """Queue the release; the page follows it file by file and shows the files when it ends."""

    def act(ctx: Context):
        job = release_plan.submit(ctx, brief_id, channel, format)
        return follow.following(job, then="reload", label="Release")

    return render.acted(request, act)


@router.get("/briefs/{brief_id:int}/release.zip")
def release_zip(request: Request, brief_id: int) -> Response:
    """Every file released for the brief in one zip (stored as they are: they are compressed already)."""

    def answer(ctx: Context) -> Response:
        docs = releases.released(ctx, brief_id)
        if not docs:
            raise NotFound(f"brief {brief_id} has no released file yet; the library keeper releases it first")
        name = f"brief-{brief_id}-release.zip"
        return StreamingResponse(
            _chunks(_zipped(ctx, docs)),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return render.answered(request, answer)


def _zipped(ctx: Context, docs: list[dict]):
    bundle = tempfile.TemporaryFile()
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_STORED) as archive:
        for doc in docs:
            path = Path(doc["path"]).resolve()
            if not path.is_relative_to(ctx.studio.root) or not path.is_file():
                raise NotFound(f"asset {doc['asset']} has no file in this studio")
            with path.open("rb") as source, archive.open(path.name, "w") as target:
                shutil.copyfileobj(source, target, CHUNK)
    bundle.seek(0)
    return bundle


def _chunks(bundle) -> Iterator[bytes]:
    with bundle:
        while chunk := bundle.read(CHUNK):
            yield chunk
