"""The team server against hostile and careless requests, in this process (Starlette's TestClient
drives the real app over ASGI): safety headers on every answer, text no ledger can store, upload
names that are no file name, listings that ask for everything, batches of nothing, and answers
that never show where the studio lies on the server."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from pressroom.context import Actor, Context
from pressroom.plays import accounts
from pressroom.server.app import create_app
from pressroom.server.guards import unstorable

pytestmark = pytest.mark.ledger_contract("what reaches the ledger from the server's requests")


@pytest.fixture
def server(studio):
    ctx = Context(studio, Actor.unknown("cli"))
    accounts.add_account(ctx, "dana", ["director", "operator", "keeper"], password="dana-correct-horse")
    token = accounts.create_token(ctx, "dana", "tests")["token"]
    with TestClient(create_app(studio), headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def refused(answer, status: int, field: str | None, needle: str) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["field"] == field and needle in body["error"], body
    assert "\n" not in body["error"]


def test_every_answer_carries_the_safety_headers(server):
    answers = [
        server.get("/sign-in"),  # a page
        server.get("/api/people/me"),  # JSON
        server.get("/api/no-such-route"),  # a 404
        server.get("/api/images/1/file"),  # an error from a play
        server.post("/api/briefs", content=b"{", headers={"content-type": "application/json"}),  # bad JSON
        TestClient(server.app).get("/api/people/me"),  # nobody signed in
    ]
    for answer in answers:
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"], answer.request.url
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"title": "a shoe \\ud800 on moss"}', "title"),  # a lone surrogate: no UTF-8 database stores it
        (b'{"mood": ["fresh", "\\udfff"]}', "mood.1"),
        (b'{"title": "a shoe\\u0000"}', "title"),  # a NUL: PostgreSQL refuses it
        (b'{"\\ud800": 1}', "\ud800"),
    ],
)
def test_text_no_ledger_can_store_is_a_400_naming_the_field(server, studio, body, field):
    before = server.get("/api/briefs").json()
    answer = server.post("/api/briefs", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 400 and "cannot be stored" in answer.json()["error"]
    assert answer.json()["field"] == field
    assert server.get("/api/briefs").json() == before  # nothing stored


def test_unstorable_finds_the_first_bad_text_and_passes_good_text():
    assert unstorable({"a": ["ok", {"b": "naïve — 東京 🦊"}]}) is None
    assert unstorable({"a": ["ok", {"b": "x\x00"}]}) == "a.1.b"
    assert unstorable("\ud83d") == ""


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("shoe\x00.png", "control characters"),
        ("x" * 300 + ".png", "at most 255"),
        ("../../etc/passwd.png", None),  # a path as a name: only its last part is shown, nothing written there
    ],
)
def test_an_upload_name_that_is_no_file_name_is_refused_or_tamed(server, name, needle):
    boundary = "pressroom-test-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: image/png\r\n\r\nnot an image\r\n--{boundary}--\r\n"
    ).encode()  # written out by hand: a client library would escape the NUL
    answer = server.post(
        "/api/verify", content=body, headers={"content-type": f"multipart/form-data; boundary={boundary}"}
    )
    if needle:
        refused(answer, 400, "file", needle)
    else:
        assert answer.status_code == 200 and answer.json()["file"] == "passwd.png"
        assert answer.json()["decodes"] is False and "/tmp" not in answer.text and "upload.png" not in answer.text


@pytest.mark.parametrize("limit", ["-1", "0", "501"])
def test_a_listing_never_answers_everything_at_once(server, limit):
    refused(server.get(f"/api/images?limit={limit}"), 400, "limit", "limit must be 1 to 500")
    refused(server.get(f"/api/library?limit={limit}"), 400, "limit", "limit must be 1 to 500")


@pytest.mark.parametrize("size", [0, -3, 65])
def test_a_volume_batch_holds_at_least_one_image(server, size):
    answer = server.post("/api/recipes/1/volume", json={"vary": ["subject=a fox"], "seeds": 1, "batch_size": size})
    refused(answer, 400, "batch_size", "batch_size must be 1 to 64")


def test_no_answer_shows_the_studios_folder(server, studio):
    folder = str(studio.root)
    missing = server.post("/api/verify", files={"file": ("shoe.png", b"\x89PNG\r\n\x1a\n broken", "image/png")})
    for answer in (missing, server.get("/api/images/999999/file"), server.get("/api/models")):
        assert folder not in answer.text, answer.text


def test_the_worklist_answers_the_signed_in_person_paged(server):
    answer = server.get("/api/worklist")
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) >= {"items", "total", "page"} and body["page"] == 1 and body["items"] == []
    refused(server.get("/api/worklist?limit=0"), 400, "limit", "limit must be 1 to 500")
    assert TestClient(server.app).get("/api/worklist").status_code == 401  # nobody signed in


def test_no_page_or_json_answer_shows_the_studio_folder_whatever_says_it(tmp_path):
    """Whatever a route or a message says, the answer leaves the studio's folder out; files and
    event streams pass untouched."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    from pressroom.server.guards import NoServerPaths

    root = tmp_path / "studio"
    said = f"cannot read {root}/assets/ab/cd.png; the studio is {root}"
    app = Starlette(
        routes=[
            Route("/page", lambda request: HTMLResponse(f"<p>{said}</p>")),
            Route("/json", lambda request: JSONResponse({"error": said})),
            Route("/file", lambda request: Response(said.encode(), media_type="image/png")),
        ]
    )
    client = TestClient(NoServerPaths(app, root))
    page, doc, file = client.get("/page"), client.get("/json"), client.get("/file")
    assert page.text == "<p>cannot read assets/ab/cd.png; the studio is the studio folder</p>"
    assert int(page.headers["content-length"]) == len(page.content)
    assert doc.json() == {"error": "cannot read assets/ab/cd.png; the studio is the studio folder"}
    assert file.content == said.encode()  # a file's bytes are its own


def test_notices_are_read_and_marked_read_through_the_api(server, studio):
    from pressroom.plays import marks, people

    ctx = Context(studio, Actor.unknown("cli"))
    people.add_person(ctx, "rita", ["reviewer"])
    rita = ctx.acting_as(people.actor(ctx, "rita", "python"))
    from pressroom.plays import images as image_plays

    dana = ctx.acting_as(people.actor(ctx, "dana", "python"))
    [made] = image_plays.make(dana, image_plays.plan(dana, prompt="a red fox", seed=3))
    marks.place(rita, made["id"], 0.2, 0.2, "@dana is this the right fox?")
    answer = server.get("/api/notifications")
    assert answer.status_code == 200
    body = answer.json()
    assert body["unread"] == 1 and body["notices"][0]["kind"] == "mark.mention"
    assert server.post(f"/api/notifications/{body['notices'][0]['id']}/read").json() == {"marked": 1}
    assert server.get("/api/notifications?unread=true").json() == {"notices": [], "unread": 0}
    refused(server.get("/api/notifications?limit=0"), 400, "limit", "limit must be 1 to 500")
