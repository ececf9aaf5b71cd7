"""Reference conditioning: an IP-Adapter, a canny ControlNet and img2img from a reference, each
image stored by SHA-256 and named on the card with its role and weight; generate, export the card,
reproduce `exact`, and the same pixels as diffusers alone. A changed hash is refused; the lock-in
pass and the volume run carry the references, and a volume run may vary the reference itself."""

import json

import numpy as np
import pytest
from PIL import Image, ImageDraw
from test_loras import PROMPT, generate, lora_files, pixels, register  # noqa: F401 (a fixture)
from tinyadapters import controlnet, ip_adapter, transformer_controlnet

from pressroom.errors import InputError, ModelMismatch, NotFound
from pressroom.store import adapters
from pressroom.store.assets import sha256_file


@pytest.fixture(scope="session")
def adapter_folders(template_studio, tmp_path_factory):
    root, base = tmp_path_factory.mktemp("adapters"), template_studio / "weights" / "tiny-v1"
    return {"look": ip_adapter(base, root / "look"), "edges": controlnet(base, root / "edges")}


def picture(path, seed, shape=True):
    """A reference: a coloured field with a white shape (the canny map finds its outline)."""
    rng = np.random.RandomState(seed)
    image = Image.new("RGB", (96, 80), tuple(int(c) for c in rng.randint(0, 255, 3)))
    if shape:
        x = int(rng.randint(10, 40))
        ImageDraw.Draw(image).ellipse((x, 15, x + 40, 60), fill=(250, 250, 250))
    image.save(path)
    return path


def add_adapters(cli, adapter_folders, *extra):
    out = {}
    for name, kind in (("look", ("--kind", "ip-adapter")), ("edges", ("--kind", "controlnet", "--control", "canny"))):
        result = cli(
            "adapter",
            "add",
            name,
            "--path",
            adapter_folders[name],
            *kind,
            "--license",
            "Apache-2.0",
            "--commercial",
            "--json",
            *extra,
        )
        assert result.code == 0, result.err
        out[name] = json.loads(result.out)
    return out


PIPELINES = {  # the family's ControlNet, ControlNet img2img and img2img pipelines, by name
    "sd": (
        "StableDiffusionControlNetPipeline",
        "StableDiffusionControlNetImg2ImgPipeline",
        "StableDiffusionImg2ImgPipeline",
    ),
    "sdxl": (
        "StableDiffusionXLControlNetPipeline",
        "StableDiffusionXLControlNetImg2ImgPipeline",
        "StableDiffusionXLImg2ImgPipeline",
    ),
}


def plain_diffusers(studio, *, loras=(), ip=None, control=None, start=None, seed=9, base=None, family="sd"):
    """The same image from diffusers alone: the adapters loaded by hand, the stored images read back."""
    import diffusers
    import torch

    controlled, controlled_start, started = (getattr(diffusers, name) for name in PIPELINES[family])
    base = base or studio.weights_dir / "tiny-v1"
    pipeline = diffusers.DiffusionPipeline.from_pretrained(base, local_files_only=True)
    pipeline.set_progress_bar_config(disable=True)
    for name, path, _ in loras:
        pipeline.load_lora_weights(str(path), adapter_name=name)
    if loras:
        pipeline.set_adapters([name for name, _, _ in loras], [weight for _, _, weight in loras])
    arguments = dict(
        prompt=PROMPT,
        negative_prompt="",
        num_inference_steps=3,
        guidance_scale=7.0,
        generator=torch.Generator("cpu").manual_seed(seed),
    )
    if ip is not None:
        folder, image, scale = ip
        pipeline.load_ip_adapter(str(folder), subfolder="", weight_name="ip-adapter.safetensors", local_files_only=True)
        pipeline.set_ip_adapter_scale(scale)
        arguments["ip_adapter_image"] = image
    runner = pipeline
    if control is not None:
        folder, image, scale = control
        net = diffusers.ControlNetModel.from_pretrained(str(folder), local_files_only=True)
        runner = (controlled_start if start else controlled).from_pipe(pipeline, controlnet=net)
        image = (
            image.resize((64, 64), Image.Resampling.LANCZOS) if start else image
        )  # the pipeline resizes it only without a start
        arguments.update({"control_image" if start else "image": image, "controlnet_conditioning_scale": scale})
    if start is not None:
        image, strength = start
        runner = runner if control is not None else started.from_pipe(pipeline)
        arguments.update(image=[image.resize((64, 64), Image.Resampling.LANCZOS)], strength=strength)
    else:
        arguments.update(width=64, height=64)
    runner.set_progress_bar_config(disable=True)
    return np.asarray(runner(**arguments).images[0])


def test_two_loras_an_ip_adapter_and_a_canny_controlnet_reproduce_exactly_and_match_diffusers(
    cli, studio, lora_files, adapter_folders, tmp_path
):
    import cv2

    loras = register(cli, lora_files)
    added = add_adapters(cli, adapter_folders)
    assert added["edges"]["control"] == "canny" and len(added["look"]["files"]) >= 3  # weights + the encoder's
    look, shape = picture(tmp_path / "look.png", 1), picture(tmp_path / "shape.png", 2)
    bare = generate(cli, "--lora", "ink:0.8", "--lora", "glow:0.5")
    made = generate(
        cli,
        "--lora",
        "ink:0.8",
        "--lora",
        "glow:0.5",
        "--reference",
        f"look:{look}:0.7",
        "--reference",
        f"edges:{shape}:0.9",
    )
    assert not np.array_equal(pixels(bare), pixels(made))
    recipe = json.loads(Image.open(made["path"]).text["pressroom"])
    by_role = {r["role"]: r for r in recipe["conditioning"]}
    assert by_role["ip-adapter"]["image_sha256"] == sha256_file(look) and by_role["ip-adapter"]["weight"] == 0.7
    edges = by_role["controlnet"]
    assert edges["image_sha256"] == sha256_file(shape) and edges["canny"] == [100, 200] and edges["weight"] == 0.9
    assert edges["adapter"]["files"] == added["edges"]["files"]
    # the control image is OpenCV's canny map of the reference, stored by its hash
    stored = np.asarray(Image.open(studio.assets.find(edges["control_sha256"])).convert("L"))
    assert np.array_equal(stored, cv2.Canny(np.asarray(Image.open(shape).convert("L")), 100, 200))
    assert stored.max() == 255 and set(recipe["references"]) == {
        sha256_file(look),
        sha256_file(shape),
        edges["control_sha256"],
    }

    # A1111's parameters name each unit as sd-webui-controlnet writes it, and still parse whole
    from sd_parsers import ParserManager

    parameters = Image.open(made["path"]).text["parameters"]
    look_id, edges_id = added["look"]["fingerprint"][:8], added["edges"]["fingerprint"][:8]
    assert f'ControlNet 0: "Module: ip-adapter_clip, Model: look [{look_id}], Weight: 0.7"' in parameters
    assert (
        f'ControlNet 1: "Module: canny, Model: edges [{edges_id}], Weight: 0.9, Threshold A: 100, Threshold B: 200"'
    ) in parameters
    parsed = ParserManager().parse(made["path"])
    assert parsed is not None and parsed.samplers[0].parameters["steps"] == "3"
    assert parsed.samplers[0].parameters["seed"] == "9"
    card = tmp_path / "card.toml"
    assert cli("recipe", "export", made["id"], "-o", card).code == 0
    again = cli("reproduce", card, "--json")
    assert again.code == 0, again.err
    assert json.loads(again.out)["verdict"] == "exact"
    assert np.array_equal(
        pixels(generate(cli, "--lora", "ink:0.8", "--lora", "glow:0.5")), pixels(bare)
    )  # nothing stays on

    plain = plain_diffusers(
        studio,
        loras=[("ink", lora_files["ink"], 0.8), ("glow", lora_files["glow"], 0.5)],
        ip=(adapter_folders["look"], Image.open(look).convert("RGB"), 0.7),
        control=(adapter_folders["edges"], Image.open(studio.assets.find(edges["control_sha256"])).convert("RGB"), 0.9),
    )
    assert np.array_equal(plain, pixels(made))

    # any hash changed on the card is refused, in one line, before anything is drawn
    text = card.read_text()
    for old, needle, code in (
        (loras["glow"]["sha256"], "LoRA 'glow' is registered with sha256", ModelMismatch.exit_code),
        (
            added["look"]["files"]["ip-adapter.safetensors"],
            "ip-adapter 'look' is registered with other files",
            ModelMismatch.exit_code,
        ),
        (
            added["edges"]["files"]["diffusion_pytorch_model.safetensors"],
            "controlnet 'edges' is registered with other files",
            ModelMismatch.exit_code,
        ),
        (edges["control_sha256"], "is not in the asset store", NotFound.exit_code),
    ):
        changed = tmp_path / "changed.toml"
        changed.write_text(text.replace(old, old[:-1] + ("0" if old[-1] != "0" else "1")))
        refused = cli("reproduce", changed)
        assert refused.code == code and needle in refused.err, refused.err
        assert len(refused.err.strip().splitlines()) == 1

    # and so are the adapter's weights changed on disk
    weights = adapter_folders["edges"] / "diffusion_pytorch_model.safetensors"
    original = weights.read_bytes()
    try:
        weights.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        refused = cli("reproduce", card)
        assert refused.code == ModelMismatch.exit_code and "diffusion_pytorch_model.safetensors" in refused.err
    finally:
        weights.write_bytes(original)


@pytest.mark.long_running
def test_img2img_from_a_reference_with_a_controlnet_matches_diffusers_and_reproduces(
    cli, studio, adapter_folders, tmp_path
):
    add_adapters(cli, adapter_folders)
    start, shape = picture(tmp_path / "start.jpg", 3, shape=False), picture(tmp_path / "shape.png", 4)
    made = generate(cli, "--reference", f"img2img:{start}:0.7", "--reference", f"edges:{shape}")
    recipe = json.loads(Image.open(made["path"]).text["pressroom"])
    by_role = {r["role"]: r for r in recipe["conditioning"]}
    assert by_role["img2img"]["weight"] == 0.7 and by_role["controlnet"]["weight"] == 1.0
    assert "Denoising strength: 0.7" in Image.open(made["path"]).text["parameters"]
    assert Image.open(made["path"]).size == (64, 64)  # the recipe's size, whatever the reference's
    card = tmp_path / "card.toml"
    assert cli("recipe", "export", made["id"], "-o", card).code == 0
    assert json.loads(cli("reproduce", card, "--json").out)["verdict"] == "exact"
    control = Image.open(studio.assets.find(by_role["controlnet"]["control_sha256"])).convert("RGB")
    plain = plain_diffusers(
        studio, control=(adapter_folders["edges"], control, 1.0), start=(Image.open(start).convert("RGB"), 0.7)
    )
    assert np.array_equal(plain, pixels(made))
    # a fix works from the conditioned image alone: its recipe names the parent, not the references
    from playbook import people

    people(cli)
    fixed = cli("fix", made["id"], "--refine", "--strength", "0.5", "--as", "omar", "--json")
    assert fixed.code == 0, fixed.err
    derived = json.loads(Image.open(json.loads(fixed.out)["path"]).text["pressroom"])
    assert derived["source"]["parent_sha256"] == made["sha256"] and not derived.get("conditioning")
    alone = generate(cli, "--reference", f"img2img:{start}:0.7")
    assert np.array_equal(plain_diffusers(studio, start=(Image.open(start).convert("RGB"), 0.7)), pixels(alone))
    # a card exported out of the studio takes its images along, and a stranger reproduces it with them
    import os
    import subprocess
    import sys

    (tmp_path / "out").mkdir()
    card = tmp_path / "out" / "start.toml"
    assert cli("recipe", "export", alone["id"], "-o", card).code == 0
    along = tmp_path / "out" / "start.images" / f"{sha256_file(start)}.jpg"
    assert along.read_bytes() == start.read_bytes()
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PRESSROOM_STUDIO"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pressroom.cli",
            "reproduce",
            str(card),
            "--model-path",
            str(studio.weights_dir / "tiny-v1"),
            "--json",
        ],
        cwd=stranger,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and json.loads(done.stdout)["verdict"] == "exact", done.stderr
    along.unlink()  # without the image beside it, the card is refused in one line, naming where it looked
    from pressroom.plays import reproduction
    from pressroom.store import cards

    with pytest.raises(NotFound, match=f"image {sha256_file(start)} that the recipe reads is not in .*start.images"):
        reproduction.reproduce(
            cards.read(card), model_path=studio.weights_dir / "tiny-v1", images=cards.images_beside(card)
        )
    fixed_card = tmp_path / "out" / "fixed.toml"  # a derivative's card takes its parent along
    assert cli("recipe", "export", json.loads(fixed.out)["id"], "-o", fixed_card).code == 0
    assert (tmp_path / "out" / "fixed.images" / f"{made['sha256']}.png").is_file()
    # a depth (or pose) ControlNet is given its map as the reference itself
    assert (
        cli(
            "adapter", "add", "depth", "--path", adapter_folders["edges"], "--kind", "controlnet", "--control", "depth"
        ).code
        == 0
    )
    depth = picture(tmp_path / "depth.png", 6)
    mapped = generate(cli, "--reference", f"depth:{depth}:0.5")
    [given] = json.loads(Image.open(mapped["path"]).text["pressroom"])["conditioning"]
    assert given["control_sha256"] == given["image_sha256"] == sha256_file(depth) and given.get("canny") is None
    assert given["adapter"]["control"] == "depth"
    plain = plain_diffusers(studio, control=(adapter_folders["edges"], Image.open(depth).convert("RGB"), 0.5))
    assert np.array_equal(plain, pixels(mapped))


def test_sdxl_takes_an_ip_adapter_and_a_controlnet_and_reproduces_exactly(cli, studio, tmp_path_factory, tmp_path):
    import families

    root = tmp_path_factory.mktemp("sdxl-adapters")
    base = families.save("sdxl", root / "sdxl")
    folders = {"look": ip_adapter(base, root / "look"), "edges": controlnet(base, root / "edges")}
    assert cli("model", "add", "sdxl", "--path", base, "--license", "Apache-2.0", "--commercial").code == 0
    add_adapters(cli, folders)
    look, shape = picture(tmp_path / "look.png", 7), picture(tmp_path / "shape.png", 8)
    made = generate(cli, "--model", "sdxl", "--reference", f"look:{look}:0.5", "--reference", f"edges:{shape}:0.7")
    card = tmp_path / "card.toml"
    assert cli("recipe", "export", made["id"], "-o", card).code == 0
    assert json.loads(cli("reproduce", card, "--json").out)["verdict"] == "exact"
    control = json.loads(Image.open(made["path"]).text["pressroom"])["conditioning"][1]["control_sha256"]
    plain = plain_diffusers(
        studio,
        base=base,
        family="sdxl",
        ip=(folders["look"], Image.open(look).convert("RGB"), 0.5),
        control=(folders["edges"], Image.open(studio.assets.find(control)).convert("RGB"), 0.7),
    )
    assert np.array_equal(plain, pixels(made))


@pytest.mark.parametrize("name", ["sd3", "flux-dev"])
def test_sd3_and_flux_take_a_controlnet_and_reproduce_exactly(cli, studio, tmp_path_factory, tmp_path, name):
    import diffusers
    import families
    import torch

    root = tmp_path_factory.mktemp(f"{name}-controlnet")
    base = families.save(name, root / name)
    folder = transformer_controlnet(base, root / "edges")
    assert cli("model", "add", name, "--path", base, "--license", "Apache-2.0", "--commercial").code == 0
    assert cli("adapter", "add", "edges", "--path", folder, "--kind", "controlnet", "--control", "canny").code == 0
    shape = picture(tmp_path / "shape.png", 9)
    made = generate(cli, "--model", name, "--guidance", "4", "--reference", f"edges:{shape}:0.8")
    card = tmp_path / "card.toml"
    assert cli("recipe", "export", made["id"], "-o", card).code == 0
    assert json.loads(cli("reproduce", card, "--json").out)["verdict"] == "exact"
    control = json.loads(Image.open(made["path"]).text["pressroom"])["conditioning"][0]["control_sha256"]
    pipeline = diffusers.DiffusionPipeline.from_pretrained(base, local_files_only=True)
    net = getattr(
        diffusers, "FluxControlNetModel" if name.startswith("flux") else "SD3ControlNetModel"
    ).from_pretrained(folder, local_files_only=True)
    runner = getattr(
        diffusers, "FluxControlNetPipeline" if name.startswith("flux") else "StableDiffusion3ControlNetPipeline"
    ).from_pipe(pipeline, controlnet=net)
    extra = (
        {"max_sequence_length": 512} if name.startswith("flux") else {"max_sequence_length": 256, "negative_prompt": ""}
    )
    plain = runner(
        prompt=PROMPT,
        num_inference_steps=3,
        guidance_scale=4.0,
        width=64,
        height=64,
        control_image=Image.open(studio.assets.find(control)).convert("RGB"),
        controlnet_conditioning_scale=0.8,
        generator=torch.Generator("cpu").manual_seed(9),
        **extra,
    ).images[0]
    assert np.array_equal(np.asarray(plain), pixels(made))
    if name == "sd3":  # diffusers has no SD3 ControlNet img2img pipeline
        refused = cli(
            "generate",
            "--model",
            name,
            "--prompt",
            PROMPT,
            "--steps",
            "2",
            "--width",
            "64",
            "--height",
            "64",
            "--reference",
            f"edges:{shape}",
            "--reference",
            f"img2img:{shape}",
        )
        assert (
            refused.code == InputError.exit_code and "cannot take this img2img and ControlNet reference" in refused.err
        )


def test_a_volume_run_varies_the_reference_and_the_lock_carries_it(cli, studio, adapter_folders, tmp_path):
    from playbook import SMALL, open_brief, people, sprint

    people(cli)
    add_adapters(cli, adapter_folders)
    brief = open_brief(cli, tmp_path)
    concepts = sprint(cli, brief)
    assert cli("direction", "approve", brief, concepts[0]["id"], "--as", "dana").code == 0
    shots = [picture(tmp_path / f"shot{i}.png", 10 + i) for i in range(3)]
    locked = cli(
        "lock",
        brief,
        "--as",
        "omar",
        "--slot",
        "reference",
        "--reference",
        f"edges:{shots[0]}:0.8",
        "--reference",
        f"look:{shots[1]}",
        "--steps",
        "2",
        *SMALL,
        "--json",
    )
    assert locked.code == 0, locked.err
    lock = json.loads(locked.out)
    assert lock["verdict"] == "exact"
    run = cli(
        "volume",
        lock["recipe"],
        "--vary",
        f"reference={shots[1]}",
        "--vary",
        f"reference={shots[2]}",
        "--seeds",
        "2",
        "--batch-size",
        "1",
        "--as",
        "omar",
        "--json",
    )  # one a call: its cards reproduce exact
    assert run.code == 0, run.err
    made = json.loads(run.out)["made"]
    assert len(made) == 4
    from pressroom.jobs import generations

    rows = [generations.get(studio, row["id"]) for row in made]
    for row in rows:
        first, second = row.parsed_recipe().conditioning
        assert first.role == "controlnet" and first.weight == 0.8 and row.slot_value == first.image_sha256
        assert second.role == "ip-adapter" and second.image_sha256 == sha256_file(shots[1])  # the look stays
    assert {row.slot_value for row in rows} == {sha256_file(shots[1]), sha256_file(shots[2])}
    assert len({row.file_sha256 for row in rows}) == 4
    again = cli(
        "volume",
        lock["recipe"],
        "--vary",
        f"reference={shots[1]}",
        "--vary",
        f"reference={shots[2]}",
        "--seeds",
        "2",
        "--as",
        "omar",
        "--json",
    )
    assert again.code == 0 and json.loads(again.out)["made"] == [] and json.loads(again.out)["skipped"] == 4
    card = tmp_path / "volume.toml"
    assert cli("recipe", "export", rows[-1].id, "-o", card).code == 0
    assert json.loads(cli("reproduce", card, "--json").out)["verdict"] == "exact"


def test_reference_mistakes_are_one_line_errors(cli, adapter_folders, tmp_path):
    add_adapters(cli, adapter_folders)
    shape, text = picture(tmp_path / "shape.png", 5), tmp_path / "notes.txt"
    text.write_text("not an image")
    small = ("--prompt", PROMPT, "--steps", "2", "--width", "64", "--height", "64")
    bad, missing = InputError.exit_code, NotFound.exit_code
    for option, code, needle in (
        ("shape.png", bad, "must look like NAME:FILE[:WEIGHT]"),
        (f"nope:{shape}", missing, "unknown adapter 'nope' (registered: edges, look)"),
        (f"look:{shape}:strong", bad, "the weight after the last ':' must be a number"),
        (f"img2img:{shape}:1.5", bad, "weight is its strength, in (0, 1]"),
        (f"img2img:{shape}:0.1", bad, "img2img strength 0.1 of 2 steps leaves no denoising step"),
        (f"edges:{shape}:3", bad, "less than or equal to 2"),
        (f"look:{text}", bad, "is not a readable image"),
        (f"look:{tmp_path / 'gone.png'}", missing, "does not exist"),
    ):
        result = cli("generate", *small, "--reference", option)
        assert result.code == code and needle in result.err, (option, result.code, result.err)
        assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    twice = cli("generate", *small, "--reference", f"img2img:{shape}", "--reference", f"img2img:{shape}")
    assert twice.code == InputError.exit_code and "one img2img reference" in twice.err
    for args, needle in (
        (("--kind", "controlnet"), "--control must name the map a ControlNet was trained on"),
        (("--kind", "lens"), "kind must be one of ip-adapter, controlnet"),
        (("--kind", "ip-adapter", "--control", "canny"), "--control is for a ControlNet"),
    ):
        result = cli("adapter", "add", "x", "--path", adapter_folders["edges"], *args)
        assert result.code == InputError.exit_code and needle in result.err, result.err
    wrong = cli("adapter", "add", "x", "--path", adapter_folders["edges"], "--kind", "ip-adapter")
    assert wrong.code == InputError.exit_code and "has no image_encoder/ folder" in wrong.err
    assert [m.name for m in adapters.REGISTRY.all(cli.studio)] == ["edges", "look"]  # nothing half-registered
