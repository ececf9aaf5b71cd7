"""How fast the pages are: a contact sheet in a real browser, and the review room's server time.

``sheets`` (the default): how fast a contact sheet opens in a real browser, 30 and 500 images,
cold and warm. Builds a studio on the fake engine with a volume run of each size, serves it with a real
`pressroom serve`, signs in from Debian's Chromium (Playwright) and times, for the cull grid of
each run: the first contentful paint, and the moment every image on the sheet has loaded. The
cold load makes each WebP thumbnail on the server; the warm one is a second browser context
(no browser cache) whose thumbnails the server already has.

    python bench/pages.py [--sizes 30 500] [--runs 3]

``server``: the server time of the pages a review room lives in, with one brief of 2,000 kept
images (a quarter of them with a decision) and 20 reviewers: each reviewer's home (their
worklist), the brief's page, and an image's page (the review page), timed over HTTP as a
signed-in browser asks for them, p50 and p95 (the goal: p95 under 300 ms on the 2-core machine).
An image page asks for its pre-check findings (faces, text, sharpness ...) once it is shown; they
are timed on their own, on images whose findings were never asked for.

    python bench/pages.py server [--images 2000] [--reviewers 20] [--runs 40]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from playwright.sync_api import sync_playwright  # noqa: E402
from serving import served  # noqa: E402

from pressroom.context import Actor, Context  # noqa: E402
from pressroom.domain.brief import parse
from pressroom.plays import accounts, briefs, concepts, lockin, people, volume
from pressroom.plays import models as model_plays
from pressroom.store.studio import Studio  # noqa: E402

PASSWORD = "bench-correct-horse"
LOADED = "[...document.querySelectorAll('#cull-grid img')].every(i => i.complete && i.naturalWidth > 0)"
PAINT = "performance.getEntriesByName('first-contentful-paint').map(e => e.startTime)[0] || null"


def _studio(root: Path) -> tuple[Studio, Context]:
    """A studio on the fake engine with dana (director, operator, keeper); the studio and a CLI context."""
    studio = Studio.init(root, name="bench")
    model_plays.add(studio, "sketch", engine="fake", license="apache-2.0", commercial=True, size=64)
    config = root / "pressroom.toml"
    config.write_text(config.read_text().replace('default_model = "tiny"', 'default_model = "sketch"'))
    studio.close()
    studio = Studio(root)
    admin = Context(studio, Actor.unknown("cli"))
    accounts.add_account(admin, "dana", ["director", "operator", "keeper"], password=PASSWORD)
    return studio, admin


def build(root: Path, sizes: list[int]) -> dict[int, int]:
    """A studio whose recipes each have a volume run of one of ``sizes`` images; size -> recipe id."""
    studio, admin = _studio(root)
    dana = admin.acting_as(people.actor(admin, "dana", "python"))
    recipes = {}
    for size in sizes:
        brief = briefs.open_brief(dana, parse(briefs.TEMPLATE))["id"]
        first = concepts.sprint(dana, brief, ["watercolor", "flat-vector", "cinematic"], per_style=1, steps=1).rows[0]
        concepts.approve_direction(dana, brief, first.id)
        lock = lockin.lock(dana, brief, steps=1, width=64, height=64)
        values = [("subject", f"shoe {n}") for n in range(10)]
        volume.run(dana, lock.row.id, values, size // len(values))
        recipes[size] = lock.row.id
    studio.close()
    return recipes


def load(browser, base: str, recipe: int) -> tuple[float, float]:
    """(first contentful paint, every image loaded), in seconds, for a fresh signed-in context."""
    context = browser.new_context(base_url=base)
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("Name").fill("dana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")
    started = time.perf_counter()
    page.goto(f"/recipes/{recipe}/cull", wait_until="commit")
    page.wait_for_function(LOADED, timeout=300_000, polling=20)
    complete = time.perf_counter() - started
    paint = page.evaluate(PAINT)
    context.close()
    return (paint / 1000 if paint is not None else float("nan")), complete


def build_room(root: Path, images: int, reviewers: int) -> dict:
    """One brief with ``images`` kept volume images, ``reviewers`` reviewers, and a decision on every
    fourth image by one of them; what the timings need to know."""
    from pressroom.domain.gate import CHECKLIST
    from pressroom.plays import culls, reviews

    studio, admin = _studio(root)
    names = [f"reviewer-{n:02d}" for n in range(reviewers)]
    for name in names:
        accounts.add_account(admin, name, ["reviewer"], password=PASSWORD)
    dana = admin.acting_as(people.actor(admin, "dana", "python"))
    brief = briefs.open_brief(dana, parse(briefs.TEMPLATE))["id"]
    first = concepts.sprint(dana, brief, ["watercolor", "flat-vector", "cinematic"], per_style=1, steps=1).rows[0]
    concepts.approve_direction(dana, brief, first.id)
    lock = lockin.lock(dana, brief, steps=1, width=64, height=64)
    values = [("subject", f"shoe {n}") for n in range(20)]
    made = [row.id for row in volume.run(dana, lock.row.id, values, images // len(values)).made]
    culls.cull(dana, made, keep=True, reason="")
    answers = {item: "pass" for item in CHECKLIST}
    for n, image in enumerate(made[::4]):
        who = admin.acting_as(people.actor(admin, names[n % len(names)], "python"))
        reviews.decide(who, image, "changes-required", {**answers, "hands": "fail:a sixth finger"}, note="again")
    studio.close()
    return {"brief": brief, "images": made, "reviewers": names}


def server_times(args) -> int:
    import httpx

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "studio"
        started = time.perf_counter()
        room = build_room(root, args.images, args.reviewers)
        print(
            f"built a brief of {len(room['images'])} kept images, {args.reviewers} reviewers, "
            f"{len(room['images'][::4])} decisions in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        with served(root) as base:
            clients = {}
            for name in room["reviewers"]:
                client = httpx.Client(base_url=base, timeout=120)
                signed = client.post("/api/session", json={"name": name, "password": PASSWORD})
                assert signed.status_code == 200, signed.text
                clients[name] = client
            image = lambda n: f"/images/{room['images'][(n * 37) % len(room['images'])]}"  # noqa: E731
            pages = {
                "home (a reviewer's worklist)": lambda n: f"/?page={1 + n % 3}",
                "brief": lambda n: f"/briefs/{room['brief']}",
                "image, first view (the review page)": image,
                "image, later views": image,
                "an image's pre-check findings, first time (asked for once the page shows)": lambda n: (
                    f"/images/{room['images'][(n * 41 + 7) % len(room['images'])]}/prechecks"
                ),
            }
            for label, path in pages.items():
                times = []
                for n in range(args.runs):
                    client = clients[room["reviewers"][n % len(room["reviewers"])]]
                    began = time.perf_counter()
                    answer = client.get(path(n))
                    times.append(time.perf_counter() - began)
                    assert answer.status_code == 200, (path(n), answer.status_code)
                times.sort()
                p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                print(
                    f"{label}: p50 {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
                    f"({args.runs} requests)",
                    flush=True,
                )
            for client in clients.values():
                client.close()
    return 0


def main() -> int:
    if sys.argv[1:2] == ["server"]:
        parser = argparse.ArgumentParser(description="the review room's server time")
        parser.add_argument("--images", type=int, default=2000)
        parser.add_argument("--reviewers", type=int, default=20)
        parser.add_argument("--runs", type=int, default=40)
        return server_times(parser.parse_args(sys.argv[2:]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 500])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if any(size % 10 for size in args.sizes):
        parser.error("each size must be a multiple of 10 (ten slot values, seeds for the rest)")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "studio"
        started = time.perf_counter()
        recipes = build(root, args.sizes)
        print(f"built {sum(args.sizes)} images in {time.perf_counter() - started:.1f} s", flush=True)
        with served(root) as base, sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
            for size, recipe in recipes.items():
                cold = load(browser, base, recipe)  # the server makes every thumbnail here
                warm = [load(browser, base, recipe) for _ in range(args.runs)]
                print(
                    f"sheet_{size}: cold first_paint_s={cold[0]:.3f} complete_s={cold[1]:.3f}  "
                    f"warm first_paint_s={statistics.median(w[0] for w in warm):.3f} "
                    f"complete_s={statistics.median(w[1] for w in warm):.3f} (median of {args.runs})",
                    flush=True,
                )
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
