"""Notifications on the pages, in a real browser against a real `pressroom serve`, with a real SMTP
server (aiosmtpd): a person chooses how they are told of each kind of news and a daily digest; an
admin mails an invite whose link the invited person opens and accepts, and reads in the delivery
log what was mailed. Each flow checks the ledger (or the mailbox), not only the page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from browsing import password, serious_violations, shoot, signed_in, studio_ctx, team_site
from mailing import mail_settings, smtp_server

from pressroom.domain.brief import parse
from pressroom.plays import accounts, assignments, briefs, notices, outbox, people

NEWCOMER = "pia"


@pytest.fixture(scope="module")
def smtp():
    with smtp_server() as running:
        yield running


@pytest.fixture(scope="module")
def site(tmp_path_factory, ledgers, smtp):
    """The team studio with mail set up; omar has an address, pia is in it without a password."""
    _, port = smtp

    def prepare(ctx):
        config = ctx["dana"].studio.root / "pressroom.toml"
        config.write_text(config.read_text() + mail_settings(port))
        accounts.add_account(ctx["dana"], "omar", [], email="omar@example.com")
        accounts.add_account(ctx["dana"], NEWCOMER, ["reviewer"])
        today = datetime.now(UTC).date()
        late = re.sub(r"(?m)^due = .*$", f"due = {today - timedelta(days=1)}", briefs.TEMPLATE)
        brief = briefs.open_brief(ctx["dana"], parse(late))["id"]
        assignments.assign(ctx["dana"], brief, "rita", (today + timedelta(days=1)).isoformat())
        return {"brief": brief}

    with team_site(tmp_path_factory, ledgers, prepare) as served_site:
        yield served_site


def test_a_person_chooses_how_they_are_told(browser, site):
    page = signed_in(browser, site, "omar")
    page.goto("/inbox")
    page.get_by_role("link", name="How you are told").click()
    page.wait_for_url(site["url"] + "/inbox/settings")
    assert "Mail goes to omar@example.com." in page.locator("main").inner_text()
    assert serious_violations(page) == []
    page.get_by_label("One of your images was sent back").select_option("off")
    page.get_by_label("Work waiting on you is overdue").select_option("email")
    page.get_by_label("Send me one digest mail a day instead of each mail as it comes").check()
    page.get_by_role("button", name="Save").click()
    assert page.locator("#notify-outcome").get_by_role("status").inner_text() == "Saved."
    shoot(page, site, "inbox-settings")
    ctx = studio_ctx(site)
    try:
        omar = ctx.acting_as(people.actor(ctx, "omar", "python"))
        chosen = notices.preferences(omar)
        by_kind = {row["kind"]: row["channel"] for row in chosen["kinds"]}
        assert by_kind["review.changes_requested"] == "off" and by_kind["due.overdue"] == "email"
        assert by_kind["review.requested"] == "both" and chosen["digest"] is True
    finally:
        ctx.studio.close()
    page.reload()  # the page shows what was stored
    assert page.get_by_label("One of your images was sent back").input_value() == "off"
    assert page.get_by_label("Send me one digest mail a day instead of each mail as it comes").is_checked()

    rita = signed_in(browser, site, "rita")  # no address: e-mail cannot be chosen, nor a digest
    rita.goto("/inbox/settings")
    assert "You have no e-mail address yet" in rita.locator("main").inner_text()
    assert rita.get_by_label("Send me one digest mail a day instead of each mail as it comes").is_disabled()
    assert rita.locator('select[name="mark.mention"] option[value="email"]').is_disabled()


def test_an_invite_mailed_from_the_people_page_arrives_and_shows_in_the_delivery_log(browser, site, smtp):
    box, _ = smtp
    admin = signed_in(browser, site, "dana")
    admin.goto("/people")
    assert admin.get_by_role("region", name="Mail and webhook deliveries").count() == 1
    admin.get_by_label("Person", exact=True).select_option(NEWCOMER)
    admin.get_by_label("Mail the link to (optional)").fill(
        "pia@example"
    )  # the browser lets it by; the studio wants a dot in the domain
    admin.get_by_role("button", name="Make an invite link").click()
    assert (
        "is not an address like name@example.com" in admin.locator("#invite-outcome").get_by_role("alert").inner_text()
    )
    admin.get_by_label("Mail the link to (optional)").fill("pia@example.com")
    admin.get_by_role("button", name="Make an invite link").click()
    link = admin.get_by_label(f"Invite link for {NEWCOMER}").input_value()
    assert "mailed to pia@example.com" in admin.locator("#invite-outcome").inner_text()

    ctx = studio_ctx(site)  # the worker's turn
    try:
        assert outbox.deliver(ctx.studio)["sent"] == 1
    finally:
        ctx.studio.close()
    [(to, mail)] = [m for m in box.messages if m[0] == ["pia@example.com"]]
    mailed = re.search(r"\S+/invite\?code=\S+", mail.get_body(("plain",)).get_content()).group(0)
    assert mailed == link

    newcomer = browser.new_context().new_page()
    newcomer.goto(mailed)
    newcomer.get_by_label("New password").fill(password(NEWCOMER))
    newcomer.get_by_label("The same password again").fill(password(NEWCOMER))
    newcomer.get_by_role("button", name="Set my password and sign in").click()
    newcomer.wait_for_url(site["url"] + "/")
    assert f"Signed in as {NEWCOMER}" in newcomer.locator("header").inner_text()

    admin.reload()
    log = admin.get_by_role("region", name="Mail and webhook deliveries")
    row = log.locator("tbody tr").first.inner_text()
    assert "mail to pia@example.com" in row and "invite" in row and "sent" in row
    assert serious_violations(admin) == []
    shoot(admin, site, "people-deliveries")

    other = signed_in(browser, site, "omar")  # not an admin: no People page, no log
    assert other.goto("/people").status == 403
    assert other.get_by_role("region", name="Mail and webhook deliveries").count() == 0
    assert "pia@example.com" not in other.content()


def test_the_brief_page_marks_its_due_dates(browser, site):
    page = signed_in(browser, site, "dana")
    page.goto(f"/briefs/{site['brief']}")
    due = page.locator(".brief-at-hand dd", has_text="overdue")
    assert due.count() == 1 and "(overdue)" in due.inner_text()
    assert "rita, due" in page.locator("#assignments").inner_text()
    assert "(due soon)" in page.locator("#assignments").inner_text()
