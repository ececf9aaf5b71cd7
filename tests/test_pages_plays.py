"""The making plays on the pages, in a real browser, with a real `pressroom worker` running what
the pages queue: the operator launches a concept sprint and the contact sheet fills in as it runs;
the director ranks the concepts with the keyboard and by dragging, and approves a direction; the
operator locks a recipe and sees its hero, the reproduction's figures and the card, then runs a
volume batch with its progress bar and the images as they land."""

from __future__ import annotations

import re
import tomllib

import pytest
from browsing import all_loaded, lock_on_page, serious_violations, shoot, signed_in, studio_ctx, team_site

from pressroom.domain.brief import parse
from pressroom.plays import briefs, concepts, lockin
from pressroom.plays import images as image_plays

STYLES = ["watercolor", "flat-vector", "cinematic"]


@pytest.fixture(scope="module")
def site(tmp_path_factory, ledgers):
    def prepare(ctx):
        """A brief for the sprint; another with its direction, for the lock; a recipe, for the refusal
        (each test starts from its own, so that test processes may share the tests out)."""
        fresh = briefs.open_brief(ctx["dana"], parse(briefs.TEMPLATE))["id"]
        directed = briefs.open_brief(ctx["dana"], parse(briefs.TEMPLATE))["id"]
        concept = concepts.sprint(ctx["omar"], directed, STYLES, per_style=1, steps=2).rows[0].id
        concepts.approve_direction(ctx["dana"], directed, concept)
        recipe = lockin.lock(ctx["omar"], directed, steps=2, width=64, height=64).row.id
        return {"brief": fresh, "directed": directed, "direction": concept, "recipe": recipe}

    with team_site(tmp_path_factory, ledgers, prepare, worker=True) as served_site:
        yield served_site


def test_a_sprint_fills_the_sheet_and_the_director_ranks_by_keys_and_dragging(browser, site):
    omar = signed_in(browser, site, "omar")
    omar.goto(f"/briefs/{site['brief']}")
    for style in STYLES:
        omar.get_by_label(style).check()
    omar.get_by_label("Images per style").fill("1")
    omar.get_by_label("Steps").fill("2")
    omar.get_by_role("button", name="Launch the sprint").click()
    omar.locator("#sprint-outcome .follow").wait_for()
    omar.wait_for_load_state()  # the worker runs it; the page reloads when the job ends
    omar.locator("#ranking .candidate").nth(2).wait_for(timeout=60_000)
    ctx = studio_ctx(site)
    made = [image["id"] for image in image_plays.listing(ctx, brief_id=site["brief"]) if image["play"] == "concept"]
    ctx.studio.close()
    assert len(made) == len(STYLES)
    assert omar.locator("#ranking .candidate").evaluate_all("items => items.map(i => +i.dataset.id)") == made

    dana = signed_in(browser, site, "dana")
    dana.goto(f"/briefs/{site['brief']}")
    all_loaded(dana, "#ranking img")
    assert serious_violations(dana) == []
    dana.locator(f"#ranking [data-id='{made[2]}']").focus()
    dana.keyboard.press("Shift+ArrowLeft")  # the third moves up to second
    dana.keyboard.press("Shift+ArrowLeft")  # and to first
    dana.locator(f"#ranking [data-id='{made[1]}'] img").drag_to(dana.locator(f"#ranking [data-id='{made[0]}'] img"))
    order = [made[2], made[1], made[0]]
    assert dana.locator("#ranking .candidate").evaluate_all("items => items.map(i => +i.dataset.id)") == order
    dana.get_by_role("button", name=f"Move #{made[0]} earlier").click()  # by tap: one place at a time
    assert dana.locator("#ranking .candidate").evaluate_all("items => items.map(i => +i.dataset.id)") == [
        made[2],
        made[0],
        made[1],
    ]
    dana.get_by_role("button", name=f"Move #{made[0]} later").click()
    assert dana.locator("#ranking .candidate").evaluate_all("items => items.map(i => +i.dataset.id)") == order
    assert dana.locator("#ranking .place").all_inner_texts() == ["1", "2", "3"]
    dana.get_by_role("button", name="Save this ranking").click()
    dana.locator("#rank-outcome").get_by_text(
        f"Ranking saved by dana: #{order[0]}, #{order[1]}, #{order[2]}."
    ).wait_for()
    dana.get_by_role("button", name=f"Approve #{order[0]} as the direction").click()
    dana.locator("#direction").get_by_text(f"Direction approved: image #{order[0]}, by dana.").wait_for()
    shoot(dana, site, "ranked-sheet")
    ctx = studio_ctx(site)
    shown = briefs.show(ctx, site["brief"])
    ctx.studio.close()
    assert [row["generation"] for row in sorted(shown["rankings"], key=lambda r: r["rank"])] == order
    dana.reload()  # the sheet comes back in the saved order
    assert dana.locator("#ranking .candidate").evaluate_all("items => items.map(i => +i.dataset.id)") == order


def test_the_operator_locks_then_runs_a_volume_batch_with_its_progress(browser, site):
    direction = site["direction"]
    omar = signed_in(browser, site, "omar")
    omar.goto(f"/briefs/{site['directed']}")
    recipe_id = lock_on_page(omar, direction)
    assert omar.locator("#verdict").inner_text() == "Locked: the hero rendered again in a fresh pipeline is exact."
    figures = dict(zip(omar.locator("#figures th").all_inner_texts(), omar.locator("#figures td").all_inner_texts()))
    assert figures["Pixels identical"] == "yes" and figures["Largest pixel difference"] == "0"
    with omar.expect_download() as download:
        omar.get_by_role("link", name="Download the recipe card").click()
    card = tomllib.loads(open(download.value.path(), encoding="utf-8").read())
    ctx = studio_ctx(site)
    with ctx.unit() as session:
        locked = lockin.get(session, recipe_id)
        hero = locked.hero_generation_id
        assert (locked.status, locked.locked_by, locked.version) == ("locked", "omar", 2)
    ctx.studio.close()
    assert str(hero) in omar.locator("figure.large figcaption").inner_text()
    assert (card["prompt"], card["seed"], card["steps"]) == (locked.recipe["prompt"], locked.recipe["seed"], 2)

    home = omar.context.new_page()
    home.goto("/")
    ready = home.get_by_role("region", name="Recipes ready for a volume run")
    assert ready.get_by_role("link", name=re.compile(rf"^Recipe {recipe_id} \(version 2\)")).count() == 1
    home.close()

    omar.get_by_label("Values of subject, one per line").fill("a red boot\na blue boot")
    omar.get_by_label("Seeds per value").fill("3")
    omar.get_by_role("button", name="Run the volume batch").click()
    follow = omar.locator("#volume-outcome .follow")
    follow.locator(".ended").get_by_role("link", name="Cull this run").wait_for(timeout=60_000)
    assert follow.get_attribute("data-ended") == "done"
    assert follow.locator(".count").inner_text() == "6 of 6"
    assert follow.locator("progress").evaluate("bar => [bar.value, bar.max]") == [6, 6]
    assert follow.locator(".live img").count() == 6  # each image as it landed
    assert serious_violations(omar) == []
    shoot(omar, site, "volume-run")
    ctx = studio_ctx(site)
    made = [image for image in image_plays.listing(ctx, recipe_id=recipe_id) if image["play"] == "volume"]
    ctx.studio.close()
    assert sorted(image["slot_value"] for image in made) == ["a blue boot"] * 3 + ["a red boot"] * 3
    assert sorted(
        follow.locator(".live .tile").evaluate_all(
            "tiles => tiles.map(t => +t.querySelector('a').getAttribute('href').split('/').pop())"
        )
    ) == sorted(image["id"] for image in made)
    omar.goto("/")  # a recipe with its volume run waits no more; the other one still does
    ready = [
        link.inner_text()
        for link in omar.get_by_role("region", name="Recipes ready for a volume run").get_by_role("link").all()
    ]
    assert [text.split(" ")[1] for text in ready] == [str(site["recipe"])]


def test_a_reviewer_cannot_run_a_volume_batch(browser, site):
    rita = signed_in(browser, site, "rita")
    rita.goto(f"/recipes/{site['recipe']}")
    rita.get_by_label("Values of subject, one per line").fill("a green boot")
    rita.get_by_role("button", name="Run the volume batch").click()
    assert "needs the operator role" in rita.locator("#volume-outcome").get_by_role("alert").inner_text()
