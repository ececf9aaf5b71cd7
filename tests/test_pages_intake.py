"""Intake on the pages, in a real browser: the director fills the brief form while its checklist
and the one-sentence intent rule update, opens the brief, pauses and resumes it and stores a new
version; the brief's page shows where it stands, its versions and its timeline. An operator's
attempt is refused with the service layer's message."""

from __future__ import annotations

import re

import pytest
from browsing import serious_violations, shoot, signed_in, studio_ctx, team_site

from pressroom.domain.brief import BriefSpec
from pressroom.plays import briefs, events

FILLED = {  # label -> value, every checklist item but the intent
    "Title": "Autumn boot drop",
    "Purpose": "Launch visuals for the autumn boot",
    "Channels": "instagram-feed, linkedin",
    "Mood": "warm, crisp",
    "Must-haves (one per line)": "the whole boot\nfallen leaves",
    "Consistency": "the same boot in every image",
    "Palette (hex colours)": "#7A3E1D, #F2C14E",
    "Aspect (constraint)": "4:5",
    "Deliverable aspect": "4:5",
    "Deliverable size": "1080x1350",
    "Deliverable count": "4",
    "Subject": "a leather hiking boot",
    "Due": "2026-12-20",
}
CHOSEN = {
    "Intended use": "commercial",
    "Stakes": "standard",
    "Content type": "social",
    "Director": "dana",
    "No real people": "yes",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory, ledgers):
    with team_site(tmp_path_factory, ledgers, lambda ctx: {}) as served_site:
        yield served_site


def checklist_says(page, text: str) -> None:
    page.locator("#checklist").get_by_text(text).wait_for()


def test_the_director_opens_a_brief_as_the_checklist_fills_then_pauses_resumes_and_revises_it(browser, site):
    page = signed_in(browser, site, "dana")
    page.get_by_role("link", name="Open a new brief").click()
    page.wait_for_url(site["url"] + "/briefs/new")
    assert page.locator("#would-be").inner_text() == "draft"
    page.get_by_label("Title").fill(FILLED["Title"])
    checklist_says(page, "2 of 19")  # the title, and the director (dana, who opened the form)
    page.get_by_label("Intent (one sentence)").fill("Warm boots. For cold trails.")
    page.locator("#intent-rule").get_by_text("The intent is 2 sentences; state it in one sentence.").wait_for()
    page.get_by_label("Palette (hex colours)").fill("rust")
    page.locator("#checklist [role=alert]").get_by_text("'rust' is not a hex colour like '#1F4E79'").wait_for()
    for label, value in FILLED.items():
        page.get_by_label(label, exact=True).fill(value)
    for label, value in CHOSEN.items():
        page.get_by_label(label, exact=True).select_option(value)
    checklist_says(page, "19 of 19")
    assert page.locator("#would-be").inner_text() == "paused"  # complete, but two sentences
    page.get_by_label("Intent (one sentence)").fill("Show the boot as the warmest way onto a cold trail.")
    page.locator("#intent-rule").get_by_text("The intent is one sentence.").wait_for()
    page.locator("#would-be").get_by_text("active").wait_for()
    assert serious_violations(page) == []
    shoot(page, site, "intake")
    page.get_by_role("button", name="Open the brief").click()
    page.wait_for_url(re.compile(r"/briefs/\d+$"))
    brief_id = int(page.url.rsplit("/", 1)[1])
    ctx = studio_ctx(site)
    stored = briefs.show(ctx, brief_id)
    assert (stored["status"], stored["missing"]) == ("active", [])
    assert stored["spec"]["must_haves"] == ["the whole boot", "fallen leaves"]
    assert stored["spec"]["constraints"] == {"no_real_people": True, "palette": ["#7A3E1D", "#F2C14E"], "aspect": "4:5"}
    assert stored["spec"]["deliverables"]["count"] == 4 and stored["spec"]["due"] == "2026-12-20"
    ctx.studio.close()

    assert page.locator(".plays li.done").first.inner_text().startswith("intake")
    assert "concept sprint" in page.locator(".plays li[aria-current=step]").inner_text()
    page.get_by_label("Reason to pause").fill("legal is checking the boot's name")
    page.get_by_role("button", name="Pause the brief").click()
    page.locator("#brief-status").get_by_text("paused").wait_for()
    page.get_by_label("Reason to resume").fill("legal cleared the name")
    page.get_by_role("button", name="Resume the brief").click()
    page.locator("#brief-status").get_by_text("active").wait_for()
    assert serious_violations(page) == []

    page.get_by_role("link", name="edit (a new version)").click()
    assert page.get_by_label("Title").input_value() == FILLED["Title"]  # the form holds the stored brief
    assert page.get_by_label("Must-haves (one per line)").input_value() == "the whole boot\nfallen leaves"
    page.get_by_label("Title").fill("Autumn boot drop, wave one")
    page.get_by_role("button", name="Store this version").click()
    page.wait_for_url(f"{site['url']}/briefs/{brief_id}")
    assert page.locator("h1").inner_text() == f"Brief {brief_id}: Autumn boot drop, wave one"
    assert page.locator(".versions li").count() == 2
    said = page.locator(".timeline li").all_inner_texts()
    assert [line.split(" dana ", 1)[1] for line in said] == [
        "stored a new version of the brief",
        "resumed the brief (because: legal cleared the name)",
        "paused the brief (because: legal is checking the boot's name)",
        "opened the brief",
    ]
    shoot(page, site, "brief-timeline")
    ctx = studio_ctx(site)
    assert [e["action"] for e in events.log(ctx, brief_id)] == [
        "brief.new",
        "brief.pause",
        "brief.resume",
        "brief.update",
    ]
    ctx.studio.close()


def test_an_operator_cannot_open_a_brief_and_is_told_why(browser, site):
    page = signed_in(browser, site, "omar")
    page.goto("/briefs/new")
    page.get_by_label("Title").fill("An operator's brief")
    page.get_by_role("button", name="Open the brief").click()
    refusal = page.locator("#brief-outcome").get_by_role("alert")
    assert "needs the director role" in refusal.inner_text()
    assert page.url.endswith("/briefs/new")
    ctx = studio_ctx(site)
    assert all(b["title"] != "An operator's brief" for b in briefs.briefs(ctx))
    ctx.studio.close()


def test_the_form_names_every_checklist_item_the_brief_checks():
    from pressroom.server.pages import intake

    assert list(intake.LABELS) == BriefSpec().missing()  # an empty brief misses every item, in order
