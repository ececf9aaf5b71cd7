"""The whole playbook in the browser on the built-in model, as the README's team would run it:
three people signed in from three browser contexts (dana directs and keeps the library, omar
operates, rita reviews), a real `pressroom serve` and a real `pressroom worker` rendering with the
tiny diffusers model. Intake, concept sprint, direction, lock-in, volume, cull, review and release,
each on its page, reached by links and buttons from each person's home page: no URL is typed. The
ledger is checked at the end."""

from __future__ import annotations

import re

import pytest
from browsing import decide_on_page, lock_on_page, shoot, signed_in, studio_ctx, team_site
from test_pages_intake import CHOSEN, FILLED

from pressroom.plays import briefs, metrics, releases
from pressroom.plays import images as image_plays

# the built-in model's part is the same on either ledger; each page's flow runs on PostgreSQL in the
# other page tests (on the fake engine)


@pytest.fixture(scope="module")
def site(tmp_path_factory, ledgers):
    with team_site(tmp_path_factory, ledgers, lambda ctx: {}, worker=True, model="tiny") as served_site:
        yield served_site


@pytest.mark.long_running
def test_three_people_run_the_whole_playbook_on_the_built_in_model(browser, site):
    dana, omar, rita = (signed_in(browser, site, name) for name in ("dana", "omar", "rita"))

    # intake: dana opens the brief
    dana.get_by_role("link", name="Open a new brief").click()
    for label, value in FILLED.items():
        dana.get_by_label(label, exact=True).fill(value)
    for label, value in CHOSEN.items():
        dana.get_by_label(label, exact=True).select_option(value)
    dana.get_by_label("Intent (one sentence)").fill("Show the boot as the warmest way onto a cold trail.")
    dana.locator("#would-be").get_by_text("active").wait_for()
    dana.get_by_role("button", name="Open the brief").click()
    dana.wait_for_url(re.compile(r"/briefs/\d+$"))
    brief = int(dana.url.rsplit("/", 1)[1])

    # concept sprint: omar, on the built-in model, finds the brief on his home page
    omar.reload()
    omar.get_by_role("region", name="Briefs").get_by_role("link", name=f"{brief}: {FILLED['Title']}").click()
    omar.wait_for_url(f"{site['url']}/briefs/{brief}")
    for style in ("watercolor", "flat-vector", "cinematic"):
        omar.get_by_label(style).check()
    omar.get_by_label("Images per style").fill("1")
    omar.get_by_label("Steps").fill("2")
    omar.get_by_role("button", name="Launch the sprint").click()
    omar.locator("#ranking .candidate").nth(2).wait_for(timeout=180_000)

    # direction: dana ranks the third first and approves it
    dana.reload()
    concepts = dana.locator("#ranking .candidate").evaluate_all("items => items.map(i => +i.dataset.id)")
    dana.locator(f"#ranking [data-id='{concepts[2]}']").focus()
    dana.keyboard.press("Shift+ArrowLeft")
    dana.keyboard.press("Shift+ArrowLeft")
    dana.get_by_role("button", name="Save this ranking").click()
    dana.locator("#rank-outcome").get_by_text("Ranking saved by dana").wait_for()
    dana.get_by_role("button", name=f"Approve #{concepts[2]} as the direction").click()
    dana.locator("#direction").get_by_text(f"Direction approved: image #{concepts[2]}, by dana.").wait_for()

    # lock-in and volume: omar
    omar.reload()
    recipe = lock_on_page(omar, concepts[2], timeout_ms=180_000)
    assert omar.locator("#verdict").inner_text().endswith("is exact.")
    omar.get_by_label("Values of subject, one per line").fill("a brown boot\na black boot")
    omar.get_by_label("Seeds per value").fill("2")
    omar.get_by_role("button", name="Run the volume batch").click()
    omar.locator("#volume-outcome .ended").get_by_role("link", name="Cull this run").click(timeout=180_000)

    # cull: omar keeps three and rejects one with the keyboard
    omar.wait_for_url(f"{site['url']}/recipes/{recipe}/cull")
    omar.get_by_label("Reason for r").select_option("hands")
    tiles = omar.locator("#cull-grid .tile")
    tiles.first.focus()
    for n, (key, status) in enumerate((("k", "kept"), ("k", "kept"), ("k", "kept"), ("r", "rejected"))):
        omar.keyboard.press(key)  # the focus moves on to the next tile
        tiles.nth(n).and_(omar.locator(f".{status}")).wait_for()
    omar.locator("#keep-rate").get_by_text("0 still to cull").wait_for()
    ctx = studio_ctx(site)  # the cull page's keep rate is the metrics page's, for the same recipe
    [row] = [r for r in metrics.report(ctx)["recipes"] if r["recipe"] == recipe]
    ctx.studio.close()
    assert row["kept"] >= 3 and f"Keep rate {row['keep_rate'] * 100:.0f} %" in omar.locator("#keep-rate").inner_text()

    # review: rita approves the first kept image, from her home page
    rita.reload()
    rita.get_by_role("region", name="Images to review").get_by_role("link").first.click()
    rita.wait_for_url(re.compile(r"/images/\d+$"))
    approved = int(rita.url.rsplit("/", 1)[1])
    decide_on_page(rita, "approved", alt_text="A brown leather boot on a frosty trail")
    rita.locator("#decision-outcome").get_by_text("Recorded: approved by rita").wait_for()

    # release: dana, from her home page
    dana.get_by_role("link", name="pressroom").click()
    dana.get_by_role("region", name="Approved images to release").get_by_role(
        "link", name=re.compile("Release from brief")
    ).first.click()
    dana.get_by_role("button", name="Release the approved images").click()
    dana.locator("#release-outcome .follow").wait_for()  # the release runs as a job, followed live
    first = dana.locator("#released article").first
    first.wait_for(timeout=120_000)
    first.scroll_into_view_if_needed()
    first.locator(".verify.pass").wait_for()
    shoot(dana, site, "playbook-release")

    ctx = studio_ctx(site)
    shown = briefs.show(ctx, brief)
    made = image_plays.listing(ctx, brief_id=brief)
    released = releases.released(ctx, brief)
    ctx.studio.close()
    assert shown["direction"] == concepts[2] and [r["status"] for r in shown["recipes"]] == ["locked"]
    assert {image["model"] for image in made} == {"tiny"}  # the built-in model, not the fake engine
    assert sorted(image["status"] for image in made if image["play"] == "volume") == ["kept"] * 3 + ["rejected"]
    assert released and {doc["generation"] for doc in released} == {approved}
