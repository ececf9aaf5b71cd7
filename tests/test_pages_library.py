"""Release and the library on the pages, in a real browser (Debian's Chromium driven by Playwright)
against a real `pressroom serve` on the run's ledger and the fake engine.

Before the browser arrives the studio's work is done through the service layer: brief A is taken
through sprint, direction, lock, a volume run, the cull and rita's approval (omar made the images)
with alt text, ready for the keeper to release on the page; briefs B and C have one approved concept
each, released already, so the library has files of more than one brief to search.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from browsing import all_loaded, serious_violations, shoot, signed_in, studio_ctx, team_site
from PIL import Image
from test_release import flip_pixel_byte

from pressroom.domain.brief import parse
from pressroom.plays import briefs, concepts, culls, library, lockin, releases, reviews, volume

STYLES = ["watercolor", "flat-vector", "cinematic"]


def approve(ctx, generation_id: int) -> None:
    """rita passes every item of the image's checklist and approves it, with alt text."""
    checks = {item: "pass" for item in reviews.checklist(ctx, generation_id)}
    reviews.decide(ctx, generation_id, "approved", checks, alt_text=f"A trail shoe on wet rock, image {generation_id}")


@pytest.fixture(scope="module")
def site(tmp_path_factory, ledgers):
    def prepare(ctx):
        a = briefs.open_brief(ctx["dana"], parse(briefs.TEMPLATE))["id"]
        sprint = concepts.sprint(ctx["omar"], a, STYLES, per_style=1, steps=2)
        concepts.approve_direction(ctx["dana"], a, sprint.rows[0].id)
        lock = lockin.lock(ctx["omar"], a, steps=2, width=64, height=64)
        made = sorted(
            row.id
            for row in volume.run(ctx["omar"], lock.row.id, [("subject", "red shoe"), ("subject", "blue shoe")], 1).made
        )
        culls.cull(ctx["omar"], made, keep=True, reason="")
        for generation in made:
            approve(ctx["rita"], generation)
        shelved = {}
        for title in ("Autumn boot", "Winter sandal"):
            spec = parse(briefs.TEMPLATE.replace("Spring trail shoe launch", title))
            brief = briefs.open_brief(ctx["dana"], spec)["id"]
            approve(ctx["rita"], concepts.sprint(ctx["omar"], brief, STYLES, per_style=1, steps=2).rows[0].id)
            shelved[brief] = [
                row.file(ctx["dana"].studio) for row in releases.release(ctx["dana"], brief, ["linkedin"])
            ]
        return {"brief": a, "approved": made, "shelved": shelved}

    with team_site(tmp_path_factory, ledgers, prepare, worker=True) as served_site:  # a release is a job
        yield served_site


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_keeper_releases_and_downloads(browser, site):
    brief = site["brief"]
    page = signed_in(browser, site, "dana")
    waiting = page.get_by_role("region", name="Approved images to release (2)")
    assert waiting.locator("li").count() == 2  # one line per approved image not released yet
    waiting.get_by_role("link", name=f"Release from brief {brief}: Spring trail shoe launch").first.click()
    page.wait_for_url(f"{site['url']}/briefs/{brief}/release")
    assert page.get_by_text("Nothing released yet.").is_visible()
    page.get_by_label("instagram-feed").uncheck()  # the brief's channels come checked; one is enough here
    page.get_by_label("linkedin").check()
    page.get_by_label("jpeg").check()
    page.get_by_role("button", name="Preview what goes out").click()  # seen before it happens
    preview = page.locator("#release-preview")
    preview.get_by_role("heading", name="What goes out: 6 new files, 2 with a warning").wait_for()
    assert preview.locator(".planned").count() == 2 and preview.locator(".crop").count() == 2
    assert preview.get_by_text("upscaled").count() == 2  # the 64 px masters blown up for linkedin
    assert serious_violations(page) == []
    assert page.get_by_text("Nothing released yet.").is_visible()  # a preview writes nothing
    page.get_by_role("button", name="Release the approved images").click()
    page.locator("#release-outcome .follow").wait_for()  # a job, followed live, then the page again
    files = page.locator("#released article")
    files.nth(5).wait_for(timeout=120_000)
    assert files.count() == 6  # for each approved image: the master, and linkedin in PNG and JPEG
    for article in files.all():  # each file's verify status comes as it scrolls into view
        article.scroll_into_view_if_needed()
        article.locator(".verify.pass").wait_for()
    all_loaded(page, "#released img")
    for generation in site["approved"]:
        shown = page.locator("#released article", has_text=f"image #{generation}")
        assert shown.count() == 3
        for text in (
            "Trusted, signed by pages signer",
            "trainedAlgorithmicMedia",
            f"A trail shoe on wet rock, image {generation}",
            "recipe r",
        ):
            assert all(text in one for one in shown.all_inner_texts()), text
    assert serious_violations(page) == []
    shoot(page, site, "release")

    ctx = studio_ctx(site)
    released = releases.released(ctx, brief)
    ctx.studio.close()
    assert len(released) == 6 and {doc["released_by"] for doc in released} == {"dana"}
    linkedin = next(doc for doc in released if doc["rendition"] == "linkedin" and doc["format"] == "jpeg")
    name = Path(linkedin["path"]).name
    assert linkedin["lineage"]["rendered_from"] is not None  # a rendition names the master it was made from
    with page.expect_download() as one:
        page.get_by_role("link", name=f"Download {name}").click()
    assert one.value.suggested_filename == name
    assert sha256(Path(one.value.path()).read_bytes()) == linkedin["sha256"]
    with page.expect_download() as bundle:
        page.get_by_role("link", name="Download all 6 files as a zip").click()
    assert bundle.value.suggested_filename == f"brief-{brief}-release.zip"
    with zipfile.ZipFile(bundle.value.path()) as archive:
        assert sorted(archive.namelist()) == sorted(Path(doc["path"]).name for doc in released)
        assert sha256(archive.read(name)) == linkedin["sha256"]


def test_a_person_without_the_keeper_role_is_refused(browser, site):
    ctx = studio_ctx(site)
    before = len(releases.released(ctx, site["brief"]))
    page = signed_in(browser, site, "rita")
    assert page.get_by_role("region", name="Approved images to release").count() == 0  # not a keeper's home
    page.goto(f"/briefs/{site['brief']}/release")
    assert page.get_by_role("button", name="Release the approved images").count() == 0  # not offered
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "pressroom_csrf")
    refused = page.request.post(
        f"{site['url']}/briefs/{site['brief']}/release", form={"channel": "linkedin"}, headers={"X-CSRF-Token": csrf}
    )
    assert refused.status == 403
    assert "rita may not release images: it needs the keeper role (rita has: reviewer)" in refused.text()
    shoot(page, site, "release-refused")
    assert len(releases.released(ctx, site["brief"])) == before  # nothing was released
    ctx.studio.close()


def test_a_facet_narrows_the_search_and_an_asset_reproduces(browser, site):
    second = max(site["shelved"])
    page = signed_in(browser, site, "omar")
    page.get_by_role("link", name="Library", exact=True).click()
    # before any word the page shows the whole library, newest first, with its facets
    ctx = studio_ctx(site)
    newest = library.browse(ctx, "", limit=24)
    ctx.studio.close()
    opening = page.locator("#results-heading").inner_text()
    assert opening.startswith(f"{newest['total']} released") and "newest first" in opening and newest["total"] >= 4
    shown = page.locator("#results figure").all_inner_texts()
    assert [text.split(" · ")[0] for text in shown] == [f"asset {a['asset']}" for a in newest["assets"]]
    assert [a["asset"] for a in newest["assets"]] == sorted((a["asset"] for a in newest["assets"]), reverse=True)
    page.get_by_label("Search released files").fill("shoe")
    page.get_by_role("button", name="Search", exact=True).click()
    everything = int(page.locator("#results-heading").inner_text().split()[0])
    assert everything >= 4  # briefs B and C, two files each (more once brief A is released)
    page.goto("/library?q=shoe&limit=3")  # three to a page
    heading, tiles = page.locator("#results-heading"), page.locator("#results figure")
    assert f"page 1 of {-(-everything // 3)}" in heading.inner_text() and tiles.count() == 3
    first = tiles.all_inner_texts()
    page.get_by_role("link", name="Next page").click()
    heading.get_by_text("page 2 of").wait_for()
    assert tiles.count() == min(3, everything - 3) and not set(tiles.all_inner_texts()) & set(first)
    page.get_by_role("region", name="brief", exact=True).get_by_role("link", name=f"brief {second}").click()
    page.locator("#results-heading").get_by_text("2 found").wait_for()
    tiles = page.locator("#results figure")
    assert tiles.count() == 2 and all(f"brief {second}" in text for text in tiles.all_inner_texts())
    assert f"remove brief {second}" in page.locator("main").inner_text()
    all_loaded(page, "#results img")
    assert serious_violations(page) == []
    shoot(page, site, "library")
    ctx = studio_ctx(site)
    assert library.browse(ctx, "shoe", brief=second)["total"] == 2 < library.browse(ctx, "shoe")["total"] == everything
    ctx.studio.close()

    tiles.first.get_by_role("link").click()
    page.wait_for_url(f"{site['url']}/assets/*")
    assert page.locator(".verify.pass").inner_text().startswith("Trusted, signed by pages signer")
    page.get_by_role("button", name="Reproduce asset").click()
    verdict = page.locator("#reproduced").get_by_role("status")
    verdict.wait_for()
    assert "exact" in verdict.inner_text()
    assert serious_violations(page) == []
    shoot(page, site, "asset-reproduced")


def test_similar_images_from_an_upload(browser, site):
    master = next(path for path in site["shelved"][min(site["shelved"])] if "-master." in path.name)
    page = signed_in(browser, site, "rita")
    page.goto("/library")
    page.get_by_label("Image to look for").set_input_files(master)
    page.get_by_role("button", name="Find similar images").click()
    found = page.locator("#similar figure", has_text="0 bits apart")
    found.first.wait_for()
    assert "master" in found.first.inner_text()


def test_the_verify_page_passes_a_released_file_and_fails_a_tampered_or_foreign_one(browser, site, tmp_path):
    master = next(path for path in site["shelved"][min(site["shelved"])] if "-master." in path.name)
    page = signed_in(browser, site, "ola")
    page.get_by_role("link", name="Verify a file").click()
    assert serious_violations(page) == []
    page.get_by_label("File to verify").set_input_files(master)  # choosing a file sends it
    heading = page.locator("#verdict h2")
    heading.get_by_text(f"{master.name}: passes — Trusted, signed by pages signer").wait_for()
    verdict = page.locator("#verdict").inner_text()
    assert "trainedAlgorithmicMedia" in verdict and "A trail shoe on wet rock" in verdict
    assert "approved at the" in verdict  # the review it was let out by, as signed into the file
    shoot(page, site, "verify-pass")

    tampered = tmp_path / f"tampered-{master.name}"
    flip_pixel_byte(master, tampered)
    drop(page, tampered)  # dropped on the box, as a person drags it from their desktop
    heading.get_by_text(f"{tampered.name}: fails — Invalid").wait_for()
    assert page.locator("#verdict .refusal").count() >= 1
    shoot(page, site, "verify-tampered")

    foreign = tmp_path / "from-elsewhere.png"
    Image.new("RGB", (32, 32), (200, 40, 40)).save(foreign)
    drop(page, foreign)
    heading.get_by_text("from-elsewhere.png: fails — no C2PA manifest").wait_for()
    assert "Unverified" in page.locator("#verdict").inner_text()


def drop(page, path: Path) -> None:
    """Drop the file at ``path`` on the verify page's box (a drag from outside the browser)."""
    carried = page.evaluate_handle(
        "([name, bytes]) => { const t = new DataTransfer();"
        " t.items.add(new File([new Uint8Array(bytes)], name, {type: 'image/png'})); return t; }",
        [path.name, list(path.read_bytes())],
    )
    page.dispatch_event("#verify-form", "drop", {"dataTransfer": carried})
