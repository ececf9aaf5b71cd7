"""LoRAs: registered like models, named by full SHA-256 and weight in recipes and cards, written the
A1111 way, reproduced exactly, refused when the file differs, and licence-checked like a model."""

import json
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from pressroom.checks import Context, licence
from pressroom.domain.recipes import ModelRef, Recipe
from pressroom.errors import ModelMismatch
from pressroom.store import loras

PROMPT = "a red fox in snow"


def tiny_lora(base, target, seed):
    """A LoRA for the tiny model's UNet attention, random in both factors (peft's default would start at zero)."""
    import torch
    from diffusers import DiffusionPipeline, StableDiffusionPipeline
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    pipeline = DiffusionPipeline.from_pretrained(base, local_files_only=True)
    torch.manual_seed(seed)
    pipeline.unet.add_adapter(
        LoraConfig(r=4, lora_alpha=4, init_lora_weights=False, target_modules=["to_q", "to_k", "to_v", "to_out.0"])
    )
    StableDiffusionPipeline.save_lora_weights(
        target.parent, unet_lora_layers=get_peft_model_state_dict(pipeline.unet), weight_name=target.name
    )
    return target


@pytest.fixture(scope="session")
def lora_files(template_studio, tmp_path_factory):
    root = tmp_path_factory.mktemp("loras")
    base = template_studio / "weights" / "tiny-v1"
    return {
        name: tiny_lora(base, root / name / f"{name}.safetensors", seed) for name, seed in (("ink", 1), ("glow", 2))
    }


def register(cli, lora_files, *extra):
    out = {}
    for name in ("ink", "glow"):
        result = cli(
            "lora",
            "add",
            name,
            "--path",
            lora_files[name],
            "--license",
            "Apache-2.0",
            "--commercial",
            "--trigger",
            f"{name} style",
            "--json",
            *extra,
        )
        assert result.code == 0, result.err
        out[name] = json.loads(result.out)
    return out


def generate(cli, *extra):
    result = cli(
        "generate",
        "--prompt",
        PROMPT,
        "--seed",
        "9",
        "--steps",
        "3",
        "--width",
        "64",
        "--height",
        "64",
        "--json",
        *extra,
    )
    assert result.code == 0, result.err
    return json.loads(result.out)[0]


def pixels(row) -> np.ndarray:
    return np.asarray(Image.open(row["path"]).convert("RGB"))


def test_two_loras_reproduce_exactly_match_diffusers_and_leave_the_model_bare(cli, studio, lora_files, tmp_path):
    import torch
    from diffusers import DiffusionPipeline

    registered = register(cli, lora_files)
    assert registered["ink"]["a1111_hash"] == loras.tensor_hash(lora_files["ink"])
    assert len(registered["ink"]["sha256"]) == 64 and registered["ink"]["trigger"] == "ink style"
    bare = generate(cli)
    styled = generate(cli, "--lora", "ink:0.8", "--lora", "glow:0.5")
    assert not np.array_equal(pixels(bare), pixels(styled))
    assert np.array_equal(pixels(generate(cli)), pixels(bare))  # the cached pipeline carries no LoRA on
    parameters = Image.open(styled["path"]).text["parameters"]
    assert parameters.splitlines()[0] == f"{PROMPT} <lora:ink:0.8> <lora:glow:0.5>"
    hashes = f'Lora hashes: "ink: {registered["ink"]["a1111_hash"]}, glow: {registered["glow"]["a1111_hash"]}"'
    assert hashes in parameters
    card = tmp_path / "card.toml"
    assert cli("recipe", "export", styled["id"], "-o", card).code == 0
    text = card.read_text()
    assert f'sha256 = "{registered["ink"]["sha256"]}"' in text and "weight = 0.8" in text
    again = cli("reproduce", card, "--json")
    assert again.code == 0, again.err
    assert json.loads(again.out)["verdict"] == "exact"
    # the same image from diffusers alone
    pipeline = DiffusionPipeline.from_pretrained(studio.weights_dir / "tiny-v1", local_files_only=True)
    pipeline.load_lora_weights(str(lora_files["ink"]), adapter_name="ink")
    pipeline.load_lora_weights(str(lora_files["glow"]), adapter_name="glow")
    pipeline.set_adapters(["ink", "glow"], [0.8, 0.5])
    plain = pipeline(
        prompt=PROMPT,
        negative_prompt="",
        num_inference_steps=3,
        guidance_scale=7.0,
        width=64,
        height=64,
        generator=torch.Generator("cpu").manual_seed(9),
    ).images[0]
    assert np.array_equal(np.asarray(plain), pixels(styled))
    # a card whose LoRA hash differs from the registered file's is refused, in one line
    changed = text.replace(
        registered["glow"]["sha256"],
        registered["glow"]["sha256"][:-1] + ("0" if registered["glow"]["sha256"][-1] != "0" else "1"),
    )
    (tmp_path / "changed.toml").write_text(changed)
    refused = cli("reproduce", tmp_path / "changed.toml")
    assert refused.code == ModelMismatch.exit_code
    assert "LoRA 'glow' is registered with sha256" in refused.err and len(refused.err.strip().splitlines()) == 1


def test_lora_options_are_checked_in_one_line(cli, lora_files):
    register(cli, lora_files)
    for option, needle in (
        ("nope", "unknown LoRA 'nope' (registered: glow, ink)"),
        ("ink:strong", "the weight after ':' must be a number"),
        ("ink:99", "LoRA weight 99.0 is out of range"),
    ):
        result = cli(
            "generate", "--prompt", PROMPT, "--steps", "1", "--width", "64", "--height", "64", "--lora", option
        )
        assert result.code in (2, 3) and needle in result.err and "Traceback" not in result.err, result.err
    missing = cli("lora", "add", "x", "--path", "/nonexistent/x.safetensors")
    assert missing.code == 3 and "is not a file" in missing.err


def test_a_loras_licence_is_checked_against_the_briefs_use_like_a_models(studio, lora_files):
    free = loras.add(studio, "free", path=lora_files["ink"], license="Apache-2.0", commercial=True).ref(0.7)
    closed = loras.add(studio, "closed", path=lora_files["glow"], license="CC-BY-NC-4.0", commercial=False).ref()
    model = ModelRef(name="m", license="Apache-2.0", commercial=True)
    commercial = SimpleNamespace(intended_use="commercial")

    def finding(*applied):
        recipe = Recipe(prompt="x", model=model, seed=1, loras=list(applied))
        return licence.run(Context(image=None, recipe=recipe, generation_id=1, brief=commercial))

    assert finding(free).result == "pass"
    failed = finding(free, closed)
    assert failed.result == "fail" and "LoRA closed (CC-BY-NC-4.0) is not licensed for commercial use" in failed.detail
    unknown = loras.add(studio, "unknown", path=lora_files["glow"], replace=True).ref()
    assert finding(unknown).result == "warn"


def test_a_style_carries_its_loras_into_the_concept_sprint(cli, studio, lora_files, tmp_path):
    from playbook import open_brief, people

    people(cli)
    register(cli, lora_files)
    added = cli("style", "add", "inky", "--text", "ink drawing", "--lora", "ink:0.6", "--as", "omar", "--json")
    assert added.code == 0, added.err
    [kept] = json.loads(added.out)["loras"]
    assert kept["sha256"] == loras.load(studio, "ink").sha256
    assert kept["weight"] == 0.6
    brief = open_brief(cli, tmp_path)
    sprint = cli(
        "concept",
        brief,
        "--style",
        "inky",
        "--style",
        "watercolor",
        "--style",
        "cinematic",
        "--per-style",
        "1",
        "--steps",
        "2",
        "--as",
        "omar",
        "--json",
    )
    assert sprint.code == 0, sprint.err
    made = json.loads(sprint.out)["generations"]
    from pressroom.jobs import generations

    by_style = {row.style: row.parsed_recipe() for row in generations.listing(studio, brief_id=brief)}
    assert [(lora.name, lora.weight) for lora in by_style["inky"].loras] == [("ink", 0.6)]
    assert by_style["watercolor"].loras == []
    inky = next(row for row in made if row["style"] == "inky")
    assert "<lora:ink:0.6>" in Image.open(inky["path"]).text["parameters"]


def test_a_released_files_review_carries_the_licence_verdict_of_each_lora(cli, studio, lora_files, tmp_path):
    from playbook import SMALL, open_brief, people
    from test_release import approve, released

    people(cli)
    register(cli, lora_files)
    assert (
        cli(
            "style", "add", "inky", "--text", "ink drawing", "--lora", "ink:0.6", "--lora", "glow:0.3", "--as", "omar"
        ).code
        == 0
    )
    brief = open_brief(cli, tmp_path)
    sprint = cli(
        "concept",
        brief,
        "--style",
        "inky",
        "--style",
        "watercolor",
        "--style",
        "cinematic",
        "--per-style",
        "1",
        "--steps",
        "2",
        "--as",
        "omar",
        "--json",
    )
    assert sprint.code == 0, sprint.err
    [concept] = [row for row in json.loads(sprint.out)["generations"] if row["style"] == "inky"]
    assert cli("direction", "approve", brief, concept["id"], "--as", "dana").code == 0
    locked = cli("lock", brief, "--as", "omar", "--steps", "2", *SMALL, "--json")
    assert locked.code == 0, locked.err
    approve(cli, json.loads(locked.out)["hero"])
    master, _ = released(cli, brief, "--channel", "linkedin")

    review = json.loads(cli("verify", master["path"], "--json").out)["review"]
    by_name = {entry["name"]: entry for entry in review["licence"]}
    assert [entry["weights"] for entry in review["licence"]] == ["model", "lora", "lora"]
    assert by_name["ink"]["sha256"] == loras.load(studio, "ink").sha256
    assert by_name["glow"]["sha256"] == loras.load(studio, "glow").sha256
    assert by_name["ink"]["license"] == "Apache-2.0" and by_name["ink"]["commercial"] is True
    assert review["intended_use"] == "commercial"  # the brief template's: Apache-2.0 permits it
    assert [entry["verdict"] for entry in review["licence"]] == ["pass", "pass", "pass"]
    shown = cli("verify", master["path"])
    assert "licence: LoRA ink (Apache-2.0)" in shown.out and "licence: LoRA glow (Apache-2.0)" in shown.out
