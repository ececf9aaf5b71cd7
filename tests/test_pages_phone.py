"""Each role's part of a brief on a phone: 390 x 844, a touch screen, every control tapped.

The director ranks the concepts and approves a direction, the operator culls a volume run, a
reviewer pins a mark and sends an image back, and the maker finds what to fix, each starting from
their home page and following its links; on every page no serious axe violation and nothing wider
than the screen. A real `pressroom serve` on the run's ledger and the fake engine."""

from __future__ import annotations

import re

import pytest
from browsing import serious_violations, shoot, sideways, signed_in, studio_ctx, team_site

from pressroom.domain.brief import parse
from pressroom.plays import briefs, concepts, lockin, marks, reviews, volume
from pressroom.plays import images as image_plays

STYLES = ["watercolor", "flat-vector", "cinematic"]


@pytest.fixture(scope="module")
def site(tmp_path_factory, ledgers):
    """A brief with omar's concept sprint, and a second one taken to a volume run of four."""

    def prepare(ctx):
        brief = briefs.open_brief(ctx["dana"], parse(briefs.TEMPLATE))["id"]
        sprint = concepts.sprint(ctx["omar"], brief, STYLES, per_style=1, steps=2)
        produced = briefs.open_brief(ctx["dana"], parse(briefs.TEMPLATE))["id"]
        concepts.approve_direction(
            ctx["dana"], produced, concepts.sprint(ctx["omar"], produced, STYLES, per_style=1, steps=2).rows[0].id
        )
        lock = lockin.lock(ctx["omar"], produced, steps=2, width=64, height=64)
        run = volume.run(ctx["omar"], lock.row.id, [("subject", "red shoe"), ("subject", "blue shoe")], 2)
        return {
            "brief": brief,
            "concepts": [row.id for row in sprint.rows],
            "recipe": lock.row.id,
            "volume": sorted(row.id for row in run.made),
        }

    with team_site(tmp_path_factory, ledgers, prepare) as served_site:
        yield served_site


def _fits(page) -> None:
    assert sideways(page) == []
    assert serious_violations(page) == []


def test_each_role_does_its_part_by_touch_on_a_phone(browser, site):
    first, second, third = site["concepts"]

    # the director: home, the brief, the third concept moved first by tapping, then the direction
    dana = signed_in(browser, site, "dana", phone=True)
    _fits(dana)
    briefs_list = dana.get_by_role("region", name="Briefs")
    briefs_list.get_by_role("link", name=re.compile(rf"^{site['brief']}: ")).tap()
    dana.wait_for_url(f"{site['url']}/briefs/{site['brief']}")
    _fits(dana)
    dana.get_by_role("button", name=f"Move #{third} earlier").tap()
    dana.get_by_role("button", name=f"Move #{third} earlier").tap()
    order = dana.locator("#ranking .candidate").evaluate_all("items => items.map(i => +i.dataset.id)")
    assert order == [third, first, second]
    dana.get_by_role("button", name="Save this ranking").tap()
    dana.locator("#rank-outcome").get_by_text("Ranking saved by dana").wait_for()
    dana.get_by_role("button", name=f"Approve #{third} as the direction").tap()
    dana.locator("#direction").get_by_text(f"Direction approved: image #{third}, by dana.").wait_for()
    ctx = studio_ctx(site)
    shown = briefs.show(ctx, site["brief"])
    ctx.studio.close()
    assert shown["direction"] == third and shown["title"] in dana.locator("main").inner_text()

    # the operator: home, the volume run to cull, Keep and Reject tapped on the first two tiles
    omar = signed_in(browser, site, "omar", phone=True)
    omar.locator("#wait-cull ~ ul a").first.tap()
    omar.wait_for_url(f"{site['url']}/recipes/{site['recipe']}/cull")
    _fits(omar)
    kept, rejected = site["volume"][:2]
    omar.get_by_role("button", name=f"Keep image {kept}").tap()
    omar.locator(f"#tile-{kept}.kept").wait_for()
    omar.get_by_label("Reason for r and Reject").select_option("composition")
    omar.get_by_role("button", name=f"Reject image {rejected}").tap()
    omar.locator(f"#tile-{rejected}.rejected").wait_for()
    ctx = studio_ctx(site)
    statuses = {image["id"]: image["status"] for image in image_plays.listing(ctx, recipe_id=site["recipe"])}
    ctx.studio.close()
    assert (statuses[kept], statuses[rejected]) == ("kept", "rejected")

    # the reviewer: the kept image waits on her home; a tap pins a mark, taps answer the checklist
    rita = signed_in(browser, site, "rita", phone=True)
    rita.locator(f'#wait-review ~ ul a[href="/images/{kept}"]').first.tap()
    rita.wait_for_url(f"{site['url']}/images/{kept}")
    rita.wait_for_function("document.querySelector('#stage img').naturalWidth > 0")
    _fits(rita)
    stage = rita.locator("#stage").bounding_box()
    assert stage["width"] >= 300  # the image scales to the phone's width, not to a thumbnail
    rita.locator("#stage").tap(position={"x": stage["width"] * 0.5, "y": stage["height"] * 0.3})
    rita.locator("#mark-comment").fill("the laces are knotted twice")
    rita.get_by_role("button", name="Pin the mark").tap()
    rita.locator("#marks-list").get_by_text("the laces are knotted twice").wait_for()
    assert rita.locator("form input[type=radio]:checked").count() == 0  # nothing answered for her
    for fieldset in rita.locator("form fieldset").all():
        item = fieldset.locator("legend").inner_text().strip()
        fieldset.get_by_label("fail" if item == "hands" else "pass", exact=True).tap()
        if item == "hands":
            fieldset.get_by_label("Reason if it fails").fill("six fingers on the left hand")
    rita.get_by_label("Decision").select_option("changes-required")
    rita.get_by_role("button", name="Record the decision").tap()
    rita.locator("#decision-outcome").get_by_text("Recorded: changes-required by rita").wait_for()
    _fits(rita)
    ctx = studio_ctx(site)
    [mark] = marks.on(ctx, kept)
    decided = reviews.sheet(ctx, kept)["status"]["current"]
    ctx.studio.close()
    assert (mark["author"], mark["kind"]) == ("rita", "point")
    assert [(row["reviewer"], row["decision"]) for row in decided] == [("rita", "changes-required")]

    # the maker: his home says what to fix, with the mark; the image page too
    omar.get_by_role("link", name="pressroom").tap()
    waiting = omar.locator("#wait-changes_requested").locator("xpath=..")
    assert "hands failed: six fingers on the left hand (rita)" in waiting.inner_text()
    _fits(omar)
    waiting.get_by_role("link", name=f"Image #{kept}").tap()
    omar.wait_for_url(f"{site['url']}/images/{kept}")
    assert "six fingers on the left hand" in omar.locator("main").inner_text()
    _fits(omar)
    shoot(omar, site, "phone-what-to-fix")
