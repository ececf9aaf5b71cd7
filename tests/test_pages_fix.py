"""Fix and finish and compare on the pages, in a real browser, with a real `pressroom worker`:
the operator paints a mask on a volume image (the share it covers shown as it is painted),
inpaints under it and lands on the derivative, shown beside its parent with zoom kept in step; a
mask over a third of the image is refused with the service layer's message; a refine needs no
mask."""

from __future__ import annotations

import re

import pytest
from browsing import serious_violations, shoot, signed_in, studio_ctx, team_site

from pressroom.domain.brief import parse
from pressroom.ledger.tables import Generation
from pressroom.plays import briefs, concepts, fixes, lockin, volume
from pressroom.plays import images as image_plays
from pressroom.store.resolver import Resolver

STYLES = ["watercolor", "flat-vector", "cinematic"]


@pytest.fixture(scope="module")
def site(tmp_path_factory, ledgers):
    def prepare(ctx):
        brief = briefs.open_brief(ctx["dana"], parse(briefs.TEMPLATE))["id"]
        concepts.approve_direction(
            ctx["dana"], brief, concepts.sprint(ctx["omar"], brief, STYLES, per_style=1, steps=2).rows[0].id
        )
        recipe = lockin.lock(ctx["omar"], brief, steps=2, width=64, height=64).row.id
        made = volume.run(ctx["omar"], recipe, [("subject", "red shoe")], 3).made
        return {"volume": sorted(row.id for row in made)}

    with team_site(tmp_path_factory, ledgers, prepare, worker=True) as served_site:
        yield served_site


def paint(page, from_x: float, to_x: float, y: float) -> None:
    """One stroke across the mask canvas, from and to fractions of its width, at a height."""
    box = page.locator("#mask").bounding_box()
    page.mouse.move(box["x"] + box["width"] * from_x, box["y"] + box["height"] * y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * to_x, box["y"] + box["height"] * y, steps=8)
    page.mouse.up()


def covered(page) -> int:
    return int(re.search(r"covers (\d+) %", page.locator("#coverage").inner_text()).group(1))


def derived_on_page(page, site, parent: int):
    """After a fix was asked for on ``page``: wait for the derivative's page; its one row's recipe."""
    page.wait_for_url(re.compile(r"/images/\d+$"), timeout=60_000)
    [made] = derivatives(site, parent)
    assert page.url.endswith(f"/images/{made['id']}")
    ctx = studio_ctx(site)
    with ctx.unit() as session:
        recipe = session.get(Generation, made["id"]).parsed_recipe()
    ctx.studio.close()
    return recipe


def derivatives(site, parent: int) -> list[dict]:
    ctx = studio_ctx(site)
    made = [image for image in image_plays.listing(ctx) if image["parent"] == parent]
    ctx.studio.close()
    return made


def test_the_operator_paints_a_mask_inpaints_and_compares_the_derivative_with_its_parent(browser, site):
    parent = site["volume"][0]
    omar = signed_in(browser, site, "omar")
    omar.goto(f"/images/{parent}/fix")
    omar.wait_for_function("document.querySelector('#painter img').naturalWidth > 0")
    assert serious_violations(omar) == []
    omar.get_by_label("Brush size (pixels of the image)").fill("8")
    paint(omar, 0.2, 0.6, 0.5)
    shown = covered(omar)
    assert 0 < shown <= 33
    omar.get_by_label("What to paint there (blank: the image's own prompt)").fill("a red shoe with white laces")
    shoot(omar, site, "mask-painter")
    omar.get_by_role("button", name="Inpaint under the mask").click()
    recipe = derived_on_page(omar, site, parent)
    ctx = studio_ctx(site)
    mask = Resolver(ctx.studio).image(recipe.source.mask_sha256)
    ctx.studio.close()
    assert recipe.source.op == "inpaint" and recipe.prompt.startswith("a red shoe with white laces")
    assert mask.size == (64, 64) and abs(fixes.mask_share(mask) * 100 - shown) <= 1  # the mask as it was painted

    compare = omar.locator("#compare")
    assert compare.get_by_role("img", name=f"Earlier version, #{parent}").count() == 1
    omar.wait_for_function("[...document.querySelectorAll('#compare img')].every(i => i.naturalWidth > 0)")
    assert serious_violations(omar) == []
    compare.get_by_role("button", name="Zoom in").click()
    compare.get_by_role("button", name="Zoom in").click()
    assert compare.locator(".zoom").inner_text() == "225 %"
    transforms = compare.locator(".view img").evaluate_all("imgs => imgs.map(i => i.style.transform)")
    assert transforms[0] == transforms[1] and "scale(2.25)" in transforms[0]  # in step
    compare.get_by_label("Overlay").check()
    assert compare.get_attribute("data-mode") == "overlay"
    compare.get_by_label("Earlier image showing through").fill("30")
    assert compare.locator(".view.over").evaluate("v => getComputedStyle(v).opacity") == "0.3"
    shoot(omar, site, "compare")


def test_a_mask_over_a_third_is_refused_and_a_refine_needs_none(browser, site):
    parent = site["volume"][1]
    omar = signed_in(browser, site, "omar")
    omar.goto(f"/images/{parent}/fix")
    omar.get_by_label("Brush size (pixels of the image)").fill("32")
    for y in (0.2, 0.5, 0.8):
        paint(omar, 0.0, 1.0, y)
    assert covered(omar) > 33 and omar.locator("#coverage").get_attribute("class") == "refusal"
    omar.get_by_role("button", name="Inpaint under the mask").click()
    refusal = omar.locator("#fix-outcome").get_by_role("alert")
    assert re.fullmatch(
        r"the mask covers \d+% of the image, more than a third: regenerate instead", refusal.inner_text()
    )  # the page has its own way to force it: no command-line flag
    assert derivatives(site, parent) == []
    omar.get_by_role("button", name="Refine").click()  # at the default strength, 2 steps leave no denoising step
    omar.locator("#fix-outcome [role=alert]").get_by_text(
        "leaves no denoising step; use a strength of at least 0.50 or more steps"
    ).wait_for()
    omar.get_by_label("Strength").fill("0.5")
    omar.get_by_role("button", name="Refine").click()
    assert derived_on_page(omar, site, parent).source.op == "refine"


def test_a_reviewer_cannot_fix(browser, site):
    rita = signed_in(browser, site, "rita")
    rita.goto(f"/images/{site['volume'][2]}/fix")
    rita.get_by_role("button", name="Refine").click()
    assert "needs the operator role" in rita.locator("#fix-outcome").get_by_role("alert").inner_text()
