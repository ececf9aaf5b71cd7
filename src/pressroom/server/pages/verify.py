"""The verify page: drop (or choose) any PNG, JPEG or WebP and see what it says about where it came
from, judged against this studio's trust anchor: the same verdict as ``pressroom verify``."""

from __future__ import annotations

from fastapi import APIRouter, File, Request, Response, UploadFile

from pressroom.context import Context
from pressroom.plays import library
from pressroom.server.pages import render
from pressroom.server.pages.library import upload
from pressroom.server.uploads import uploaded

router = APIRouter(include_in_schema=False)


@router.get("/verify")
def verify_page(request: Request) -> Response:
    return render.shown(request, "verify.html", lambda ctx: {})


@router.post("/verify")
def verify(request: Request, file: UploadFile | None = File(None)) -> Response:
    def act(ctx: Context):
        with uploaded(upload(file)) as sent:
            doc = sent.said(library.verify_file(ctx, sent.path))
        return render.fragment("_verdict.html", doc={**doc, "file": sent.name}, passes=library.passes(doc))

    return render.acted(request, act)
