"""Every family through the one diffusers engine: SD 1.x (tiny), SDXL, SD3 with and without T5, FLUX
dev-like and schnell-like, as tiny random-weight pipelines built once per session (``families.py``).

For each: `model add` records the family and native size; generate -> export card -> reproduce gives
`exact`, and the pixels equal a plain diffusers call with the same settings, and one built from the
card's text alone (``from_card``), which also proves what the card calls ignored is; a refine and an
inpaint keep the parent's size."""

import json
import tomllib

import families
import numpy as np
import pytest
from PIL import Image
from playbook import people

INPUT = 2  # InputError's exit code
FAMILY = {
    "sdxl": ("sdxl", ""),
    "sd3": ("sd3", ""),
    "sd3-no-t5": ("sd3", ""),
    "flux-dev": ("flux", "dev"),
    "flux-schnell": ("flux", "schnell"),
}


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The tiny pipelines of every family, written once for the whole run (a few MB each)."""
    root = tmp_path_factory.mktemp("families")
    return {name: families.save(name, root / name) for name in families.BUILDERS}


def add(cli, built, name):
    result = cli("model", "add", name, "--path", built[name], "--license", "Apache-2.0", "--commercial", "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def generate(cli, name, *extra, width=64, height=96, seed=11):
    result = cli(
        "generate",
        "--model",
        name,
        "--prompt",
        "a red fox in snow, soft light",
        "--seed",
        seed,
        "--steps",
        "3",
        "--guidance",
        "4",
        "--width",
        width,
        "--height",
        height,
        "--json",
        *extra,
    )
    assert result.code == 0, result.err
    return json.loads(result.out)[0]


def plain_diffusers(path, family, variant, prompt, seed, width, height, negative=""):
    """The same image made with diffusers alone: its own scheduler, one CPU generator."""
    import torch
    from diffusers import DiffusionPipeline

    index = json.loads((path / "model_index.json").read_text())
    absent = {k: None for k, v in index.items() if isinstance(v, list) and v == [None, None]}
    pipeline = DiffusionPipeline.from_pretrained(path, local_files_only=True, **absent)
    extra = {}
    if family == "flux":
        extra["max_sequence_length"] = 512 if variant == "dev" else 256
    else:
        extra["negative_prompt"] = negative
    if family == "sd3":
        extra["max_sequence_length"] = 256
    image = pipeline(
        prompt=prompt,
        num_inference_steps=3,
        guidance_scale=4.0,
        width=width,
        height=height,
        generator=torch.Generator("cpu").manual_seed(seed),
        output_type="pil",
        **extra,
    ).images[0]
    return np.asarray(image)


@pytest.mark.parametrize("name", list(FAMILY))
def test_each_family_generates_reproduces_exactly_and_matches_plain_diffusers(cli, built, tmp_path, name):
    family, variant = FAMILY[name]
    row = add(cli, built, name)
    assert row["family"] == family and row["variant"] == variant
    assert row["multiple"] == (16 if family in ("sd3", "flux") else 8)
    # the native size: the denoiser's sample size times the VAE's 8x (FLUX: 128 x 8, as the real ones)
    assert row["size"] == (1024 if family == "flux" else 256)
    assert row["steps"] == (4 if variant == "schnell" else 20)  # schnell is distilled to draw in 4
    made = generate(cli, name)
    assert (made["width"], made["height"]) == (64, 96)
    stored = Image.open(made["path"])
    assert stored.size == (64, 96)
    card = tmp_path / "card.toml"
    assert cli("recipe", "export", made["id"], "-o", card).code == 0
    text = card.read_text()
    assert 'name = "default"' in text  # the model's own scheduler
    if family in ("sd3", "flux"):
        assert 'class_name = "FlowMatchEulerDiscreteScheduler"' in text
    again = cli("reproduce", card, "--json")
    assert again.code == 0, again.err
    assert json.loads(again.out)["verdict"] == "exact"
    plain = plain_diffusers(built[name], family, variant, "a red fox in snow, soft light", 11, 64, 96)
    assert np.array_equal(np.asarray(stored.convert("RGB")), plain)


def from_card(path, text, **changed):
    """The pixels a stranger draws with plain diffusers from the card's text alone and the weights at
    ``path``: every setting read from the card (``changed`` overrides some), none known beforehand.
    A setting the card lists in ``ignored`` is left out unless ``changed`` names it."""
    import diffusers
    import torch

    card = tomllib.loads(text)
    settings = {
        "prompt": card["prompt"],
        "negative_prompt": card["negative"],
        "num_inference_steps": card["steps"],
        "guidance_scale": card["guidance"],
        "width": card["width"],
        "height": card["height"],
    }
    if "max_sequence_length" in card:
        settings["max_sequence_length"] = card["max_sequence_length"]
    ignored = {"guidance": "guidance_scale", "negative": "negative_prompt"}
    for name in card.get("ignored", []):
        settings.pop(ignored[name])
    settings.update(changed)
    index = json.loads((path / "model_index.json").read_text())  # the weights folder, not the card
    absent = {k: None for k, v in index.items() if isinstance(v, list) and v == [None, None]}
    pipeline = diffusers.DiffusionPipeline.from_pretrained(
        path, local_files_only=True, dtype=getattr(torch, card["dtype"]), **absent
    )
    scheduler = card["scheduler"]
    config = {**scheduler["config"], **dict.fromkeys(scheduler.get("unset", []))}
    pipeline.scheduler = getattr(diffusers, scheduler["class_name"]).from_config(config)
    pipeline.set_progress_bar_config(disable=True)
    generator = torch.Generator("cpu").manual_seed(card["seed"])
    image = pipeline(**settings, generator=generator, output_type="pil").images[0]
    return np.asarray(image)


def model_folder(cli, built, name):
    """The weights of ``name``: the built-in tiny model (SD 1.x) is in the studio already."""
    if name == "tiny":
        from pressroom.engines import tiny

        return cli.studio.weights_dir / f"tiny-v{tiny.VERSION}"
    add(cli, built, name)
    return built[name]


@pytest.mark.parametrize("name", ["tiny", *FAMILY])
def test_plain_diffusers_draws_the_same_pixels_from_the_card_alone(cli, built, tmp_path, name):
    path = model_folder(cli, built, name)
    made = generate(cli, name)
    card = tmp_path / "card.toml"
    assert cli("recipe", "export", made["id"], "-o", card).code == 0
    text = card.read_text()
    stored = np.asarray(Image.open(made["path"]).convert("RGB"))
    assert np.array_equal(from_card(path, text), stored)
    # what the card says is ignored is: any value draws the same pixels; what it does not list is used
    recorded = tomllib.loads(text)
    for setting, argument, other in (("guidance", "guidance_scale", 9.0), ("negative", "negative_prompt", "blurry")):
        same = np.array_equal(from_card(path, text, **{argument: other}), stored)
        assert same == (setting in recorded.get("ignored", [])), (setting, recorded.get("ignored"))
    if "max_sequence_length" in recorded:  # the tokens it records matter: another number, other pixels
        assert not np.array_equal(from_card(path, text, max_sequence_length=128), stored)


def test_at_a_guidance_of_1_the_card_says_the_negative_prompt_is_ignored(cli, built, tmp_path):
    path = model_folder(cli, built, "tiny")  # SD 1.x: the negative works only through classifier-free guidance
    made = generate(cli, "tiny", "--guidance", "1", "--negative", "blurry")  # the last --guidance counts
    card = tmp_path / "card.toml"
    assert cli("recipe", "export", made["id"], "-o", card).code == 0
    text = card.read_text()
    recorded = tomllib.loads(text)
    assert recorded["guidance"] == 1.0 and recorded["negative"] == "blurry" and recorded["ignored"] == ["negative"]
    stored = np.asarray(Image.open(made["path"]).convert("RGB"))
    assert np.array_equal(from_card(path, text), stored)
    assert np.array_equal(from_card(path, text, negative_prompt="a red fox"), stored)


T5 = ["sd3", "sd3-no-t5", "flux-dev", "flux-schnell"]  # the families whose pipelines take max_sequence_length


def exported(cli, built, tmp_path, name) -> tuple[dict, str]:
    add(cli, built, name)
    made = generate(cli, name)
    assert cli("recipe", "export", made["id"], "-o", tmp_path / "card.toml").code == 0
    return made, (tmp_path / "card.toml").read_text()


def reproduced(cli, tmp_path, text) -> tuple[dict, np.ndarray]:
    card, out = tmp_path / "edited.toml", tmp_path / "again.png"
    card.write_text(text)
    result = cli("reproduce", card, "-o", out, "--json")
    assert result.code in (0, 1), result.err
    return json.loads(result.out), np.asarray(Image.open(out).convert("RGB"))


@pytest.mark.parametrize("name", T5)
def test_a_card_written_before_the_t5_tokens_were_recorded_reproduces_as_before(cli, built, tmp_path, name):
    made, text = exported(cli, built, tmp_path, name)
    old = "\n".join(line for line in text.splitlines() if not line.startswith(("max_sequence_length =", "ignored =")))
    assert "max_sequence_length" not in tomllib.loads(old) and "ignored" not in tomllib.loads(old)
    figures, image = reproduced(cli, tmp_path, old)
    assert figures["verdict"] == "exact"
    assert np.array_equal(image, np.asarray(Image.open(made["path"]).convert("RGB")))


def test_reproduce_runs_the_cards_t5_tokens_and_is_not_fooled_by_an_ignored_setting(cli, built, tmp_path):
    made, text = exported(cli, built, tmp_path, "flux-schnell")
    assert "max_sequence_length = 256" in text and "guidance = 4.0" in text
    # the card's number of T5 tokens is the one the engine gives the pipeline: another one, other pixels
    fewer = text.replace("max_sequence_length = 256", "max_sequence_length = 128")
    figures, image = reproduced(cli, tmp_path, fewer)
    assert not figures["pixels_identical"]
    assert np.array_equal(image, from_card(built["flux-schnell"], fewer))
    # schnell ignores the guidance: another value on the card is still the same image, and says so again
    figures, _ = reproduced(cli, tmp_path, text.replace("guidance = 4.0", "guidance = 9.0"))
    assert figures["verdict"] == "exact"
    rerun = tmp_path / "again.png"
    assert json.loads(Image.open(rerun).text["pressroom"])["ignored"] == ["guidance", "negative"]


@pytest.mark.parametrize("name", list(FAMILY))
def test_a_refine_and_an_inpaint_keep_the_parents_size(cli, built, tmp_path, name):
    people(cli)
    add(cli, built, name)
    parent = generate(cli, name, width=80, height=48)
    refined = cli("fix", parent["id"], "--refine", "--strength", "0.5", "--as", "omar", "--json")
    assert refined.code == 0, refined.err
    mask = Image.new("L", (80, 48), 0)
    mask.paste(255, (16, 16, 48, 32))
    mask.save(tmp_path / "mask.png")
    inpainted = cli(
        "fix", parent["id"], "--inpaint", tmp_path / "mask.png", "--prompt", "a blue fox", "--as", "omar", "--json"
    )
    assert inpainted.code == 0, inpainted.err
    for result in (refined, inpainted):
        made = json.loads(result.out)
        listed = json.loads(cli("generations", "--json").out)
        row = next(r for r in listed if r["id"] == made["id"])
        assert (row["width"], row["height"]) == (80, 48)
        assert Image.open(row["path"]).size == (80, 48)
        card = tmp_path / f"fix-{made['id']}.toml"
        assert cli("recipe", "export", made["id"], "-o", card).code == 0
        assert "width = 80" in card.read_text() and "height = 48" in card.read_text()


def one_line(result, *needles):
    assert result.code == INPUT, result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1, result.err
    for needle in needles:
        assert needle in result.err


def test_flux_refuses_a_width_not_a_multiple_of_16_and_what_it_cannot_use(cli, studio, built):
    add(cli, built, "flux-schnell")
    before = len(json.loads(cli("generations", "--json").out))
    one_line(
        cli("generate", "--model", "flux-schnell", "--prompt", "a fox", "--width", "72", "--height", "64"),
        "width 72 is not a multiple of 16",
        "use 64 or 80",
    )
    one_line(
        cli(
            "generate",
            "--model",
            "flux-schnell",
            "--prompt",
            "a fox",
            "--width",
            "64",
            "--height",
            "64",
            "--scheduler",
            "dpmpp_2m",
        ),
        "cannot drive a FLUX.1 model",
        "use: default",
    )
    one_line(
        cli(
            "generate",
            "--model",
            "flux-schnell",
            "--prompt",
            "a fox",
            "--width",
            "64",
            "--height",
            "64",
            "--negative",
            "blurry",
        ),
        "ignores the negative prompt",
    )
    assert len(json.loads(cli("generations", "--json").out)) == before  # nothing stored


def test_an_image_without_steps_takes_the_models_default(cli, studio, built, tmp_path):
    add(cli, built, "flux-schnell")
    made = cli("generate", "--model", "flux-schnell", "--prompt", "a fox", "--width", "64", "--height", "64", "--json")
    assert made.code == 0, made.err
    [row] = json.loads(made.out)
    assert cli("recipe", "export", row["id"], "-o", tmp_path / "fox.toml").code == 0
    assert tomllib.loads((tmp_path / "fox.toml").read_text())["steps"] == 4  # schnell's; SD's would be 20


def test_a_card_whose_scheduler_cannot_drive_the_model_is_refused(cli, studio, built, tmp_path):
    add(cli, built, "sd3-no-t5")
    made = generate(cli, "sd3-no-t5", width=64, height=64)
    card = tmp_path / "card.toml"
    cli("recipe", "export", made["id"], "-o", card)
    text = card.read_text().replace(
        'class_name = "FlowMatchEulerDiscreteScheduler"', 'class_name = "EulerDiscreteScheduler"'
    )
    (tmp_path / "wrong.toml").write_text(text)
    one_line(cli("reproduce", tmp_path / "wrong.toml"), "EulerDiscreteScheduler cannot drive a Stable Diffusion 3")


def test_sdxl_takes_pressroom_sampler_names(cli, built):
    add(cli, built, "sdxl")
    made = generate(cli, "sdxl", "--scheduler", "dpmpp_2m_karras", width=64, height=64)
    assert "Sampler: DPM++ 2M, Schedule type: Karras" in Image.open(made["path"]).text["parameters"]


def test_the_prompt_length_warning_counts_each_text_encoders_own_limit(cli, built):
    add(cli, built, "sd3")
    words = [w for w in families.WORDS if len(w) > 3]
    middling = " ".join(words[i % len(words)] for i in range(120))  # over CLIP's 77, under T5's 256
    long = " ".join(words[i % len(words)] for i in range(300))  # over both
    for prompt, t5 in ((middling, False), (long, True)):
        result = cli(
            "generate",
            "--model",
            "sd3",
            "--prompt",
            prompt,
            "--steps",
            "1",
            "--width",
            "64",
            "--height",
            "64",
            "--json",
        )
        assert result.code == 0, result.err
        [row] = json.loads(result.out)
        assert any("the text encoder sees 77 (CLIP)" in w for w in row["warnings"])
        assert any("the text encoder sees 256 (T5)" in w for w in row["warnings"]) == t5
