"""The team server, as a client sees it: a real `pressroom serve` process on a free port and a real
`pressroom worker` process beside it, spoken to over HTTP with httpx, on the run's ledger (SQLite
or PostgreSQL) and the fake engine.

People get passwords and tokens through the real CLI (`user add --password-stdin`, `token create
--json`, `token revoke`); everything after that goes through the HTTP API alone.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC
from pathlib import Path

import httpx
import pytest
import serving
from quickmodel import default_to_fake
from serving import free_port
from workers import query

from pressroom.context import Actor, Context
from pressroom.domain.brief import parse
from pressroom.domain.gate import CHECKLIST
from pressroom.plays import accounts, briefs
from pressroom.store.studio import Studio

SIZE = 64
PEOPLE = {"dana": ["director", "keeper"], "omar": ["operator", "reviewer"], "rita": ["reviewer"]}
STYLES = ["watercolor", "flat-vector", "cinematic"]


def cli(root, *args, stdin: str = "", token: str | None = None, home=None) -> subprocess.CompletedProcess:
    """The real CLI on the studio; ``home``: where `pressroom login` keeps its file (else a folder of
    the studio's that nothing logs in to)."""
    env = {**os.environ, "PRESSROOM_STUDIO": str(root), "PRESSROOM_CONFIG_HOME": str(home or Path(root) / "no-login")}
    env.pop("PRESSROOM_TOKEN", None)
    if token is not None:
        env["PRESSROOM_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "pressroom.cli", *map(str, args)],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def password(name: str) -> str:
    return f"{name}-correct-horse"


@pytest.fixture(scope="module")
def team(tmp_path_factory, ledgers):
    """A team studio on the fake engine with three people (passwords from the CLI), served by a real
    `pressroom serve` subprocess; yields its URL, root and one token per person."""
    root = tmp_path_factory.mktemp("team") / "studio"
    url = ledgers.new_url()
    studio = Studio.init(root, name="team", database_url=url)
    default_to_fake(studio, "sketch", SIZE)
    studio.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = root / "pressroom.toml"
    config.write_text(
        config.read_text() + f'\n[team]\nsign_in = "required"\n\n[server]\nmax_body_mb = 1\nurl = "{base}"\n'
    )
    first, *others = PEOPLE  # the first through the real CLI; the others in this process (quicker)
    args = ["user", "add", first, "--password-stdin", "--json"]
    for role in PEOPLE[first]:
        args += ["--role", role]
    done = cli(root, *args, stdin=password(first) + "\n")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["admin"] is True  # the first person with a password
    done = cli(root, "token", "create", first, "--label", "tests", "--json")
    assert done.returncode == 0, done.stderr
    tokens = {first: json.loads(done.stdout)["token"]}
    studio = Studio(root)
    cli_ctx = Context(studio, Actor.unknown("cli"))
    admin = cli_ctx.acting_as(accounts.token_actor(cli_ctx, tokens[first], "cli"))  # a team CLI acts as its token
    for name in others:
        assert accounts.add_account(admin, name, PEOPLE[name], password=password(name))["admin"] is False
        tokens[name] = accounts.create_token(admin, name, "tests")["token"]
    studio.close()
    env = {**os.environ, "PRESSROOM_STUDIO": str(root), "PRESSROOM_CONFIG_HOME": str(root / "no-login")}
    env.pop("PRESSROOM_TOKEN", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "pressroom.cli", "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server, _ = serving.start(root, port=port, env=env)
    yield {"url": base, "root": root, "tokens": tokens, "worker": worker}
    serving.stop(worker, server)
    if url:
        ledgers.drop(url)


def client(team, name: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {team['tokens'][name]}"} if name else {}
    return httpx.Client(base_url=team["url"], headers=headers, timeout=60)


def brief_json(**changes) -> dict:
    return {**parse(briefs.TEMPLATE).model_dump(mode="json"), **changes}


def ok(response: httpx.Response, status: int = 200) -> dict | list:
    assert response.status_code == status, response.text
    return response.json()


def follow(team, answer: httpx.Response, timeout: float = 300) -> dict:
    """A play's 202 answer followed to its job's end (run by the fixture's worker process); the job
    as it ended, which must be done."""
    job = ok(answer, 202)
    assert answer.headers["location"] == f"/api/jobs/{job['job']}"
    deadline = time.monotonic() + timeout
    with client(team, "rita") as rita:  # anyone signed in may follow a job
        while job["state"] not in ("done", "failed", "cancelled"):
            assert team["worker"].poll() is None, "the worker process ended"
            assert time.monotonic() < deadline, f"job {job['job']} did not end: {job}"
            time.sleep(0.2)
            job = ok(rita.get(answer.headers["location"]))
    assert job["state"] == "done", job
    return job


def locked(team, title: str, **settings) -> tuple[int, dict]:
    """A brief taken through concept, rank, direction and lock over the API (dana directs, omar makes);
    ``settings`` go into the lock's body."""
    dana, omar = client(team, "dana"), client(team, "omar")
    brief = ok(dana.post("/api/briefs", json=brief_json(title=title)), 201)
    assert brief["status"] == "active"
    sprint = follow(
        team, omar.post(f"/api/briefs/{brief['id']}/concepts", json={"styles": STYLES, "per_style": 1, "steps": 2})
    )
    assert sprint["kind"] == "concept" and sprint["requester"] == "omar"
    ids = sprint["result"]["generations"]
    assert len(ids) == 3 and sprint["progress"] == {"done": 3, "total": 3}
    ranked = ok(dana.post(f"/api/briefs/{brief['id']}/rank", json={"generations": ids[::-1]}))
    assert [r["generation"] for r in ranked] == ids[::-1]
    ok(dana.post(f"/api/briefs/{brief['id']}/direction", json={"generation": ids[0]}))
    job = follow(
        team, omar.post(f"/api/briefs/{brief['id']}/lock", json={"steps": 2, "width": SIZE, "height": SIZE, **settings})
    )
    recipe = ok(dana.get(f"/api/briefs/{brief['id']}"))["recipes"][-1]
    assert recipe["recipe"] == job["result"]["recipe"] and job["result"]["figures"]["verdict"] == "exact"
    assert recipe["status"] == "locked" and recipe["verdict"] == "exact"
    return brief["id"], recipe


def test_nothing_but_the_openapi_document_answers_without_a_session_or_token(team):
    anyone = client(team)
    spec = ok(anyone.get("/openapi.json"))
    assert {"/api/session", "/api/briefs", "/api/recipes/{recipe_id}/volume", "/api/jobs/{job_id}"} <= set(
        spec["paths"]
    )
    for method, path in (
        ("GET", "/api/people/me"),
        ("GET", "/api/briefs"),
        ("GET", "/api/images/1/file"),
        ("POST", "/api/briefs"),
        ("GET", "/api/log"),
        ("GET", "/api/metrics"),
    ):
        answer = anyone.request(method, path, json={} if method == "POST" else None)
        assert answer.status_code == 401, (method, path, answer.text)
        assert answer.headers["www-authenticate"] == "Bearer"
    assert anyone.get("/api/people/me", headers={"Authorization": "Bearer prt_not-a-token"}).status_code == 401
    assert anyone.get("/api/people/me", headers={"Authorization": "Basic ZGFuYTpkYW5h"}).status_code == 401
    me = ok(client(team, "rita").get("/api/people/me"))
    assert (me["name"], me["roles"], me["admin"], me["channel"]) == ("rita", ["reviewer"], False, "api")


def test_a_reviewer_may_not_approve_their_own_image_through_the_api(team):
    brief, lock = locked(team, "Own work")
    checks = {item: "pass" for item in CHECKLIST}
    refused = client(team, "omar").post(
        f"/api/images/{lock['hero']}/review", json={"decision": "approved", "checks": checks, "alt_text": "A boot"}
    )
    assert refused.status_code == 403, refused.text
    assert "omar" in refused.json()["error"] and "may not review it" in refused.json()["error"]
    sheet = ok(client(team, "rita").get(f"/api/images/{lock['hero']}/review"))
    assert sheet["status"]["current"] == [] and sheet["status"]["result"] == "pending"
    assert isinstance(sheet["findings"], list)
    # and a role the person lacks: rita may not lock
    assert client(team, "rita").post(f"/api/briefs/{brief}/lock", json={}).status_code == 403


def test_a_tokens_last_use_is_recorded(team):
    studio = Studio(team["root"])
    try:
        cli_ctx = Context(studio, Actor.unknown("cli"))
        admin = cli_ctx.acting_as(accounts.token_actor(cli_ctx, team["tokens"]["dana"], "cli"))  # as a team CLI
        made = accounts.create_token(admin, "rita", "last-use")

        def last_use() -> str | None:
            [row] = [t for t in accounts.tokens(admin, "rita") if t["id"] == made["id"]]
            return row["last_used_at"]

        assert last_use() is None
        with httpx.Client(base_url=team["url"], headers={"Authorization": f"Bearer {made['token']}"}) as fresh:
            ok(fresh.get("/api/briefs"))
        deadline = time.monotonic() + 30
        while last_use() is None and time.monotonic() < deadline:  # written once the answer has gone
            time.sleep(0.05)
        assert last_use() is not None
    finally:
        studio.close()


def test_a_cookie_session_needs_its_csrf_token_to_change_anything_and_ends_when_signed_out(team):
    web = client(team)
    signed = ok(web.post("/api/session", json={"name": "dana", "password": password("dana")}))
    cookie = web.cookies.get("pressroom_session")
    assert cookie and signed["csrf"] == web.cookies.get("pressroom_csrf")
    set_cookie = [
        value
        for key, value in web.post(
            "/api/session", json={"name": "dana", "password": password("dana")}
        ).headers.multi_items()
        if key == "set-cookie" and value.startswith("pressroom_session=")
    ][0]
    assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie and "Secure" not in set_cookie  # plain HTTP here
    behind_tls = client(team).post(
        "/api/session", json={"name": "dana", "password": password("dana")}, headers={"X-Forwarded-Proto": "https"}
    )  # a TLS proxy on this machine
    cookies = [value for key, value in behind_tls.headers.multi_items() if key == "set-cookie"]
    assert len(cookies) == 2 and all("; Secure" in value for value in cookies)
    first, cookie = cookie, web.cookies.get("pressroom_session")  # a second sign-in is a second session
    assert first != cookie
    assert ok(web.get("/api/people/me"))["channel"] == "web"  # reading needs no CSRF token
    forged = web.post("/api/briefs", json=brief_json(title="Forged"))
    assert forged.status_code == 403 and "X-CSRF-Token" in forged.json()["error"]
    wrong = web.post("/api/briefs", json=brief_json(title="Forged"), headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    made = ok(
        web.post(
            "/api/briefs",
            json=brief_json(title="From the browser"),
            headers={"X-CSRF-Token": web.cookies.get("pressroom_csrf")},
        ),
        201,
    )
    titles = [b["title"] for b in ok(web.get("/api/briefs"))]
    assert "Forged" not in titles and "From the browser" in titles
    log = ok(web.get("/api/log", params={"brief": made["id"]}))
    assert [(e["action"], e["actor"], e["channel"]) for e in log][0] == ("brief.new", "dana", "web")
    ended = web.delete("/api/session", headers={"X-CSRF-Token": web.cookies.get("pressroom_csrf")})
    assert ended.status_code == 204
    again = httpx.get(team["url"] + "/api/people/me", cookies={"pressroom_session": cookie})
    assert again.status_code == 401  # the session is revoked in the ledger, not only forgotten
    other = httpx.get(team["url"] + "/api/people/me", cookies={"pressroom_session": first})
    assert other.status_code == 200  # signing out ends this session, not the person's others


def test_a_revoked_token_signs_nobody_in(team):
    # the team CLI keeps the server's rules: a token for another person only by an admin's own token
    for who in (None, "omar"):
        refused = cli(team["root"], "token", "create", "rita", "--label", "stolen", token=who and team["tokens"][who])
        assert refused.returncode != 0 and "only rita or an admin may create their tokens" in refused.stderr
        assert "Traceback" not in refused.stderr
    made = cli(team["root"], "token", "create", "rita", "--label", "laptop", "--json", token=team["tokens"]["dana"])
    token = json.loads(made.stdout)["token"]
    listed = json.loads(cli(team["root"], "token", "list", "rita", "--json").stdout)
    assert token not in json.dumps(listed)  # only the hash is kept
    mine = [row for row in listed if row["label"] == "laptop"]
    assert len(mine) == 1 and mine[0]["revoked"] is False
    assert httpx.get(team["url"] + "/api/people/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert cli(team["root"], "token", "revoke", mine[0]["id"]).returncode != 0  # nobody signed in
    assert cli(team["root"], "token", "revoke", mine[0]["id"], token=team["tokens"]["rita"]).returncode == 0
    after = httpx.get(team["url"] + "/api/people/me", headers={"Authorization": f"Bearer {token}"})
    assert after.status_code == 401 and "revoked" in after.json()["error"]
    # through the API, a person may revoke only their own tokens (dana is the admin)
    created = ok(client(team, "omar").post("/api/tokens", json={"label": "ci"}), 201)
    assert client(team, "rita").delete(f"/api/tokens/{created['id']}").status_code == 403
    assert ok(client(team, "dana").delete(f"/api/tokens/{created['id']}"))["revoked"] is True
    assert (
        httpx.get(team["url"] + "/api/people/me", headers={"Authorization": f"Bearer {created['token']}"}).status_code
        == 401
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/images/../../pressroom.toml",
        "/api/images/..%2F..%2Fpressroom.toml/file",
        "/api/images/%2e%2e/file",
        "/api/assets/..%2F..%2F..%2Fetc%2Fpasswd/file",
        "/api/images/1%2F..%2F..%2Fledger.sqlite/file",
        "/api/assets/-1/file",
        "/api/images/999999/file",
        "/api/../pressroom.toml",
        "/pressroom.toml",
        "/ledger.sqlite",
        "/api/images/1/file/../../../../pressroom.toml",
        "/api/contact-sheets/..%2F..%2Fpressroom.toml/file",
        "/api/contact-sheets/%2e%2e/file",
        "/api/references/..%2F..%2Fpressroom.toml/file",
        "/api/references/%2e%2e%2f%2e%2e%2fledger.sqlite/file",
    ],
)
def test_no_file_route_reads_by_path(team, path):
    with httpx.Client(base_url=team["url"], headers={"Authorization": f"Bearer {team['tokens']['rita']}"}) as rita:
        answer = rita.send(rita.build_request("GET", httpx.URL(team["url"]).copy_with(raw_path=path.encode())))
    assert answer.status_code == 404, (path, answer.status_code, answer.text[:200])
    assert b"[ledger]" not in answer.content and b"root:" not in answer.content


def test_an_oversized_upload_is_refused_before_it_is_read(team):
    host, port = team["url"].removeprefix("http://").split(":")
    declared = 1 << 30  # one GiB declared, a few bytes sent: the answer must not wait for the rest
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(
            (
                f"POST /api/verify HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {team['tokens']['rita']}\r\n"
                f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {declared}\r\n\r\n--x\r\n"
            ).encode()
        )
        answer = sock.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 413"), answer

    # without a declared length (chunked), the count of bytes received stops it
    def chunks():
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n\r\n'
        for _ in range(3):
            yield b"\0" * (1 << 20)
        yield b"\r\n--x--\r\n"

    streamed = httpx.post(
        team["url"] + "/api/verify",
        content=chunks(),
        timeout=60,
        headers={
            "Authorization": f"Bearer {team['tokens']['rita']}",
            "Content-Type": "multipart/form-data; boundary=x",
        },
    )
    assert streamed.status_code == 413


def test_repeated_wrong_passwords_are_answered_429(team):
    web = client(team)
    for _ in range(5):
        wrong = web.post("/api/session", json={"name": "rita", "password": "not-her-password"})
        assert wrong.status_code == 401 and wrong.json()["error"] == "wrong name or password"
    blocked = web.post("/api/session", json={"name": "rita", "password": password("rita")})
    assert blocked.status_code == 429 and "too many failed sign-ins" in blocked.json()["error"]
    # an unknown name is counted the same way and answers the same words
    assert (
        web.post("/api/session", json={"name": "nobody", "password": "x" * 12}).json()["error"]
        == "wrong name or password"
    )
    assert web.post("/api/session", json={"name": "omar", "password": password("omar")}).status_code == 200


def test_a_team_studio_cli_takes_the_person_from_a_token_not_from_as(team, tmp_path):
    file = tmp_path / "brief.toml"
    file.write_text(briefs.TEMPLATE.replace('title = "', 'title = "CLI ', 1))
    refused = cli(team["root"], "brief", "new", "--file", file, "--as", "dana", token=team["tokens"]["dana"])
    assert refused.returncode == 2 and "--as is refused in a team studio" in refused.stderr
    nobody = cli(team["root"], "brief", "new", "--file", file)
    assert nobody.returncode == 4 and "PRESSROOM_TOKEN" in nobody.stderr
    wrong = cli(team["root"], "brief", "new", "--file", file, token="prt_forged")
    assert wrong.returncode == 4 and "unknown or revoked" in wrong.stderr
    made = cli(team["root"], "brief", "new", "--file", file, "--json", token=team["tokens"]["dana"])
    assert made.returncode == 0, made.stderr
    brief = json.loads(made.stdout)["id"]
    log = ok(client(team, "rita").get("/api/log", params={"brief": brief}))
    assert (log[0]["action"], log[0]["actor"], log[0]["channel"]) == ("brief.new", "dana", "cli")


def snapshot(team) -> tuple:
    """What the studio holds, as the API shows it: the log (every change is in it), jobs, images,
    briefs and the metrics."""
    with client(team, "dana") as dana:
        return (
            len(ok(dana.get("/api/log"))),
            len(ok(dana.get("/api/jobs"))),
            len(ok(dana.get("/api/images"))),
            json.dumps([ok(dana.get(path)) for path in ("/api/briefs", "/api/metrics")], sort_keys=True),
        )


def refused(team, attempts: list[tuple[httpx.Client, str, str, dict, int]]) -> None:
    """Each attempt (client, method, path, JSON body, status) is refused with that status and
    changes nothing stored."""
    before = snapshot(team)
    for who, method, path, body, status in attempts:
        answer = who.request(method, path, json=body)
        assert answer.status_code == status, (method, path, answer.status_code, answer.text)
        assert answer.json()["error"], answer.text
    assert snapshot(team) == before, [attempt[1:3] for attempt in attempts]


@pytest.mark.ledger_contract("a whole team session over the real server, its pooled connections and a worker")
def test_the_scripted_team_session_from_a_brief_to_a_verified_release(team):
    """Three people, three tokens, HTTP alone: dana directs and keeps the library, omar makes, rita
    reviews; the jobs run in the fixture's `pressroom worker` process. At every step the
    anonymous, wrong-role and self-review attempts are refused below the API and change nothing."""
    dana, omar, rita, nobody = (client(team, name) for name in ("dana", "omar", "rita", None))
    spec = brief_json(title="Red boots")
    refused(team, [(nobody, "POST", "/api/briefs", spec, 401), (omar, "POST", "/api/briefs", spec, 403)])
    brief = ok(dana.post("/api/briefs", json=spec), 201)["id"]
    sprint = {"styles": STYLES, "per_style": 1, "steps": 2}
    refused(
        team,
        [
            (nobody, "POST", f"/api/briefs/{brief}/concepts", sprint, 401),
            (rita, "POST", f"/api/briefs/{brief}/concepts", sprint, 403),
            (dana, "POST", f"/api/briefs/{brief}/concepts", sprint, 403),
        ],
    )
    made = follow(team, omar.post(f"/api/briefs/{brief}/concepts", json=sprint))["result"]
    concepts = made["generations"]
    assert len(concepts) == 3
    sheet = dana.get(f"/api/contact-sheets/{made['contact_sheet']}/file")  # what the director ranks from
    assert sheet.status_code == 200 and sheet.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert sheet.headers["etag"] == f'"{made["contact_sheet"]}"'
    assert dana.get(f"/api/contact-sheets/{concepts[0]:064x}/file").status_code == 404
    refused(
        team,
        [
            (nobody, "POST", f"/api/briefs/{brief}/rank", {"generations": concepts}, 401),
            (omar, "POST", f"/api/briefs/{brief}/rank", {"generations": concepts}, 403),
            (omar, "POST", f"/api/briefs/{brief}/direction", {"generation": concepts[1]}, 403),
            (rita, "POST", f"/api/briefs/{brief}/direction", {"generation": concepts[1]}, 403),
        ],
    )
    ranked = ok(dana.post(f"/api/briefs/{brief}/rank", json={"generations": [concepts[1], concepts[0]]}))
    assert [r["generation"] for r in ranked] == [concepts[1], concepts[0]]
    ok(dana.post(f"/api/briefs/{brief}/direction", json={"generation": concepts[1]}))
    settings = {"steps": 2, "width": SIZE, "height": SIZE}
    refused(
        team,
        [
            (nobody, "POST", f"/api/briefs/{brief}/lock", settings, 401),
            (rita, "POST", f"/api/briefs/{brief}/lock", settings, 403),
        ],
    )
    locking = follow(team, omar.post(f"/api/briefs/{brief}/lock", json=settings))
    lock = ok(dana.get(f"/api/briefs/{brief}"))["recipes"][-1]
    assert (lock["recipe"], lock["status"], lock["verdict"]) == (locking["result"]["recipe"], "locked", "exact")
    # volume is a job: 202, then its progress at /api/jobs/{id}; the worker process runs it
    volume = {"vary": ["subject=a red boot"], "seeds": 2}
    refused(
        team,
        [
            (nobody, "POST", f"/api/recipes/{lock['recipe']}/volume", volume, 401),
            (rita, "POST", f"/api/recipes/{lock['recipe']}/volume", {"vary": ["subject=x"], "seeds": 1}, 403),
        ],
    )
    queued = omar.post(f"/api/recipes/{lock['recipe']}/volume", json=volume)
    assert queued.status_code == 202, queued.text
    job = queued.json()
    assert queued.headers["location"] == f"/api/jobs/{job['job']}" and job["state"] == "queued"
    assert job["progress"] == {"done": 0, "total": 2} and job["requester"] == "omar"
    done = follow(team, queued)
    assert done["state"] == "done" and done["progress"] == {"done": 2, "total": 2}
    made = done["result"]["made"]
    images = ok(rita.get("/api/images", params={"recipe": lock["recipe"]}))
    assert set(made) <= {row["id"] for row in images}
    cull = {"generations": made[:1], "keep": False, "reason": "artifact"}
    refused(team, [(nobody, "POST", "/api/cull", cull, 401), (rita, "POST", "/api/cull", cull, 403)])
    culled = ok(omar.post("/api/cull", json=cull))
    assert len(culled) == 1
    # the image by id, cached by its hash
    hero = next(row for row in ok(rita.get("/api/images", params={"brief": brief})) if row["id"] == lock["hero"])
    picture = rita.get(hero["url"])
    assert picture.status_code == 200 and picture.headers["etag"] == f'"{hero["sha256"]}"'
    assert picture.content[:8] == b"\x89PNG\r\n\x1a\n" and "immutable" in picture.headers["cache-control"]
    assert rita.get(hero["url"], headers={"If-None-Match": picture.headers["etag"]}).status_code == 304
    assert nobody.get(hero["url"]).status_code == 401
    # review: the sheet with its findings, then rita's decision (omar made it; rita did not)
    sheet = ok(rita.get(f"/api/images/{lock['hero']}/review"))
    items = sheet["status"]["items"]
    assert isinstance(sheet["findings"], list) and sheet["status"]["result"] == "pending"
    decision = {"decision": "approved", "checks": {item: "pass" for item in items}, "alt_text": "A red boot on moss"}
    review = f"/api/images/{lock['hero']}/review"
    refused(
        team,
        [
            (nobody, "POST", review, decision, 401),
            (omar, "POST", review, decision, 403),  # a reviewer, but he made it and locked its recipe
            (dana, "POST", review, decision, 403),  # not a reviewer
            (nobody, "POST", f"/api/briefs/{brief}/release", {}, 401),
            (dana, "POST", f"/api/briefs/{brief}/release", {"formats": ["png"]}, 422),
        ],
    )  # not approved yet
    own = omar.post(review, json=decision)
    assert "omar" in own.json()["error"] and "may not review it" in own.json()["error"]
    decided = ok(rita.post(review, json=decision), 201)
    assert decided["result"] == "approved" and decided["approvals"] == ["rita"]
    # release is the keeper's play (dana keeps the library); rita and omar may not
    refused(
        team,
        [
            (rita, "POST", f"/api/briefs/{brief}/release", {}, 403),
            (omar, "POST", f"/api/briefs/{brief}/release", {}, 403),
        ],
    )
    released = ok(dana.post(f"/api/briefs/{brief}/release", json={"formats": ["png"]}), 201)
    assert [doc["generation"] for doc in released] == [lock["hero"]]
    asset = released[0]
    assert not asset["path"].startswith("/")  # no server path leaks; the file is served by id
    file = rita.get(asset["url"])
    assert file.status_code == 200 and file.headers["etag"] == f'"{asset["sha256"]}"'
    # anyone signed in uploads the released file to verify it: valid, signed by this studio
    verified = ok(rita.post("/api/verify", files={"file": ("boot.png", file.content, "image/png")}))
    assert verified["c2pa"] == "Trusted" and verified["alt_text"] == "A red boot on moss"
    assert nobody.post("/api/verify", files={"file": ("boot.png", file.content, "image/png")}).status_code == 401
    found = ok(rita.get("/api/library", params={"q": "moss"}))
    assert asset["asset"] in [doc["asset"] for doc in found]
    alike = ok(rita.post("/api/library/similar", files={"file": ("look.png", file.content, "image/png")}))
    assert alike[0]["asset"] == asset["asset"] and alike[0]["distance"] == 0 and alike[0]["url"] == asset["url"]
    not_image = rita.post("/api/library/similar", files={"file": ("notes.txt", b"hello", "text/plain")})
    assert not_image.status_code == 400 and "PNG, JPEG or WebP" in not_image.json()["error"]
    again = ok(rita.post(f"/api/assets/{asset['asset']}/reproduce"))
    assert again["verdict"] == "exact" and again["asset"] == asset["asset"]
    assert rita.post("/api/assets/999999/reproduce").status_code == 404
    report = ok(dana.get("/api/metrics", params={"brief": brief}))
    [row] = report["briefs"]
    assert row["brief"] == brief and row["time_to_hero_basis"] == "approved"
    assert [op["operator"] for op in report["operators"]] == ["omar"]  # everything here was made by omar
    actions = [(e["action"], e["actor"], e["channel"]) for e in ok(rita.get("/api/log", params={"brief": brief}))]
    for expected in (
        ("brief.new", "dana", "api"),
        ("concept.sprint", "omar", "worker"),
        ("direction.approve", "dana", "api"),
        ("recipe.lock", "omar", "worker"),
        ("volume.run", "omar", "worker"),
        ("review.decide", "rita", "api"),
        ("release", "dana", "api"),
    ):
        assert any(a[0].startswith(expected[0]) and a[1:] == expected[1:] for a in actions), (expected, actions)
    assert ok(rita.get("/api/people/me"))["roles"] == ["reviewer"]
    assert {p["name"] for p in ok(rita.get("/api/people"))} == set(PEOPLE)


def test_people_get_passwords_from_the_cli_or_an_admin_and_a_short_one_is_refused(team):
    short = cli(team["root"], "user", "add", "sam", "--role", "operator", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and short.stderr.strip().splitlines() == [
        "error: a password must be at least 10 characters (give it on stdin with --password-stdin)"
    ]
    assert "sam" not in {p["name"] for p in ok(client(team, "rita").get("/api/people"))}  # nothing stored
    newcomer = {"name": "sam", "roles": ["operator"], "password": password("sam")}
    refused = client(team, "rita").post("/api/people", json=newcomer)
    assert refused.status_code == 403 and "only an admin" in refused.json()["error"]
    added = ok(client(team, "dana").post("/api/people", json=newcomer), 201)
    assert (added["name"], added["roles"], added["admin"]) == ("sam", ["operator"], False)
    signed = ok(client(team).post("/api/session", json={"name": "sam", "password": password("sam")}))
    assert signed["person"]["name"] == "sam"
    studio = Studio(team["root"])
    try:  # the server hashed sam's password with RFC 9106's setting
        [(stored,)] = query(studio, "select password_hash from users where name = ?", "sam")
    finally:
        studio.close()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), stored
    bad = client(team, "dana").post("/api/people", json={"name": "sam", "roles": ["wizard"]})
    assert bad.status_code == 400 and "unknown role 'wizard'" in bad.json()["error"]


def test_a_decompression_bomb_is_a_clear_400_and_the_server_stays_up(team):
    import io
    import struct
    import zlib

    from PIL import Image

    small = io.BytesIO()
    Image.new("L", (1, 1)).save(small, "PNG")
    png = bytearray(small.getvalue())
    ihdr = png[12:29]  # b"IHDR" and its 13 bytes: width and height come first
    ihdr[4:12] = struct.pack(">II", 40000, 40000)  # 1.6 gigapixels claimed by a file of 70 bytes
    png[12:33] = ihdr + struct.pack(">I", zlib.crc32(bytes(ihdr)))
    rita = client(team, "rita")
    bomb = rita.post("/api/verify", files={"file": ("bomb.png", bytes(png), "image/png")})
    assert bomb.status_code == 400, bomb.text
    assert bomb.json() == {
        "error": "file bomb.png declares more pixels than pressroom's limit of 67,108,864 "
        "(8192x8192); use a smaller image",
        "field": "file",
    }
    assert ok(rita.get("/api/people/me"))["name"] == "rita"


def test_a_draft_brief_is_completed_with_put_and_styles_are_the_operators(team):
    dana, omar, rita = (client(team, name) for name in ("dana", "omar", "rita"))
    draft = ok(dana.post("/api/briefs", json=brief_json(title="Half done", intent="")), 201)
    assert draft["status"] == "draft" and "intent" in " ".join(draft["missing"])
    assert rita.put(f"/api/briefs/{draft['id']}", json=brief_json(title="Half done")).status_code == 403
    done = ok(dana.put(f"/api/briefs/{draft['id']}", json=brief_json(title="Half done")))
    assert done["status"] == "active" and ok(rita.get(f"/api/briefs/{draft['id']}"))["status"] == "active"
    not_paused = dana.post(f"/api/briefs/{draft['id']}/resume", json={"reason": "ready"})
    assert not_paused.status_code == 400 and "not paused" in not_paused.json()["error"]
    bad = dana.post("/api/briefs", json={"title": "x", "colour": "red"})
    assert bad.status_code == 400 and "colour" in bad.json()["error"]
    assert rita.post("/api/styles", json={"name": "ink", "text": "ink wash"}).status_code == 403
    ok(omar.post("/api/styles", json={"name": "ink", "text": "ink wash", "negative": "colour"}), 201)
    assert "ink" in {style["name"] for style in ok(rita.get("/api/styles"))}


def png(size: tuple[int, int], box: tuple[int, int, int, int] | None = None) -> bytes:
    """A greyscale PNG, black but for a white ``box`` (a mask: white is repainted)."""
    import io

    from PIL import Image, ImageDraw

    picture = Image.new("L", size, 0)
    if box:
        ImageDraw.Draw(picture).rectangle(box, fill=255)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def bomb_png() -> bytes:
    """A 70-byte PNG whose header claims 40000x40000 pixels."""
    import struct
    import zlib

    data = bytearray(png((1, 1)))
    ihdr = data[12:29]
    ihdr[4:12] = struct.pack(">II", 40000, 40000)
    data[12:33] = ihdr + struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


def jobs_count(team) -> int:
    return len(ok(client(team, "rita").get("/api/jobs")))


def test_a_fix_takes_an_uploaded_mask_and_is_a_job(team):
    omar, rita = client(team, "omar"), client(team, "rita")
    brief, lock = locked(team, "Mended boots")
    hero, route = lock["hero"], f"/api/images/{lock['hero']}/fix"
    small = png((SIZE, SIZE), (8, 8, 23, 23))  # 16x16 of 64x64: a sixteenth
    before = jobs_count(team)
    refusals = [
        (rita.post(route, data={"op": "inpaint"}, files={"mask": ("m.png", small, "image/png")}), 403, "operator"),
        (omar.post(route, data={"op": "inpaint"}), 400, "mask"),
        (omar.post(route, data={"op": "blur"}), 400, "op"),
        (
            omar.post(
                route, data={"op": "inpaint"}, files={"mask": ("m.png", png((SIZE, SIZE), (0, 0, 47, 47)), "image/png")}
            ),
            422,
            "more than a third",
        ),
        (
            omar.post(
                route, data={"op": "inpaint"}, files={"mask": ("m.png", png((32, 32), (1, 1, 4, 4)), "image/png")}
            ),
            400,
            "paint the mask at the image's size",
        ),
        (
            omar.post(route, data={"op": "inpaint"}, files={"mask": ("m.png", b"not a png at all", "image/png")}),
            400,
            "mask",
        ),
        (
            omar.post(route, data={"op": "inpaint"}, files={"mask": ("bomb.png", bomb_png(), "image/png")}),
            400,
            "declares more pixels than pressroom's limit",
        ),
        (
            omar.post(route, data={"op": "inpaint"}, files={"mask": ("big.png", b"\0" * (2 << 20), "image/png")}),
            413,
            "max_body_mb",
        ),
        (omar.post("/api/images/999999/fix", data={"op": "refine"}), 404, "999999"),
    ]
    for answer, status, words in refusals:
        assert answer.status_code == status and words in answer.text, (status, words, answer.status_code, answer.text)
    assert jobs_count(team) == before  # nothing queued by any refusal
    job = follow(
        team,
        omar.post(
            route,
            data={"op": "inpaint", "prompt": "a red boot, mended"},
            files={"mask": ("mask.png", small, "image/png")},
        ),
    )
    assert job["kind"] == "fix" and job["requester"] == "omar"
    made = job["result"]["generation"]
    streamed = events_of(team, job["job"])  # a finished job's stream: its one image, then its end
    assert [(name, data.get("id")) for name, data in streamed if name != "progress"] == [("image", made), ("end", None)]
    row = next(r for r in ok(rita.get("/api/images", params={"brief": brief})) if r["id"] == made)
    assert row["parent"] == hero and (row["width"], row["height"]) == (SIZE, SIZE)
    log = ok(rita.get("/api/log", params={"brief": brief}))
    [event] = [e for e in log if e["action"] == "fix.inpaint"]
    assert (event["actor"], event["channel"], event["objects"]) == (
        "omar",
        "worker",
        {"parent": hero, "generation": made},
    )


def test_a_lock_takes_an_uploaded_reference_and_a_volume_run_varies_it(team):
    omar, rita = client(team, "omar"), client(team, "rita")

    def upload(who, data, name="shot.png"):
        return who.post("/api/references", files={"file": (name, data, "image/png")})

    before = jobs_count(team)
    for answer, status, words in (
        (upload(rita, png((48, 40), (4, 4, 20, 20))), 403, "operator"),
        (upload(omar, b"no picture here"), 400, "not a readable image"),
        (upload(omar, bomb_png()), 400, "declares more pixels"),
        (upload(omar, png((48, 40)), "shot.gif"), 400, "PNG, JPEG or WebP"),
    ):
        assert answer.status_code == status and words in answer.text, (status, words, answer.text)
    first = ok(upload(omar, png((48, 40), (4, 4, 20, 20))), 201)
    second = ok(upload(omar, png((48, 40), (20, 10, 40, 30))), 201)
    assert (first["width"], first["height"]) == (48, 40) and first["sha256"] != second["sha256"]
    brief, lock = locked(team, "Shoe shots", slot="reference", references=[f"img2img:{first['sha256']}:0.5"])
    assert lock["slot"] == "reference"
    job = follow(
        team,
        omar.post(
            f"/api/recipes/{lock['recipe']}/volume",
            json={"vary": [f"reference={first['sha256']}", f"reference={second['sha256']}"], "seeds": 1},
        ),
    )
    made = job["result"]["made"]
    rows = [r for r in ok(rita.get("/api/images", params={"recipe": lock["recipe"]})) if r["id"] in made]
    assert sorted(r["slot_value"] for r in rows) == sorted([first["sha256"], second["sha256"]])
    # the image's page shows its reference; the file is served by its hash, and only a stored reference
    page = rita.get(f"/images/{made[0]}")
    assert page.status_code == 200 and "/api/references/" in page.text and "img2img" in page.text
    shown = {r["slot_value"] for r in rows if r["id"] == made[0]}.pop()
    assert f"/api/references/{shown}/file" in page.text
    served = rita.get(f"/api/references/{shown}/file")
    assert served.status_code == 200 and served.headers["etag"] == f'"{shown}"'
    assert rita.get(f"/api/references/{shown}/file", headers={"if-none-match": f'"{shown}"'}).status_code == 304
    for wrong in ("0" * 64, rows[0]["sha256"], "../pressroom.toml"):  # unknown, an image not a reference, a path
        assert rita.get(f"/api/references/{wrong}/file").status_code == 404
    unknown = omar.post(f"/api/recipes/{lock['recipe']}/volume", json={"vary": ["reference=" + "0" * 64], "seeds": 1})
    assert unknown.status_code == 404 and "does not exist" in unknown.text
    assert jobs_count(team) == before + 3  # the sprint, the lock and the volume run: the refusals queued nothing


def test_a_paused_brief_makes_nothing_until_its_director_resumes_it(team):
    dana, omar, rita = (client(team, name) for name in ("dana", "omar", "rita"))
    brief = ok(dana.post("/api/briefs", json=brief_json(title="On hold")), 201)["id"]
    assert rita.post(f"/api/briefs/{brief}/pause", json={"reason": "legal"}).status_code == 403
    assert dana.post(f"/api/briefs/{brief}/pause", json={"reason": " "}).status_code == 400
    paused = ok(dana.post(f"/api/briefs/{brief}/pause", json={"reason": "legal is checking the claim"}))
    assert paused["status"] == "paused" and paused["pause_reason"] == "legal is checking the claim"
    assert dana.post(f"/api/briefs/{brief}/pause", json={"reason": "again"}).status_code == 400
    before = jobs_count(team)
    refused = omar.post(f"/api/briefs/{brief}/concepts", json={"styles": STYLES, "per_style": 1, "steps": 2})
    assert refused.status_code == 422 and "paused: legal is checking the claim" in refused.json()["error"]
    assert jobs_count(team) == before
    assert rita.post(f"/api/briefs/{brief}/resume", json={"reason": "cleared"}).status_code == 403
    assert ok(dana.post(f"/api/briefs/{brief}/resume", json={"reason": "legal cleared it"}))["status"] == "active"
    actions = [(e["action"], e["actor"]) for e in ok(rita.get("/api/log", params={"brief": brief}))]
    assert ("brief.pause", "dana") in actions and ("brief.resume", "dana") in actions


def events_of(team, job_id: int, name: str = "rita") -> list[tuple[str, dict]]:
    """A job's server-sent events, read with httpx as they come, until the server ends the stream."""
    got = []
    with client(team, name) as reader, reader.stream("GET", f"/api/jobs/{job_id}/events") as stream:
        assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: "):
                got.append((event, json.loads(line.removeprefix("data: "))))
    return got


@pytest.mark.ledger_contract("a job's progress streamed from the ledger while a worker writes it")
def test_a_job_streams_its_progress_and_each_image_as_it_lands(team):
    omar, rita = client(team, "omar"), client(team, "rita")
    brief, lock = locked(team, "Streamed boots")
    seeds = 6
    answer = omar.post(
        f"/api/recipes/{lock['recipe']}/volume",
        json={"vary": ["subject=a red boot", "subject=a blue boot"], "seeds": seeds // 2},
    )
    job = ok(answer, 202)["job"]
    got = events_of(team, job)  # opened while the worker runs the job (or before it claims it)
    names = [name for name, _ in got]
    assert names[-1] == "end" and names.count("end") == 1 and set(names) == {"progress", "image", "end"}
    end = got[-1][1]
    assert end["state"] == "done" and end["progress"] == {"done": seeds, "total": seeds}
    images = [data for name, data in got if name == "image"]
    assert sorted(data["id"] for data in images) == sorted(end["result"]["made"])  # each image once
    for data in images[:2]:
        picture = rita.get(data["url"])
        assert picture.status_code == 200 and picture.headers["etag"] == f'"{data["sha256"]}"'
    counts = [data["done"] for name, data in got if name == "progress"]
    assert counts == sorted(counts) and counts[-1] == seeds  # progress only moves forward
    # a finished job's stream gives its images and its end at once; an unknown job is a 404
    again = events_of(team, job)
    assert sorted(d["id"] for n, d in again if n == "image") == sorted(end["result"]["made"]) and again[-1][0] == "end"
    assert rita.get("/api/jobs/999999/events").status_code == 404
    assert httpx.get(team["url"] + f"/api/jobs/{job}/events").status_code == 401


def test_an_invite_lets_a_person_set_their_password_once(team):
    from datetime import datetime, timedelta

    from pressroom.context import Actor, Context
    from pressroom.plays import invites

    dana, rita, anyone = client(team, "dana"), client(team, "rita"), client(team)
    ok(dana.post("/api/people", json={"name": "ines", "roles": ["reviewer"]}), 201)  # no password yet
    assert rita.post("/api/people/ines/invite").status_code == 403  # only an admin invites
    missing = dana.post("/api/people/nobody/invite")
    assert missing.status_code == 404 and missing.json() == {
        "error": "no user 'nobody' in this studio; add them first",
        "field": "name",
    }  # the page marks its field
    first = ok(dana.post("/api/people/ines/invite"), 201)
    assert first["link"] == f"{team['url']}/invite?code={first['code']}"  # [server] url of pressroom.toml
    # from the CLI: the link printed once, and the API's earlier invite ended by it
    no_url = cli(team["root"], "user", "invite", "ines", "--url", "ftp://x")
    assert no_url.returncode == 2 and "--url" in no_url.stderr and "http://" in no_url.stderr
    made = cli(team["root"], "user", "invite", "ines", "--json")
    assert made.returncode == 0, made.stderr
    second = json.loads(made.stdout)
    code = second["link"].partition("?code=")[2]
    assert second["link"].startswith(team["url"] + "/invite?code=") and "code" not in second
    from sqlalchemy import text

    studio = Studio(team["root"])
    try:
        with studio.session() as session:
            stored = [row[0] for row in session.execute(text("select secret_sha256 from invites"))]
        assert code not in stored and first["code"] not in stored and len(stored) == 2  # only hashes are kept
        past = Context(studio, Actor.unknown("cli"), clock=lambda: datetime.now(UTC) - timedelta(hours=100))
        expired = invites.invite(past, "rita", team["url"])["code"]  # (ines's stays open)
    finally:
        studio.close()
    accept = "/api/invites/accept"
    assert anyone.post(accept, json={"code": first["code"], "password": password("ines")}).status_code == 404
    gone = anyone.post(accept, json={"code": expired, "password": password("ines")})
    assert gone.status_code == 404 and "unknown, used or expired" in gone.json()["error"]
    short = anyone.post(accept, json={"code": code, "password": "short"})
    assert short.status_code == 400 and "at least 10 characters" in short.json()["error"]
    assert anyone.post("/api/session", json={"name": "ines", "password": password("ines")}).status_code == 401
    person = ok(anyone.post(accept, json={"code": code, "password": password("ines")}))  # the short try spent nothing
    assert (person["name"], person["roles"], person["admin"]) == ("ines", ["reviewer"], False)
    again = anyone.post(accept, json={"code": code, "password": "another-password-1"})
    assert again.status_code == 404  # once
    signed = ok(client(team).post("/api/session", json={"name": "ines", "password": password("ines")}))
    assert signed["person"]["name"] == "ines"
    log = [(e["action"], e["actor"]) for e in ok(rita.get("/api/log")) if e["action"].startswith("invite.")]
    assert log.count(("invite.create", "dana")) == 1 and ("invite.accept", "ines") in log


def test_login_keeps_a_token_only_its_owner_can_read_and_logout_revokes_it(team, tmp_path):
    import stat

    home = tmp_path / "config"
    wrong = cli(team["root"], "login", "--name", "omar", "--password-stdin", stdin="not-his-password\n", home=home)
    assert wrong.returncode == 4 and "wrong name or password" in wrong.stderr and not home.exists()
    signed = cli(
        team["root"], "login", "--name", "omar", "--password-stdin", "--json", stdin=password("omar") + "\n", home=home
    )  # the server is the studio's [server] url
    assert signed.returncode == 0, signed.stderr
    doc = json.loads(signed.stdout)
    kept = home / "logins.json"
    assert doc["person"] == "omar" and doc["file"] == str(kept)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and stat.S_IMODE(home.stat().st_mode) == 0o700
    token = json.loads(kept.read_text())[team["url"]]["token"]
    # the team studio's CLI now acts as omar with no PRESSROOM_TOKEN and no --as
    made = cli(team["root"], "style", "add", "chalk", "--text", "chalk on slate", "--json", home=home)
    assert made.returncode == 0, made.stderr
    entry = [e for e in ok(client(team, "rita").get("/api/log")) if e["action"] == "style.add"][-1]
    assert (entry["actor"], entry["channel"]) == ("omar", "cli")
    assert ok(httpx.get(team["url"] + "/api/people/me", headers={"Authorization": f"Bearer {token}"}))["name"] == "omar"
    out = cli(team["root"], "logout", home=home)
    assert out.returncode == 0, out.stderr
    assert not kept.exists()
    after = httpx.get(team["url"] + "/api/people/me", headers={"Authorization": f"Bearer {token}"})
    assert after.status_code == 401 and "revoked" in after.json()["error"]
    nobody = cli(team["root"], "style", "add", "slate", "--text", "slate", home=home)
    assert nobody.returncode == 4 and "pressroom login" in nobody.stderr
    twice = cli(team["root"], "logout", "--server", team["url"] + "/", home=home)
    assert twice.returncode == 3 and "not logged in" in twice.stderr
    nowhere = cli(
        team["root"],
        "login",
        "--server",
        "http://127.0.0.1:9",
        "--name",
        "omar",
        "--password-stdin",
        stdin=password("omar") + "\n",
        home=home,
    )
    assert nowhere.returncode == 7 and "cannot reach" in nowhere.stderr and not kept.exists()


def test_serve_with_two_processes_answers_on_one_port(team):
    port = free_port()
    env = {**os.environ, "PRESSROOM_STUDIO": str(team["root"]), "PRESSROOM_CONFIG_HOME": str(team["root"] / "no-login")}
    server, base = serving.start(team["root"], "--workers", "2", port=port, env=env)
    try:
        rita = {"Authorization": f"Bearer {team['tokens']['rita']}"}
        for _ in range(6):  # new connections each: either process answers, as the same person
            assert ok(httpx.get(base + "/api/people/me", headers=rita))["name"] == "rita"
        assert httpx.get(base + "/api/people/me").status_code == 401
    finally:
        serving.stop(server, timeout_s=30)
    bad = cli(team["root"], "serve", "--port", str(port), "--workers", "0")
    assert bad.returncode == 2 and "--workers" in bad.stderr


def test_an_image_goes_out_to_post_and_its_retouch_comes_back_through_the_api(team):
    import io

    from PIL import Image

    omar, rita = client(team, "omar"), client(team, "rita")
    brief, lock = locked(team, "Retouched boots")
    hero = lock["hero"]
    out = omar.post(f"/api/images/{hero}/post-out", data={"format": "tiff"})
    assert out.status_code == 200 and out.headers["content-type"] == "image/tiff"
    assert out.headers["content-disposition"].endswith('-for-post.tif"')
    handed = Image.open(io.BytesIO(out.content))
    assert handed.size == (SIZE, SIZE)
    retouched = io.BytesIO()
    handed.convert("RGB").resize((SIZE * 2, SIZE * 2)).save(retouched, format="JPEG", quality=92)
    route = f"/api/images/{hero}/post-in"
    sent = {"file": ("retouched.jpg", retouched.getvalue(), "image/jpeg")}
    for answer, status, field, words in (
        (rita.post(route, data={"tool": "GIMP 3.0"}, files=sent), 403, "actor", "operator"),
        (omar.post(route, files=sent), 400, "tool", "name the tool"),
        (
            omar.post(route, data={"tool": "GIMP 3.0"}, files={"file": ("r.bmp", b"BM", "image/bmp")}),
            400,
            "file",
            "PNG, JPEG, WebP, TIFF or PSD",
        ),
        (rita.post(f"/api/images/{hero}/post-out"), 403, "actor", "operator"),
    ):
        assert answer.status_code == status, (status, answer.text)
        assert answer.json()["field"] == field and words in answer.json()["error"], answer.json()
    came = ok(omar.post(route, data={"tool": "GIMP 3.0", "note": "upresed"}, files=sent), 201)
    assert came["parent"] == hero and came["play"] == "post" and (came["width"], came["height"]) == (SIZE * 2,) * 2
    assert came["post"]["tool"] == "GIMP 3.0" and came["post"]["kind"] == "JPEG" and came["post"]["by"] == "omar"
    assert not came["path"].startswith("/")  # no server path in the answer
    checks = {item: "pass" for item in CHECKLIST}
    review = {"decision": "approved", "checks": checks, "alt_text": "A retouched boot"}
    refused = omar.post(f"/api/images/{came['id']}/review", json=review)  # the retoucher made it
    assert refused.status_code == 403 and f"omar made generation {came['id']}" in refused.json()["error"]
    assert ok(rita.post(f"/api/images/{came['id']}/review", json=review), 201)["result"] == "approved"
