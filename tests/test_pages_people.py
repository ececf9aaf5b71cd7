"""People, invites, personal tokens and the team's metrics on the pages, in a real browser (Debian's
Chromium through Playwright) against a real `pressroom serve`, on the run's ledger and the fake engine.

The work before the browser arrives (two briefs, a lock, a volume run culled, two reviews) is
done through the service layer; the people then invite, accept, make tokens and read the numbers
on the pages. Each flow checks the ledger (or the API), not only the page, and screenshots its page
where ``PRESSROOM_SHOTS`` says.
"""

from __future__ import annotations

import httpx
import pytest
from browsing import password, serious_violations, shoot, signed_in, studio_ctx, team_site

from pressroom.domain.brief import parse
from pressroom.plays import accounts, briefs, concepts, culls, invites, lockin, metrics, people, reviews, volume
from pressroom.server.pages.metrics import duration, percent, times

STYLES = ["watercolor", "flat-vector", "cinematic"]
NEWCOMER = "pia"


def _checks(ctx, generation_id: int, failing: str = "") -> dict[str, str]:
    items = reviews.checklist(ctx, generation_id)
    return {item: "fail:" + failing if failing and i == 0 else "pass" for i, item in enumerate(items)}


@pytest.fixture(scope="module")
def site(tmp_path_factory, ledgers):
    """Brief 1 taken through lock and a volume run of two slot values (red shoe: both kept; blue
    shoe: one kept, one rejected), its hero approved and a volume image sent back by rita; brief 2
    with a concept sprint only. pia is in the studio without a password (to be invited)."""

    def prepare(ctx):
        first = briefs.open_brief(ctx["dana"], parse(briefs.TEMPLATE))["id"]
        sprint = concepts.sprint(ctx["omar"], first, STYLES, per_style=1, steps=2)
        concepts.approve_direction(ctx["dana"], first, sprint.rows[0].id)
        lock = lockin.lock(ctx["omar"], first, steps=2, width=64, height=64)
        run = volume.run(ctx["omar"], lock.row.id, [("subject", "red shoe"), ("subject", "blue shoe")], 2)
        by_value = {}
        for row in sorted(run.made, key=lambda row: row.id):
            by_value.setdefault(row.slot_value, []).append(row.id)
        red, blue = by_value["red shoe"], by_value["blue shoe"]
        culls.cull(ctx["omar"], [*red, blue[0]], keep=True, reason="")
        culls.cull(ctx["omar"], [blue[1]], keep=False, reason="hands")
        hero = lock.row.hero_generation_id
        reviews.decide(ctx["rita"], hero, "approved", _checks(ctx["rita"], hero), alt_text="A trail shoe on wet rock")
        reviews.decide(ctx["rita"], red[0], "changes-required", _checks(ctx["rita"], red[0], "an extra lace"))
        second = briefs.open_brief(ctx["dana"], parse(briefs.TEMPLATE))["id"]
        concepts.sprint(ctx["omar"], second, STYLES, per_style=1, steps=2)
        accounts.add_account(ctx["dana"], NEWCOMER, ["reviewer"])
        return {"briefs": [first, second], "recipe": lock.row.id, "hero": hero}

    with team_site(tmp_path_factory, ledgers, prepare) as served_site:
        yield served_site


def test_the_admin_invites_a_person_who_accepts_and_signs_in(browser, site):
    admin = signed_in(browser, site, "dana")  # dana was the first with a password: the studio's admin
    admin.get_by_role("navigation").get_by_role("link", name="People").click()
    admin.wait_for_url(site["url"] + "/people")
    assert admin.locator(f"#person-{NEWCOMER}").inner_text().split("\t")[3:] == ["not yet", "none"]
    assert serious_violations(admin) == []
    # a person added on the page, with the roles ticked, is in the roster and the invite list at once
    admin.get_by_label("Name", exact=True).fill("sam")
    admin.get_by_role("button", name="Add the person").click()
    assert (
        admin.locator("#add-outcome")
        .get_by_role("alert")
        .inner_text()
        .startswith("give a new person at least one role")
    )
    admin.get_by_label("Name", exact=True).fill("sam")
    admin.get_by_label("reviewer").check()
    admin.get_by_label("keeper").check()
    admin.get_by_role("button", name="Add the person").click()
    added = admin.locator("#add-outcome").get_by_role("status")
    assert added.inner_text() == "sam is in the studio as keeper, reviewer; make their invite link below."
    assert admin.locator("#person-sam").inner_text().split("\t")[1:4] == ["keeper, reviewer", "no", "not yet"]
    assert "sam" in admin.get_by_label("Person", exact=True).locator("option").all_inner_texts()
    assert serious_violations(admin) == []
    assert {p["name"]: sorted(p["roles"]) for p in invites.roster(studio_ctx(site))}["sam"] == ["keeper", "reviewer"]
    admin.get_by_label("Person", exact=True).select_option(NEWCOMER)
    admin.get_by_role("button", name="Make an invite link").click()
    link = admin.get_by_label(f"Invite link for {NEWCOMER}").input_value()
    assert link.startswith(site["url"] + "/invite?code=")
    assert admin.locator(f"#person-{NEWCOMER}").inner_text().split("\t")[4].startswith("open until")
    shoot(admin, site, "people")

    newcomer = browser.new_context().new_page()
    newcomer.goto(link)
    assert serious_violations(newcomer) == []
    welcome = newcomer.locator("#invited").inner_text()
    assert welcome.startswith(f"Welcome, {NEWCOMER}: dana invited you to this studio. The link works once, until ")
    newcomer.get_by_label("New password").fill("short")
    newcomer.get_by_label("The same password again").fill("short")
    newcomer.get_by_role("button", name="Set my password and sign in").click()
    assert newcomer.get_by_role("alert").inner_text() == "a password must be at least 10 characters"
    shoot(newcomer, site, "invite-short-password")
    newcomer.get_by_label("New password").fill(password(NEWCOMER))
    newcomer.get_by_label("The same password again").fill(password(NEWCOMER))
    newcomer.get_by_role("button", name="Set my password and sign in").click()
    newcomer.wait_for_url(site["url"] + "/")
    assert f"Signed in as {NEWCOMER}" in newcomer.locator("header").inner_text()
    shoot(newcomer, site, "invite-accepted")

    again = browser.new_context().new_page()  # the link works once: its page says so before any password
    answer = again.goto(link)
    spent = again.get_by_role("alert").inner_text()
    assert answer.status == 404 and spent == "this invite is unknown, used or expired; ask an admin for a new one"
    assert again.get_by_label("New password").count() == 0
    signed_in(browser, site, NEWCOMER)  # and the password pia chose signs her in on the sign-in page
    ctx = studio_ctx(site)
    [row] = [row for row in invites.roster(ctx) if row["name"] == NEWCOMER]
    assert row["password"] and row["invite"]["state"] == "accepted"
    ctx.studio.close()


def test_a_person_who_is_not_an_admin_is_refused(browser, site):
    page = signed_in(browser, site, "omar")
    assert page.get_by_role("navigation").get_by_role("link", name="People").count() == 0
    answer = page.goto("/people")
    assert answer.status == 403
    assert page.get_by_role("alert").inner_text() == "omar may not see who is invited: only an admin may"
    shoot(page, site, "people-refused")
    csrf = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']")
    forged = page.request.post("/people/invite", form={"name": NEWCOMER}, headers={"X-CSRF-Token": csrf})
    assert forged.status == 403 and "omar may not invite people: only an admin may" in forged.text()
    forged = page.request.post(
        "/people/add", form={"name": "mallory", "role": "director"}, headers={"X-CSRF-Token": csrf}
    )
    assert forged.status == 403 and "omar may not add people: only an admin may" in forged.text()
    assert "mallory" not in {person["name"] for person in people.people(studio_ctx(site))}


def test_a_person_makes_a_token_that_works_until_revoked(browser, site):
    page = signed_in(browser, site, "rita")
    page.get_by_role("navigation").get_by_role("link", name="My tokens").click()
    page.wait_for_url(site["url"] + "/tokens")
    page.get_by_label("Label").fill("laptop")
    page.get_by_role("button", name="Make a token").click()
    secret_box = page.locator("#secret")
    secret = secret_box.input_value()
    assert secret.startswith(accounts.TOKEN_PREFIX)
    assert serious_violations(page) == []
    shoot(page, site, "tokens")
    bearer = {"Authorization": f"Bearer {secret}"}
    me = httpx.get(f"{site['url']}/api/people/me", headers=bearer)
    assert me.status_code == 200 and me.json()["name"] == "rita" and me.json()["channel"] == "api"
    [made] = [token for token in accounts.tokens(studio_ctx(site), "rita") if token["label"] == "laptop"]
    page.get_by_role("button", name=f"Revoke token {made['id']}").click()
    page.locator(f"#token-{made['id']}.revoked").wait_for()
    assert page.locator("#secret").count() == 0  # the secret is shown once, in the answer that made it
    assert httpx.get(f"{site['url']}/api/people/me", headers=bearer).status_code == 401
    page.reload()
    assert secret not in page.content()
    ctx = studio_ctx(site)
    assert [token["revoked"] for token in accounts.tokens(ctx, "rita") if token["id"] == made["id"]] == [True]
    ctx.studio.close()


def _cells(row) -> list[str]:
    return [" ".join(cell.split()) for cell in row.locator("th, td").all_inner_texts()]


def test_the_metrics_page_shows_the_service_figures(browser, site):
    ctx = studio_ctx(site)
    report = metrics.report(ctx)
    ctx.studio.close()
    page = signed_in(browser, site, "ola")
    page.get_by_role("navigation").get_by_role("link", name="Metrics").click()
    page.wait_for_url(site["url"] + "/metrics")
    assert page.get_by_role("link", name="Metrics").get_attribute("aria-current") == "page"
    assert serious_violations(page) == []
    shoot(page, site, "metrics")

    first, second = site["briefs"]
    for row in report["briefs"]:
        cells = _cells(page.locator(f"#brief-{row['brief']}"))
        assert cells[1:7] == [
            str(row["generated"]),
            str(row["kept"]),
            percent(row["keep_rate"]),
            times(row["iterations_per_final"]),
            str(row["iteration_budget_per_final"]),
            percent(row["rework_after_review"]),
        ]
    hero = page.locator(f"#brief-{first} time")
    assert float(hero.get_attribute("datetime")[2:-1]) == report["briefs"][0]["time_to_hero_s"] > 0
    assert _cells(page.locator(f"#brief-{first}"))[7].endswith("(approved)")
    assert _cells(page.locator(f"#brief-{second}"))[1:5] == ["3", "0", "0.0 %", "—"]
    assert _cells(page.locator(f"#brief-{second}"))[6:] == ["—", "—"]
    # the figures themselves, from what was done: brief 1 made 3 concepts, a hero and 4 volume images
    # and kept 3; rita sent 1 of her 2 decisions back; red shoe 2 of 2 kept, blue shoe 1 of 2
    assert _cells(page.locator(f"#brief-{first}"))[1:7] == ["8", "3", "37.5 %", "2.67", "12", "50.0 %"]
    slots = {cells[1]: cells[2:] for cells in map(_cells, page.locator("#slots-table tbody tr").all())}
    assert slots["red shoe"] == ["2", "2", "100.0 %", "1.00"]
    assert slots["blue shoe"] == ["2", "1", "50.0 %", "2.00"]
    operators = {cells[0]: cells[1:] for cells in map(_cells, page.locator("#operators-table tbody tr").all())}
    [omar] = [row for row in report["operators"] if row["operator"] == "omar"]
    assert operators["omar"] == [
        str(omar["generated"]),
        str(omar["kept"]),
        percent(omar["keep_rate"]),
        times(omar["iterations_per_final"]),
        "50.0 %",
    ]
    recipe = _cells(page.locator(f"#recipe-{site['recipe']}"))
    assert recipe[-1] == "50.0 %"

    charts = page.locator("svg.chart[role=img]")
    assert charts.count() == 4
    for key, shown in (
        ("keep-rate", percent),
        ("iterations-per-final", times),
        ("rework-after-review", percent),
        ("time-to-hero-s", duration),
    ):
        field = key.replace("-", "_")
        said = "; ".join(
            f"#{row['brief']}: {shown(row[field]) if row[field] is not None else 'no figure yet'}"
            for row in report["trend"]
        )
        assert page.locator(f"#trend-{key}-desc").text_content() == said
        figures = [_cells(row) for row in page.locator(f"#trend-{key}-figures tbody tr").all()]
        assert figures == [[f"#{row['brief']}", shown(row[field])] for row in report["trend"]]
    dots = sum(row["keep_rate"] is not None for row in report["trend"])
    assert page.locator("#trend-keep-rate circle").count() == dots == 2

    page.get_by_label("Brief", exact=True).select_option(str(second))  # narrowed to one brief, and back
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"{site['url']}/metrics?brief={second}")
    assert page.locator("#briefs-table tbody tr").count() == 1 and page.locator(f"#brief-{second}").count() == 1
    assert page.locator("#slots-table tbody tr").inner_text() == "No slot value yet."
    page.get_by_label("Brief", exact=True).select_option("")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"{site['url']}/metrics?brief=")
    assert page.locator("#briefs-table tbody tr").count() == len(report["briefs"]) == 2
    assert page.goto("/metrics?brief=latest").status == 400
    refusal = page.get_by_role("alert").inner_text()
    assert refusal == "Brief must be a brief's number (got 'latest'); choose one from the list"
