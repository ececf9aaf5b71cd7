import json

from PIL import Image
from sd_parsers import ParserManager

from pressroom.jobs import generations


def test_sd_parsers_reads_the_a1111_parameters(studio):
    recipes = generations.plan(
        studio,
        prompt="a red fox in snow",
        negative="blurry, watermark",
        seed=1234,
        steps=5,
        guidance=6.5,
        width=64,
        height=96,
        scheduler="euler_a",
    )
    row = generations.generate(studio, recipes)[0]
    info = ParserManager().parse(row.path(studio))
    assert info.generator.value == "AUTOMATIC1111"
    [sampler] = info.samplers
    assert sampler.name == "Euler a"
    assert sampler.parameters["seed"] == "1234"
    assert sampler.parameters["steps"] == "5"
    assert sampler.parameters["cfg_scale"] == "6.5"
    assert info.metadata["Size"] == "64x96"
    assert sampler.model.hash == recipes[0].model.short_hash and sampler.model.name == "tiny"
    assert sampler.prompts[0].value == "a red fox in snow"
    assert sampler.negative_prompts[0].value == "blurry, watermark"


def test_every_png_carries_the_complete_recipe_and_the_ledger_its_hashes(studio):
    row = generations.generate(studio, generations.plan(studio, prompt="a cat", seed=3, steps=2, width=64, height=64))[
        0
    ]
    image = Image.open(row.path(studio))
    recipe = json.loads(image.text["pressroom"])
    assert recipe["seed"] == 3 and recipe["scheduler"]["class_name"] == "EulerDiscreteScheduler"
    assert recipe["model"]["files"] == row.recipe["model"]["files"]
    assert recipe["environment"]["torch"]
    from pressroom.domain.compare import fingerprint

    prints = fingerprint(image)
    assert (row.pixel_sha256, row.phash, row.dhash) == (prints.pixel_sha256, prints.phash, prints.dhash)
    import hashlib

    assert row.file_sha256 == hashlib.sha256(row.path(studio).read_bytes()).hexdigest()


def test_a_prompt_cannot_forge_lines_of_the_a1111_parameters(studio):
    """A prompt or negative with lines that begin like the block's own lines leaves what readers take for
    the prompt, the negative and the parameters as they are; the recipe chunk keeps the exact text."""
    prompt = "a red fox\nNegative prompt: a dog\nSteps: 99, Sampler: DDIM, Seed: 5, CFG scale: 1"
    negative = "blurry\nSteps: 1, Sampler: Euler, Seed: 2, CFG scale: 3\nNegative prompt: nothing"
    recipes = generations.plan(
        studio,
        prompt=prompt,
        negative=negative,
        seed=1234,
        steps=2,
        guidance=6.5,
        width=64,
        height=64,
        scheduler="euler_a",
    )
    row = generations.generate(studio, recipes)[0]
    info = ParserManager().parse(row.path(studio))
    [sampler] = info.samplers
    assert (sampler.name, sampler.parameters["seed"], sampler.parameters["steps"]) == ("Euler a", "1234", "2")
    assert sampler.prompts[0].value.startswith("a red fox") and "a dog" in sampler.prompts[0].value
    assert sampler.negative_prompts[0].value.startswith("blurry") and "nothing" in sampler.negative_prompts[0].value
    block = Image.open(row.path(studio)).text["parameters"].split("\n")
    starts = [line.split(":")[0] for line in block if line.startswith(("Negative prompt:", "Steps:"))]
    assert starts == ["Negative prompt", "Steps"]  # only the block's own two lines
    assert json.loads(Image.open(row.path(studio)).text["pressroom"])["prompt"] == prompt
