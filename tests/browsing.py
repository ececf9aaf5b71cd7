"""What the browser tests share: a served team studio with its people, one browser context per
person signed in through the sign-in page, and axe-core's serious violations on a page.

Each page test module builds its own ``site`` with ``team_site`` (the work done before the browser
arrives goes through the service layer on the fake engine) and uses the session's ``browser``
(conftest.py: one Chromium per test process, shared by every page test module).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from quickmodel import default_to_fake, small_tiny
from serving import served, stop

from pressroom.context import Actor, Context
from pressroom.plays import accounts, people
from pressroom.store.studio import Studio

PEOPLE = {"dana": ["director", "keeper"], "omar": ["operator", "reviewer"], "rita": ["reviewer"], "ola": ["operator"]}


def password(name: str) -> str:
    return f"{name}-correct-horse"


@contextmanager
def team_site(
    tmp_path_factory,
    ledgers,
    prepare: Callable[[dict[str, Context]], dict],
    *,
    worker: bool = False,
    model: str = "fake",
) -> Iterator[dict]:
    """A team studio (sign-in required) with ``PEOPLE``; ``prepare`` gets each person's context and
    returns what the tests need to know, which comes back with the served ``url``, ``root`` and
    ``shots``, the folder screenshots go to (None: none are taken; see ``shoot``). With ``worker``,
    a `pressroom worker` process runs the jobs the pages queue, as a team's would. The studio draws
    on the fake engine, or with ``model="tiny"`` on the built-in tiny diffusers model (at 64 px)."""
    root = tmp_path_factory.mktemp("pages") / "studio"
    url = ledgers.new_url()
    studio = Studio.init(root, name="pages", database_url=url, default_model="tiny")
    if model == "tiny":
        small_tiny(studio)
    else:
        default_to_fake(studio, "sketch")
    config = root / "pressroom.toml"
    config.write_text(config.read_text() + '\n[team]\nsign_in = "required"\n')
    studio.close()
    studio = Studio(root)
    admin = Context(studio, Actor.unknown("cli"))
    for name, roles in PEOPLE.items():
        accounts.add_account(admin, name, roles, password=password(name))
    known = prepare({name: admin.acting_as(people.actor(admin, name, "python")) for name in PEOPLE})
    studio.close()
    # where screenshots go: PRESSROOM_SHOTS (scripts/page_pictures.py makes docs/pages/ from them), else
    # nowhere: a full-page screenshot cost a sixth of the browser's time, for files nobody looked at
    shots = Path(os.environ["PRESSROOM_SHOTS"]) if os.environ.get("PRESSROOM_SHOTS") else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    running = None
    try:
        if worker:
            running = subprocess.Popen(
                [sys.executable, "-m", "pressroom.cli", "worker"],
                env={**os.environ, "PRESSROOM_STUDIO": str(root)},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        with served(root) as base:
            try:
                yield {**known, "url": base, "root": root, "shots": shots}
            finally:
                forget(base)
    finally:
        stop(running)
        if url:
            ledgers.drop(url)


def form_sign_in(client, name: str, secret: str | None = None):
    """Sign ``client`` (an httpx.Client on the site) in through the sign-in form, as a browser does:
    the form first, its secret sent back with the name and password."""
    form = client.get("/sign-in")
    found = re.search(r'name="form_secret" value="([^"]+)"', form.text)
    assert form.status_code == 200 and found, form.text[:300]
    data = {"name": name, "password": secret or password(name), "form_secret": found.group(1)}
    return client.post("/sign-in", data=data)


def decide_on_page(page, decision: str, alt_text: str = "", fails: dict[str, str] | None = None) -> None:
    """Answer every checklist item on an image page (pass, or fail with the reason given) and record
    ``decision``, as a reviewer does: nothing on the form is answered before they answer it."""
    fails = fails or {}
    assert page.locator("form input[type=radio]:checked").count() == 0
    assert page.get_by_label("Decision").input_value() == ""
    for fieldset in page.locator("form fieldset").all():
        item = fieldset.locator("legend").inner_text().strip()
        if item in fails:
            fieldset.get_by_label("fail", exact=True).check()
            fieldset.get_by_label("Reason if it fails").fill(fails[item])
        else:
            fieldset.get_by_label("pass", exact=True).check()
    page.get_by_label("Decision").select_option(decision)
    if alt_text:
        page.get_by_label("Alt text").fill(alt_text)
    page.get_by_role("button", name="Record the decision").click()


def sideways(page) -> list[str]:
    """What makes the page wider than its window (empty: nothing scrolls sideways)."""
    if page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
        return []
    return page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
        ".map(e => `${e.tagName.toLowerCase()}.${e.className} ends at ${Math.round(e.getBoundingClientRect().right)}`)"
        ".slice(0, 8)"
    ) or ["the page is wider than the window"]


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}


# each person's signed-in browser context, per site: made once, through the sign-in page, and shared by
# the tests of a module, each of which gets a new page in it (measured: a new context cost about a
# second of CPU, most of the browser's time in a page check; a new page in one a tenth of that)
_CONTEXTS: dict[tuple[str, str, bool], object] = {}


def signed_in(browser, site, name: str, *, phone: bool = False, home: bool = True):
    """A new page at ``name``'s home page, signed in; with ``phone``, on a 390 x 844 touch screen.

    The first call for a person on a site signs in through the sign-in page in a browser context of
    their own; later calls open a new page in that context (the same session), at the home page
    unless ``home`` is false (then it may be blank: the caller goes where it means to)."""
    key = (site["url"], name, phone)
    if key in _CONTEXTS:
        page = _CONTEXTS[key].new_page()
        if home:
            page.goto("/")
        return page
    context = browser.new_context(base_url=site["url"], **(PHONE if phone else {}))
    page = context.new_page()
    page.goto("/")
    assert page.url.endswith("/sign-in?next=/"), "an anonymous visitor is sent to sign in"
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(password(name))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(site["url"] + "/")
    assert f"Signed in as {name}" in page.locator("header").inner_text()
    _CONTEXTS[key] = context
    return page


def close_pages() -> None:
    """Close the pages tests opened in the shared contexts (after each test: the next opens its own),
    all but each context's first: while it is open, a new page starts in half the time."""
    for context in _CONTEXTS.values():
        for page in context.pages[1:]:
            page.close()


def forget(url: str) -> None:
    """Close the shared contexts of the site at ``url`` (its server is about to stop)."""
    for key in [key for key in _CONTEXTS if key[0] == url]:
        _CONTEXTS.pop(key).close()


def shoot(page, site, name: str) -> None:
    """Save a full-page screenshot as ``name``.png where ``PRESSROOM_SHOTS`` says; else take none."""
    if site["shots"] is not None:
        page.screenshot(path=site["shots"] / f"{name}.png", full_page=True)


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']}" for v in found if v["impact"] in ("serious", "critical")]


def studio_ctx(site) -> Context:
    return Context(Studio(site["root"]), Actor.unknown("python"))


def all_loaded(page, selector: str) -> None:
    """Wait until every image under ``selector`` has loaded."""
    page.wait_for_function(f"[...document.querySelectorAll({selector!r})].every(i => i.complete && i.naturalWidth > 0)")


def lock_on_page(page, direction: int, timeout_ms: int = 60_000) -> int:
    """Lock a recipe at 2 steps and 64 px from the brief's page open in ``page`` (the direction is
    image ``direction``); waits for the recipe's page and returns its id."""
    page.get_by_text(f"Lock a recipe from the direction (image #{direction})").click()
    page.get_by_label("Steps (final quality)").fill("2")
    page.get_by_label("Width").fill("64")
    page.get_by_label("Height").fill("64")
    page.get_by_role("button", name="Lock the recipe").click()
    page.wait_for_url(re.compile(r"/recipes/\d+$"), timeout=timeout_ms)
    return int(page.url.rsplit("/", 1)[1])
