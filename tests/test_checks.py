"""Each automated pre-check on images the tests make or that packages ship."""

import numpy as np
import pytest
import skimage.data
from PIL import Image, ImageDraw, ImageFont

from pressroom import checks
from pressroom.checks import duplicates, faces, licence, nsfw, palette, resolution, sharpness, terms, text
from pressroom.domain.brief import parse
from pressroom.domain.recipes import ModelRef, Recipe
from pressroom.plays.briefs import TEMPLATE

BRIEF = parse(TEMPLATE)  # palette #1F4E79, #F2C14E, #E8E2D0; deliverable 1080x1350; commercial


def context(image, prompt="a trail shoe", brief=BRIEF, commercial=True, **extra):
    recipe = Recipe(
        prompt=prompt, model=ModelRef(name="m", commercial=commercial, license="x"), seed=1, width=64, height=64
    )
    return checks.Context(image=image, recipe=recipe, generation_id=1, brief=brief, **extra)


def test_a_face_is_found_in_a_photo_of_a_face_and_not_in_a_gradient():
    astronaut = Image.fromarray(skimage.data.astronaut())
    found = faces.run(context(astronaut))
    assert found.result == "warn" and found.score == 1.0 and "real people" in found.detail
    plain = Image.fromarray(np.tile(np.linspace(0, 255, 256, dtype=np.uint8), (256, 1))).convert("RGB")
    assert faces.run(context(plain)).result == "pass"


def test_text_in_the_image_is_read():
    image = Image.new("RGB", (480, 140), "white")
    ImageDraw.Draw(image).text((20, 40), "SALE TODAY", fill="black", font=ImageFont.load_default(size=56))
    found = text.run(context(image))
    assert found.result == "warn" and "SALE" in found.detail and "TODAY" in found.detail
    assert text.run(context(Image.new("RGB", (200, 200), "white"))).result == "pass"


def test_palette_distance_grows_as_colours_move_away_from_the_brand():
    brand = (0x1F, 0x4E, 0x79)
    distances = []
    for shift in (0, 30, 60, 120):
        colour = tuple(min(255, c + shift) for c in brand)
        distances.append(palette.distance(Image.new("RGB", (64, 64), colour), BRIEF.constraints.palette))
    assert distances[0] < 1.0
    assert distances == sorted(distances) and distances[-1] > distances[1] + 10
    on_brand = palette.run(context(Image.new("RGB", (64, 64), brand)))
    off_brand = palette.run(context(Image.new("RGB", (64, 64), (255, 0, 255))))
    assert on_brand.result == "pass" and off_brand.result == "fail" and off_brand.score > on_brand.score


def test_a_non_commercial_model_on_a_commercial_brief_fails_hard():
    image = Image.new("RGB", (64, 64))
    assert licence.run(context(image, commercial=False)).result == "fail"
    assert licence.run(context(image, commercial=None)).result == "warn"
    assert licence.run(context(image, commercial=True)).result == "pass"


def test_prompts_naming_living_artists_or_brands_fail():
    image = Image.new("RGB", (64, 64))
    assert terms.run(context(image, prompt="a shoe in the style of Greg Rutkowski")).result == "fail"
    assert terms.run(context(image, prompt="a nike shoe")).result == "fail"
    assert terms.run(context(image, prompt="a shoe by a nikeeper")).result == "pass"
    custom = terms.run(context(image, prompt="a shoe by ana example", config={"artists": ["ana example"]}))
    assert custom.result == "fail" and "ana example" in custom.detail


def test_resolution_against_the_deliverable_and_print_dpi():
    small = resolution.run(context(Image.new("RGB", (216, 270))))
    assert small.result == "warn" and "5.0x upscaling" in small.detail
    exact = resolution.run(context(Image.new("RGB", (1080, 1350))))
    assert exact.result == "pass"
    printed = resolution.run(context(Image.new("RGB", (1080, 1350)), print_size_in=(8.0, 10.0)))
    assert printed.score == 135.0 and printed.result == "warn"


def test_sharpness_is_lower_for_a_blurred_image():
    from PIL import ImageFilter

    photo = Image.fromarray(skimage.data.astronaut())
    sharp = sharpness.laplacian_variance(photo)
    soft = sharpness.laplacian_variance(photo.filter(ImageFilter.GaussianBlur(4)))
    assert soft < sharp / 5
    assert sharpness.run(context(photo.filter(ImageFilter.GaussianBlur(6)), print_size_in=(36, 48))).result == "warn"


def test_near_duplicates_within_the_set():
    from pressroom.domain.compare import fingerprint

    photo = Image.fromarray(skimage.data.astronaut())
    other = Image.fromarray(skimage.data.coffee())
    siblings = {2: fingerprint(photo.resize((256, 256))).phash, 3: fingerprint(other).phash}
    found = duplicates.run(context(photo, siblings=siblings))
    assert found.result == "warn" and "#2" in found.detail and "#3" not in found.detail


def test_nsfw_scores_a_benign_photo_low():
    found = nsfw.run(context(Image.fromarray(skimage.data.astronaut())))
    assert found.result == "pass" and 0.0 <= found.score < nsfw.WARN


@pytest.mark.parametrize("module", checks.MODULES)
def test_every_check_names_what_it_looked_at(module):
    from importlib import import_module

    check = import_module(f"pressroom.checks.{module}")
    assert check.ITEM in __import__("pressroom.domain.gate", fromlist=["CHECKLIST"]).CHECKLIST
    astronaut = Image.fromarray(skimage.data.astronaut())
    full = check.run(context(astronaut, alt_text="An astronaut in a suit", siblings={5: "0" * 16}))
    bare = check.run(context(astronaut, brief=None))  # no brief, no alt text, no other images of the set
    for finding in (full, bare):
        assert finding.result in checks.RESULTS and finding.name == check.NAME and finding.item == check.ITEM
        assert finding.looked_at.strip(), f"{check.NAME} ({finding.result}) does not say what it looked at"


def test_the_slow_checks_run_once_per_image_content_and_inputs(monkeypatch):
    ran = []
    for module in (faces, text, nsfw, palette):
        real = module.run
        monkeypatch.setattr(module, "run", lambda ctx, real=real, name=module.NAME: ran.append(name) or real(ctx))
    first = Image.new("RGB", (64, 64), (201, 31, 29))  # colours no other test uses
    same = Image.new("RGB", (64, 64), (201, 31, 29))  # another object, the same pixels
    one = checks.run_all(context(first))
    two = checks.run_all(context(same, prompt="another prompt"))
    assert one == two
    assert sorted(ran) == ["faces", "nsfw", "palette", "text"]
    other_brand = parse(TEMPLATE.replace('"#1F4E79"', '"#C91F1D"'))  # the palette reads the brief too
    three = checks.run_all(context(same, brief=other_brand))
    assert ran.count("palette") == 2 and ran.count("text") == 1
    [before] = [f for f in one if f.name == "palette"]
    [after] = [f for f in three if f.name == "palette"]
    assert after.score < before.score  # the image's red is now a brand colour
    checks.run_all(context(Image.new("RGB", (64, 64), (29, 203, 31))))  # other pixels: looked at again
    assert ran.count("text") == 2 and ran.count("faces") == 2 and ran.count("nsfw") == 2 and ran.count("palette") == 3
