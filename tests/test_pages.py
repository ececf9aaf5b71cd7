"""The team's pages in a real browser: Debian's Chromium driven by Playwright against a real
`pressroom serve` process, on the run's ledger and the fake engine, one browser context per person.

The studio's work before the browser arrives (a brief, its concept sprint) is done through the
service layer; everything the people then do, they do on the pages. Each flow screenshots its main
page where ``PRESSROOM_SHOTS`` says, and axe-core checks each page for serious violations.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browsing import (
    decide_on_page,
    form_sign_in,
    password,
    serious_violations,
    shoot,
    sideways,
    signed_in,
    studio_ctx,
    team_site,
)

from pressroom.domain.brief import parse
from pressroom.jobs import generations
from pressroom.plays import (
    briefs,
    concepts,
    culls,
    fixes,
    guests,
    lockin,
    marks,
    metrics,
    people,
    post,
    report,
    reviews,
    volume,
)
from pressroom.plays import images as image_plays
from pressroom.store import cards

STYLES = ["watercolor", "flat-vector", "cinematic"]


@pytest.fixture(scope="module")
def site(tmp_path_factory, ledgers):
    """A brief directed by dana with omar's concept sprint, and a second taken to a volume run."""

    def prepare(ctx):
        brief = briefs.open_brief(ctx["dana"], parse(briefs.TEMPLATE))
        sprint = concepts.sprint(ctx["omar"], brief["id"], STYLES, per_style=1, steps=2)
        produced = briefs.open_brief(ctx["dana"], parse(briefs.TEMPLATE))["id"]
        concepts.approve_direction(
            ctx["dana"], produced, concepts.sprint(ctx["omar"], produced, STYLES, per_style=1, steps=2).rows[0].id
        )
        lock = lockin.lock(ctx["omar"], produced, steps=2, width=64, height=64)
        run = volume.run(ctx["omar"], lock.row.id, [("subject", "red shoe"), ("subject", "blue shoe")], 3)
        shared = min(row.id for row in run.made)  # shown to a client through a review link
        link = guests.share(ctx["dana"], produced, [shared], "Ann Lee", "ann@client.example", base_url="http://x")
        # outside any brief: an image of omar's, and a version of it ola retouched in another tool
        drawn = image_plays.get(ctx["omar"], sprint.rows[0].id).parsed_recipe().model_copy(update={"seed": 4242})
        [plain] = image_plays.make(ctx["omar"], [drawn])
        retouched = post.take_in(ctx["ola"], plain["id"], _retouch(plain["path"]), "edited.png", "Photoshop 27.1")
        return {
            "guest": link["link"].rsplit("/", 1)[1],
            "brief": brief["id"],
            "concepts": [row.id for row in sprint.rows],
            "recipe": lock.row.id,
            "volume": sorted(row.id for row in run.made),
            "plain": plain["id"],
            "post": retouched.id,
        }

    with team_site(tmp_path_factory, ledgers, prepare) as served_site:
        yield served_site


def _retouch(path, colour=(250, 240, 10)) -> bytes:
    """The image with a patch painted over its top-left quarter, as PNG bytes: a retouch."""
    import io

    from PIL import Image, ImageDraw

    image = Image.open(path).convert("RGB")
    ImageDraw.Draw(image).rectangle((0, 0, image.width // 2 - 1, image.height // 2 - 1), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_wrong_password_is_refused_on_the_page(browser, site):
    page = browser.new_context(base_url=site["url"]).new_page()
    page.goto("/sign-in")
    page.get_by_label("Name").fill("dana")
    page.get_by_label("Password").fill("not-her-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "wrong name or password"
    assert "Signed in" not in page.locator("header").inner_text()


def test_the_director_approves_a_direction_on_the_contact_sheet(browser, site):
    page = signed_in(browser, site, "dana")
    waiting = page.get_by_role("region", name="Briefs waiting for your direction")
    waiting.get_by_role("link").first.click()
    page.wait_for_url(f"{site['url']}/briefs/{site['brief']}")
    tiles = page.locator(".sheet img")
    assert tiles.count() == len(STYLES)
    page.wait_for_function("[...document.querySelectorAll('.sheet img')].every(i => i.complete && i.naturalWidth > 0)")
    assert serious_violations(page) == []
    page.get_by_label("Reviewer", exact=True).fill("rita")  # the director gives the reviews to rita
    page.get_by_label("Due (optional)").fill("2026-12-24")
    page.get_by_role("button", name="Assign the reviews").click()
    page.locator("#assignments").get_by_text("rita, due 2026-12-24").wait_for()
    chosen = site["concepts"][1]
    page.get_by_role("button", name=f"Approve #{chosen} as the direction").click()
    outcome = page.locator(f"#outcome-{chosen}")
    outcome.get_by_text(f"Direction approved: image #{chosen}, by dana.").wait_for()
    assert page.locator("#direction").inner_text().strip() == f"Direction approved: image #{chosen}, by dana."
    shoot(page, site, "contact-sheet")
    ctx = studio_ctx(site)
    assert briefs.show(ctx, site["brief"])["direction"] == chosen  # the ledger, not only the page
    ctx.studio.close()


def test_the_operator_cannot_approve_the_direction(browser, site):
    page = signed_in(browser, site, "omar")
    page.goto(f"/briefs/{site['brief']}")
    first = site["concepts"][0]
    assert page.get_by_role("button", name=f"Approve #{first} as the direction").count() == 0  # not offered
    assert "Spring trail shoe launch" in page.locator("#brief-at-hand").inner_text()  # the brief itself is shown
    assert page.get_by_role("button", name="Assign the reviews").count() == 0  # omar does not direct it
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "pressroom_csrf")
    forged = page.request.post(
        f"{site['url']}/briefs/{site['brief']}/direction",
        form={"generation": str(first)},
        headers={"X-CSRF-Token": csrf},
    )
    assert forged.status == 403 and "needs the director role" in forged.text()


def test_self_review_is_refused_on_the_page_with_the_cli_message(browser, site):
    image = site["concepts"][2]
    page = signed_in(browser, site, "omar")  # omar made the concepts and is also a reviewer
    page.goto(f"/images/{image}")
    page.wait_for_function("document.querySelector('figure.large img').naturalWidth > 0")
    assert serious_violations(page) == []
    assert page.get_by_role("button", name="Record the decision").count() == 0  # no form for the maker
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "pressroom_csrf")
    forged = page.request.post(  # the form sent anyway: the play refuses with the CLI's message
        f"{site['url']}/images/{image}/review",
        form={"decision": "approved", "alt_text": "A trail shoe on wet rock"},
        headers={"X-CSRF-Token": csrf},
    )
    assert forged.status == 403
    assert f"omar made image #{image} and may not review it; a reviewer never approves their own work" in (
        forged.text()
    )
    shoot(page, site, "self-review-refused")
    ctx = studio_ctx(site)
    assert reviews.sheet(ctx, image)["status"]["current"] == []  # nothing was recorded
    ctx.studio.close()


def test_another_reviewer_decides_on_the_page(browser, site):
    image = site["concepts"][2]
    page = signed_in(browser, site, "rita")
    page.goto(f"/images/{image}")
    ctx = studio_ctx(site)
    made = generations.get(ctx.studio, image)
    ctx.studio.close()
    page.locator("#prechecks li").first.wait_for()  # the pre-checks arrive once the page is shown
    ctx = studio_ctx(site)
    expected = [f["name"] for f in reviews.findings(ctx, image)]
    ctx.studio.close()
    shown = page.locator("#prechecks li").all_inner_texts()
    assert len(shown) == len(expected) and all(t.startswith(n) for t, n in zip(shown, expected, strict=True))
    recipe = dict(zip(page.locator("#recipe dt").all_inner_texts(), page.locator("#recipe dd").all_inner_texts()))
    assert (recipe["Prompt"], recipe["Seed"], recipe["Steps"]) == (made.prompt, str(made.seed), "2")
    with page.expect_download() as download:  # the card, as `pressroom recipe export` writes it
        page.get_by_role("link", name="Download the recipe card").click()
    card = cards.read(Path(download.value.path()))
    assert card.recipe == made.parsed_recipe() and card.generation == image
    assert card.expect.pixel_sha256 == made.pixel_sha256
    page.get_by_label("Decision").select_option("approved")  # a decision alone: the items are missing
    page.get_by_role("button", name="Record the decision").click()
    assert page.locator("input[type=radio]:invalid").count() > 0  # the browser asks for every item first
    page.evaluate("document.querySelector('#review ~ form, form[hx-post$=\"/review\"]').noValidate = true")
    page.get_by_role("button", name="Record the decision").click()
    missing = page.locator("#decision-outcome").get_by_role("alert")
    assert "answers every checklist item; missing: " in missing.inner_text()
    page.reload()
    decide_on_page(page, "approved", alt_text="A trail shoe on wet rock")
    page.locator("#decision-outcome").get_by_text("Recorded: approved by rita").wait_for()
    shoot(page, site, "review")
    ctx = studio_ctx(site)
    decided = reviews.sheet(ctx, image)["status"]["current"]
    assert [(row["reviewer"], row["decision"]) for row in decided] == [("rita", "approved")]
    ctx.studio.close()


def test_a_change_without_the_csrf_header_is_refused(site):
    import httpx

    with httpx.Client(base_url=site["url"]) as elsewhere:  # another site's page posting to the form
        forged = elsewhere.post("/sign-in", data={"name": "rita", "password": password("rita")})
        assert forged.status_code == 403 and "expired or was sent from another site" in forged.text
        assert "pressroom_session" not in elsewhere.cookies
        elsewhere.cookies.set("pressroom_sign_in", "chosen-by-the-attacker")  # a cookie it cannot set here
        forged = elsewhere.post("/sign-in", data={"name": "rita", "password": password("rita"), "form_secret": "x"})
        assert forged.status_code == 403 and "pressroom_session" not in elsewhere.cookies
    with httpx.Client(base_url=site["url"]) as anyone:
        answer = form_sign_in(anyone, "rita")
        assert answer.status_code == 303 and "pressroom_session" in anyone.cookies
        forged = anyone.post(f"/images/{site['concepts'][0]}/review", data={"decision": "approved"})
    assert forged.status_code == 403 and "X-CSRF-Token" in forged.text


def test_thumbnails_are_small_webp_files_cached_by_content(site):
    import httpx

    with httpx.Client(base_url=site["url"]) as rita:
        form_sign_in(rita, "rita")
        first = rita.get(f"/thumbs/{site['concepts'][0]}/256.webp")
        assert first.status_code == 200 and first.headers["content-type"] == "image/webp"
        assert "immutable" in first.headers["cache-control"] and first.content[8:12] == b"WEBP"
        again = rita.get(f"/thumbs/{site['concepts'][0]}/256.webp", headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304
        assert rita.get(f"/thumbs/{site['concepts'][0]}/99.webp").status_code == 400
    assert httpx.get(f"{site['url']}/thumbs/{site['concepts'][0]}/256.webp").status_code == 401
    made = list((Path(site["root"]) / "cache" / "thumbs").glob("*.webp"))
    assert made and all(path.stat().st_size < 20_000 for path in made)


def test_the_operator_culls_with_the_keyboard(browser, site):
    page = signed_in(browser, site, "omar")
    page.goto(f"/recipes/{site['recipe']}/cull")
    tiles = page.locator("#cull-grid .tile")
    assert tiles.count() == len(site["volume"]) == 6
    assert serious_violations(page) == []
    tiles.first.focus()
    page.keyboard.press("k")  # keep the first; the focus moves on to the second
    page.locator(f"#tile-{site['volume'][0]}.kept").wait_for()
    page.get_by_label("Reason for r").select_option("hands")
    page.locator(f"#tile-{site['volume'][1]}").focus()
    page.keyboard.press("r")
    page.locator(f"#tile-{site['volume'][1]}.rejected").wait_for()
    page.locator(f"#tile-{site['volume'][1]}").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("k")
    page.locator(f"#tile-{site['volume'][2]}.kept").wait_for()
    ctx = studio_ctx(site)  # one keep rate: the metrics page's figure for this recipe, on the cull page
    [row] = [r for r in metrics.report(ctx)["recipes"] if r["recipe"] == site["recipe"]]
    ctx.studio.close()
    shown = " ".join(page.locator("#keep-rate").inner_text().split())
    expected = (
        f"Keep rate {row['keep_rate'] * 100:.0f} %: {row['kept']} kept of {row['generated']} made from this recipe"
    )
    assert shown.startswith(expected + ", 3 still to cull"), shown
    assert "kept ÷ made" in shown
    # by pointer or finger as well as keys: Reject on the fourth with a reason, Keep on the fifth
    page.get_by_label("Reason for r and Reject").select_option("composition")
    page.get_by_role("button", name=f"Reject image {site['volume'][3]}").click()
    rejected = page.locator(f"#tile-{site['volume'][3]}.rejected")
    rejected.wait_for()
    assert "rejected: composition" in rejected.inner_text()  # the reason stays on the tile
    page.get_by_role("button", name=f"Keep image {site['volume'][4]}").click()
    page.locator(f"#tile-{site['volume'][4]}.kept").wait_for()
    page.reload()
    assert "rejected: composition" in page.locator(f"#tile-{site['volume'][3]}").inner_text()
    assert "rejected: hands" in page.locator(f"#tile-{site['volume'][1]}").inner_text()
    shoot(page, site, "cull")
    page.get_by_role("link", name=f"open image {site['volume'][3]}").click()
    page.wait_for_url(f"{site['url']}/images/{site['volume'][3]}")
    ctx = studio_ctx(site)
    statuses = {image["id"]: image["status"] for image in image_plays.listing(ctx, recipe_id=site["recipe"])}
    assert [statuses[i] for i in site["volume"][:6]] == ["kept", "rejected", "kept", "rejected", "kept", "new"]
    ctx.studio.close()


def test_a_reviewer_without_the_operator_role_cannot_cull(browser, site):
    page = signed_in(browser, site, "rita")
    page.goto(f"/recipes/{site['recipe']}/cull")
    last = site["volume"][-1]
    page.locator(f"#tile-{last}").focus()
    page.keyboard.press("k")
    assert "needs the operator role" in page.locator("#cull-outcome").get_by_role("alert").inner_text()
    assert page.locator(f"#tile-{last}.new").count() == 1


def test_a_reviewer_marks_a_region_that_the_operator_then_sees(browser, site):
    image = site["concepts"][0]
    page = signed_in(browser, site, "rita")
    page.goto(f"/images/{image}")
    stage = page.locator("#stage")
    stage.locator("img").wait_for()
    page.wait_for_function("document.querySelector('#stage img').naturalWidth > 0")
    box = stage.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.75, steps=5)
    page.mouse.up()
    assert page.locator("#mark-comment").evaluate("e => e === document.activeElement")
    page.keyboard.type("the sole is cut off here")
    page.get_by_role("button", name="Pin the mark").click()
    page.locator("#marks-list").get_by_text("the sole is cut off here").wait_for()
    assert page.locator("#marks-layer .box").count() == 1
    assert serious_violations(page) == []
    shoot(page, site, "marks")
    ctx = studio_ctx(site)
    [mark] = marks.on(ctx, image)
    assert mark["author"] == "rita" and mark["kind"] == "rectangle"
    assert [round(mark[k], 2) for k in ("x", "y", "width", "height")] == [0.25, 0.5, 0.5, 0.25]
    ctx.studio.close()
    fitted = stage.bounding_box()["width"]
    assert page.locator("#zoom-tools .zoom").inner_text().startswith("fitted (")
    page.get_by_role("button", name="Zoom in").click()  # the image doubles; the mark stays on its spot
    natural = generations.get(studio_ctx(site).studio, image).width
    percent = round(2 * fitted * page.evaluate("devicePixelRatio") / natural * 100)
    assert page.locator("#zoom-tools .zoom").inner_text() == f"{percent} % of actual pixels"
    frame = page.locator("#frame").bounding_box()
    shown, box = stage.bounding_box(), page.locator("#marks-layer .box").bounding_box()
    assert shown["width"] > 1.9 * frame["width"]
    assert round(box["x"] - shown["x"]) == round(shown["width"] * 0.25)
    assert round(box["width"]) == round(shown["width"] * 0.5)
    page.get_by_role("button", name="Actual pixels (1:1)").click()  # the file itself, one pixel to one pixel
    page.wait_for_function("document.querySelector('#stage img').src.endsWith('/file')")
    page.wait_for_function("document.querySelector('#stage img').complete")
    assert page.evaluate("document.querySelector('#stage img').naturalWidth") == natural
    ratio = page.evaluate("devicePixelRatio")
    assert round(stage.bounding_box()["width"] * ratio) == natural
    assert page.locator("#zoom-tools .zoom").inner_text() == "100 % of actual pixels"
    page.get_by_role("button", name="Fit").click()
    assert round(stage.bounding_box()["width"]) == round(fitted)
    page.get_by_role("button", name="View alone").click()  # a lightbox: the image over the whole window
    figure = page.locator("figure.large")
    view = page.viewport_size
    assert figure.bounding_box() == {"x": 0, "y": 0, "width": view["width"], "height": view["height"]}
    assert page.get_by_role("button", name="Back to the page").get_attribute("aria-pressed") == "true"
    assert serious_violations(page) == []
    page.keyboard.press("Escape")
    assert "alone" not in (figure.get_attribute("class") or "")
    operator = signed_in(browser, site, "ola")  # an operator only: sees marks, may not make them
    operator.goto(f"/images/{image}")
    assert operator.locator("#marks-layer .box").count() == 1
    assert "the sole is cut off here" in operator.locator("#marks-list").inner_text()
    assert operator.locator("#mark-form").count() == 0  # no form for what the person may not do
    assert operator.get_by_role("button", name="Resolve mark 1").count() == 0  # ola made neither it nor a fix
    csrf = next(c["value"] for c in operator.context.cookies() if c["name"] == "pressroom_csrf")
    forged = operator.request.post(
        f"{site['url']}/images/{image}/marks",
        form={"x": "0.1", "y": "0.1", "comment": "an operator's note"},
        headers={"X-CSRF-Token": csrf},
    )
    assert forged.status == 403 and "ola may not mark images: it needs the reviewer or director role" in forged.text()
    # a mark is a conversation: the operator answers, the maker resolves, a reviewer reopens
    operator.get_by_label("Reply to mark 1").fill("moving the camera up a little")
    operator.get_by_role("button", name="Reply").click()
    operator.locator("#marks-list .replies").get_by_text("moving the camera up a little").wait_for()
    assert "answered" in operator.locator("#marks-list li").first.inner_text()
    assert serious_violations(operator) == []
    maker = signed_in(browser, site, "omar")  # omar made the concepts
    maker.goto(f"/images/{image}")
    maker.get_by_role("button", name="Resolve mark 1").click()
    maker.locator("#marks-list").get_by_text("resolved").wait_for()
    page.reload()
    page.get_by_role("button", name="Reopen mark 1").click()
    page.get_by_role("button", name="Resolve mark 1").wait_for()  # rita wrote it: she may resolve it again
    ctx = studio_ctx(site)
    [mark] = marks.on(ctx, image)
    assert mark["resolved"] is False and [r["author"] for r in mark["replies"]] == ["ola"]
    ctx.studio.close()


def test_feedback_reaches_the_maker_and_the_review_list_moves(browser, site):
    """After "changes required" the maker's home says what to fix; the reviewer's list loses the
    image; after the fix the fix waits for review, not its parent (a brief of the test's own)."""
    ctx = studio_ctx(site)
    as_ = {name: ctx.acting_as(people.actor(ctx, name, "python")) for name in ("dana", "omar")}
    brief = briefs.open_brief(as_["dana"], parse(briefs.TEMPLATE))["id"]
    sprint = concepts.sprint(as_["omar"], brief, STYLES, per_style=1, steps=2)
    concepts.approve_direction(as_["dana"], brief, sprint.rows[0].id)
    lock = lockin.lock(as_["omar"], brief, steps=2, width=64, height=64)
    [image] = [row.id for row in volume.run(as_["omar"], lock.row.id, [("subject", "green shoe")], 1).made]
    culls.cull(as_["omar"], [image], keep=True, reason="")
    ctx.studio.close()

    rita = signed_in(browser, site, "rita")
    assert rita.locator(f'#wait-review ~ ul a[href="/images/{image}"]').count() >= 1
    rita.goto(f"/images/{image}")
    decide_on_page(rita, "changes-required", fails={"hands": "the thumb bends backwards"})
    rita.locator("#decision-outcome").get_by_text("Recorded: changes-required by rita").wait_for()
    rita.goto("/")
    assert rita.locator(f'.worklist a[href="/images/{image}"]').count() == 0  # decided: it left her list

    omar = signed_in(browser, site, "omar")
    waiting = omar.get_by_role("region", name="Your images with changes requested")
    assert "hands failed: the thumb bends backwards (rita)" in waiting.inner_text()
    assert serious_violations(omar) == []
    omar.set_viewport_size({"width": 390, "height": 844})
    assert sideways(omar) == []
    shoot(omar, site, "home-changes-requested-390")
    waiting.get_by_role("link", name="Fix it").click()
    omar.wait_for_url(f"{site['url']}/images/{image}/fix")

    ctx = studio_ctx(site)
    fixed = fixes.fix(ctx.acting_as(people.actor(ctx, "omar", "python")), image, refine=True, strength=0.5)
    ctx.studio.close()
    rita.goto("/")
    assert rita.locator(f'.worklist a[href="/images/{fixed.id}"]').count() >= 1
    assert rita.locator(f'.worklist a[href="/images/{image}"]').count() == 0  # the fix supersedes it
    assert serious_violations(rita) == []


def test_the_brief_page_offers_its_audit_report_to_download(browser, site, tmp_path):
    import subprocess

    import httpx

    page = signed_in(browser, site, "omar")  # anyone signed in: not only its director
    page.goto(f"/briefs/{site['brief']}")
    link = page.get_by_role("link", name="download the PDF")
    with page.expect_download() as started:
        link.click()
    download = started.value
    assert download.suggested_filename == f"brief-{site['brief']}-audit-report.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", saved, "-"], capture_output=True, text=True, check=True).stdout
    ctx = studio_ctx(site)  # which images have reached review depends on the tests run before on this site
    reached = [entry.title for entry in report.gather(ctx, site["brief"]).entries]
    ctx.studio.close()
    assert f"Audit report: brief {site['brief']}" in text
    assert all(title in text for title in reached)
    assert ("No image of this brief has reached review yet." in text) == (not reached)
    with httpx.Client(base_url=site["url"]) as rita:
        form_sign_in(rita, "rita")
        sheet = rita.get(f"/briefs/{site['brief']}/report.csv")
        assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
        assert sheet.text.lstrip("\ufeff").startswith("brief,image,section,at,who,what,item,result,detail")
        assert rita.get("/briefs/999/report.pdf").status_code == 404
        wrong = rita.get(f"/briefs/{site['brief']}/report.txt")
        assert wrong.status_code == 400 and "must be pdf or csv" in wrong.text
    anyone = httpx.get(f"{site['url']}/briefs/{site['brief']}/report.pdf")
    assert anyone.status_code == 303 and anyone.headers["location"].startswith("/sign-in")  # signed out: nothing


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("dana", "/"),
        ("omar", "/"),
        ("rita", "/"),
        ("dana", "/briefs/new"),
        ("dana", "/briefs/{brief}"),
        ("omar", "/briefs/{brief}"),  # an operator's brief page: the sprint and the upload of outside images
        ("dana", "/briefs/{brief}/edit"),
        ("dana", "/briefs/{brief}/release"),
        ("rita", "/images/{image}"),
        ("omar", "/images/{image}/fix"),
        ("ola", "/images/{plain}"),
        ("rita", "/images/{post}"),
        ("omar", "/recipes/{recipe}"),
        ("omar", "/recipes/{recipe}/cull"),
        ("dana", "/library"),
        ("dana", "/metrics"),
        ("dana", "/people"),
        ("dana", "/tokens"),
        ("dana", "/verify"),
        ("omar", "/inbox"),
        ("omar", "/inbox/settings"),
        (None, "/sign-in"),
        (None, "/guest/{guest}"),
        (None, "/guest/{guest}/images/{image}"),
    ],
)
@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_every_page_fits_a_desktop_and_a_phone(browser, site, who, path, width, height):
    """At 1440 x 900 and at 390 x 844 no page scrolls sideways, and nothing on it breaks the
    accessibility rules (axe: no serious or critical violation). Each is screenshotted at both
    where ``PRESSROOM_SHOTS`` says (scripts/page_pictures.py)."""
    url = path.format(
        brief=site["brief"],
        image=site["volume"][0],
        recipe=site["recipe"],
        guest=site["guest"],
        plain=site["plain"],
        post=site["post"],
    )
    if who is None:
        page = browser.new_context(base_url=site["url"], viewport={"width": width, "height": height}).new_page()
    else:
        page = signed_in(browser, site, who, home=False)
        page.set_viewport_size({"width": width, "height": height})
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert sideways(page) == [], url
    assert serious_violations(page) == [], url
    name = path.strip("/").replace("/", "-").replace("{", "").replace("}", "") or "home"
    shoot(page, site, f"{name}-{who or 'anyone'}-{width}")
    if who is None:
        page.context.close()


def test_any_two_images_of_a_brief_are_compared_side_by_side_or_overlaid(browser, site):
    first, other = site["volume"][0], site["volume"][1]
    page = signed_in(browser, site, "rita")
    page.goto(f"/images/{first}")
    page.get_by_label("Compare with another image of this brief").select_option(str(other))
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(f"{site['url']}/images/{first}?against={other}")
    compare = page.locator("#compare")
    assert compare.get_by_role("img", name=f"The other image, #{other}").count() == 1
    assert compare.get_by_role("img", name=f"This image, #{first}").count() == 1
    compare.get_by_label("Overlay").check()
    assert compare.get_attribute("data-mode") == "overlay"
    assert serious_violations(page) == []


def test_an_operator_hands_an_image_out_and_brings_the_retouch_back_on_its_page(browser, site, tmp_path):
    import re

    from browsing import all_loaded

    page = signed_in(browser, site, "ola")
    page.goto(f"/images/{site['plain']}")
    retouch = page.get_by_role("region", name="Retouch in another tool")
    retouch.get_by_role("button", name="Hand out the full-size file").click()
    with page.expect_download() as download:
        retouch.get_by_role("link", name=re.compile(r"download .*-for-post\.png")).click()
    handed = tmp_path / "handed.png"
    download.value.save_as(handed)
    doc = library_verify(site, handed)
    assert doc["c2pa"] == "Trusted" and doc["recipe"]["seed"] == 4242  # the recipe and the studio's signature

    edited = tmp_path / "edited.png"
    edited.write_bytes(_retouch(handed, (10, 200, 240)))
    retouch.get_by_label("The edited file (PNG, JPEG, WebP, TIFF or PSD)").set_input_files(str(edited))
    retouch.get_by_label("Edited in (the tool and its version)").fill("Affinity Photo 2.6")
    retouch.get_by_label("What was done (optional)").fill("a blue corner")
    retouch.get_by_role("button", name="Bring the edited file back").click()
    page.wait_for_url(lambda url: re.search(r"/images/\d+$", url) and not url.endswith(f"/images/{site['plain']}"))
    new = int(page.url.rsplit("/", 1)[1])
    assert new not in (site["plain"], site["post"])
    edited_section = page.get_by_role("region", name="Edited outside pressroom")
    assert "Edited by hand in Affinity Photo 2.6, brought back by ola" in edited_section.inner_text()
    share = edited_section.locator("#share-changed").inner_text()
    assert re.fullmatch(r"\d+\.\d % of pixels changed", share) and 20 <= float(share.split()[0]) <= 30
    all_loaded(page, "#edited img")
    heat = page.request.get(f"{site['url']}/images/{new}/changes.png")
    assert heat.ok and heat.headers["content-type"] == "image/png"
    assert page.locator("#compare").count() == 1  # overlaid on its parent
    page.locator("#compare").get_by_label("Overlay").check()
    assert page.locator("#compare").get_attribute("data-mode") == "overlay"
    assert serious_violations(page) == []

    page.goto(f"/images/{site['plain']}")  # a file of another kind is refused in one line
    gif = tmp_path / "edited.gif"
    gif.write_bytes(b"GIF89a not really")
    retouch = page.get_by_role("region", name="Retouch in another tool")
    retouch.get_by_label("The edited file (PNG, JPEG, WebP, TIFF or PSD)").set_input_files(str(gif))
    retouch.get_by_label("Edited in (the tool and its version)").fill("Affinity Photo 2.6")
    retouch.get_by_role("button", name="Bring the edited file back").click()
    assert "must be a PNG, JPEG, WebP, TIFF or PSD" in retouch.get_by_role("alert").inner_text()


def library_verify(site, path) -> dict:
    from pressroom.plays import library

    return library.verify_file(studio_ctx(site), path)
