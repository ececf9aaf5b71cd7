"""How fast a contact sheet opens in a real browser: 30 and 500 images, cold and warm.

Builds a studio on the fake engine with a volume run of each size, serves it with a real
`pressroom serve`, signs in from Debian's Chromium (Playwright) and times, for the cull grid of
each run: the first contentful paint, and the moment every image on the sheet has loaded. The
cold load makes each WebP thumbnail on the server; the warm one is a second browser context
(no browser cache) whose thumbnails the server already has.

    python bench/pages.py [--sizes 30 500] [--runs 3]
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


def build(root: Path, sizes: list[int]) -> dict[int, int]:
    """A studio whose recipes each have a volume run of one of ``sizes`` images; size -> recipe id."""
    studio = Studio.init(root, name="bench")
    model_plays.add(studio, "sketch", engine="fake", license="apache-2.0", commercial=True, size=64)
    config = root / "pressroom.toml"
    config.write_text(config.read_text().replace('default_model = "tiny"', 'default_model = "sketch"'))
    studio.close()
    studio = Studio(root)
    admin = Context(studio, Actor.unknown("cli"))
    accounts.add_account(admin, "dana", ["director", "operator", "keeper"], password=PASSWORD)
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


def main() -> int:
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
