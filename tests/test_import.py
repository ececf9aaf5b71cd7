"""`pressroom import`: files in each tool's documented metadata layout, read, filed, searchable,
re-imported without duplicates, and an A1111-style PNG from pressroom's tiny model reproduced exact."""

import hashlib
import json

from PIL import Image
from PIL.PngImagePlugin import PngInfo
from playbook import people

from pressroom.jobs import generations
from pressroom.ledger.tables import Imported
from pressroom.store import metadata
from pressroom.store.resolver import Resolver

COMFY_PROMPT = {
    "3": {
        "class_type": "KSampler",
        "inputs": {
            "seed": 42,
            "steps": 20,
            "cfg": 7.0,
            "sampler_name": "euler",
            "scheduler": "normal",
            "denoise": 1.0,
            "model": ["4", 0],
            "positive": ["6", 0],
            "negative": ["7", 0],
            "latent_image": ["5", 0],
        },
    },
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a lighthouse at dusk", "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}},
}
COMFY_WORKFLOW = {
    "last_node_id": 9,
    "last_link_id": 9,
    "nodes": [{"id": 3, "type": "KSampler", "pos": [863, 186]}],
    "links": [[1, 4, 0, 3, 0, "MODEL"]],
    "version": 0.4,
}


def png(path, chunks, colour, size=(64, 64)):
    info = PngInfo()
    for key, value in chunks.items():
        info.add_text(key, value)
    Image.new("RGB", size, colour).save(path, pnginfo=info)


def with_user_comment(path, text, colour):
    """A1111's layout for JPEG and WebP: the parameters in EXIF UserComment, UTF-16 after 'UNICODE\\0'."""
    image = Image.new("RGB", (64, 64), colour)
    exif = image.getexif()
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\x00" + text.encode("utf-16-be")
    image.save(path, exif=exif.tobytes())


def tiny_a1111_png(studio, path, prompt, seed):
    """An image made by pressroom's tiny model, written the way A1111 writes one: only `parameters`."""
    [recipe] = generations.plan(studio, prompt=prompt, seed=seed, steps=2, width=64, height=80)
    [made] = list(generations.render([recipe], Resolver(studio)))
    info = PngInfo()
    info.add_text("parameters", metadata.a1111_parameters(made.recipe))
    made.image.save(path, pnginfo=info)


def make_folder(studio, root):
    (root / "nested" / "deeper").mkdir(parents=True)
    tiny_a1111_png(studio, root / "tiny-a1111.png", "a red shoe on moss", 5)
    png(root / "comfy.png", {"prompt": json.dumps(COMFY_PROMPT), "workflow": json.dumps(COMFY_WORKFLOW)}, "blue")
    png(
        root / "nested" / "invoke.png",
        {
            "invokeai_metadata": json.dumps(
                {
                    "generation_mode": "txt2img",
                    "positive_prompt": "a fox in snow",
                    "negative_prompt": "",
                    "model": {"model_name": "stable-diffusion-v1-5", "base_model": "sd-1", "model_type": "main"},
                    "scheduler": "euler",
                    "seed": 7,
                    "steps": 30,
                    "cfg_scale": 7.5,
                    "width": 64,
                    "height": 64,
                }
            )
        },
        "green",
    )
    png(
        root / "nested" / "fooocus.png",
        {
            "parameters": json.dumps(
                {
                    "prompt": "a glass bottle",
                    "negative_prompt": "",
                    "base_model": "juggernautXL_v8Rundiffusion",
                    "base_model_hash": "aeb7e9e689",
                    "sampler": "dpmpp_2m_sde_gpu",
                    "scheduler": "karras",
                    "seed": "12",
                    "sharpness": 2.0,
                    "steps": 30,
                    "guidance_scale": 4.0,
                    "version": "Fooocus v2.1.865",
                }
            ),
            "fooocus_scheme": "fooocus",
        },
        "yellow",
    )
    png(
        root / "nested" / "deeper" / "novelai.png",
        {
            "Software": "NovelAI",
            "Source": "Stable Diffusion XL C1E1DE52",
            "Description": "a city street at night",
            "Comment": json.dumps(
                {
                    "prompt": "a city street at night",
                    "steps": 28,
                    "scale": 5.0,
                    "seed": 99,
                    "sampler": "k_euler",
                    "uc": "lowres",
                }
            ),
        },
        "purple",
    )
    forge = (
        "a harbour at noon\nNegative prompt: fog\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 3, "
        "Size: 64x64, Model hash: 0123456789, Model: someone-elses-model"
    )
    with_user_comment(root / "nested" / "forge.jpg", forge, "orange")
    with_user_comment(root / "nested" / "forge.webp", forge.replace("noon", "dawn"), "pink")
    Image.new("RGB", (64, 64), "grey").save(root / "plain.png")  # no parameters at all
    (root / "nested" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (root / "notes.txt").write_text("not an image")


def test_import_reads_every_tool_keeps_originals_skips_duplicates_and_reproduces(cli, studio, tmp_path):
    people(cli)
    folder = tmp_path / "old-work"
    folder.mkdir()
    make_folder(studio, folder)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}

    done = cli("import", folder, "--as", "kim", "--json")
    assert done.code == 0, done.err
    report = json.loads(done.out)
    by_name = {e["file"].rsplit("/", 1)[-1]: e for e in report["read"]}
    assert sorted(by_name) == [
        "comfy.png",
        "fooocus.png",
        "forge.jpg",
        "forge.webp",
        "invoke.png",
        "novelai.png",
        "plain.png",
        "tiny-a1111.png",
    ]
    assert {n: e["tool"] for n, e in by_name.items()} == {
        "comfy.png": "comfyui",
        "fooocus.png": "fooocus",
        "forge.jpg": "a1111",
        "forge.webp": "a1111",
        "invoke.png": "invokeai",
        "novelai.png": "novelai",
        "plain.png": None,
        "tiny-a1111.png": "a1111",
    }
    assert [n for n, e in by_name.items() if e["reproducible"]] == ["tiny-a1111.png"]
    assert "no registered model has hash 0123456789" in by_name["forge.jpg"]["reason"]
    assert "ComfyUI graph" in by_name["comfy.png"]["reason"] and "hosted service" in by_name["novelai.png"]["reason"]
    assert sorted(u["file"].rsplit("/", 1)[-1] for u in report["unparsed"]) == ["broken.png", "plain.png"]
    assert report["skipped"] == []
    # the originals were only read
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()} == before

    # each field read, the tool's own metadata kept whole, the bytes stored unchanged
    from pressroom.context import Context

    with Context(studio).unit() as session:
        rows = {r.source.rsplit("/", 1)[-1]: r for r in session.query(Imported)}
        comfy = rows["comfy.png"]
        assert comfy.parameters == {"prompt": COMFY_PROMPT, "workflow": COMFY_WORKFLOW}
        assert rows["novelai.png"].parameters["Source"] == "Stable Diffusion XL C1E1DE52"
        assert rows["forge.jpg"].sha256 == before[folder / "nested" / "forge.jpg"]
    found = json.loads(cli("search", "lighthouse", "--json").out)
    assert [a["asset"] for a in found["assets"]] == [by_name["comfy.png"]["asset"]] and found["assets"][0]["imported"]
    assert found["facets"]["channel"] == {"imported": 1}
    stored = found["assets"][0]["path"]
    assert hashlib.sha256(open(stored, "rb").read()).hexdigest() == before[folder / "comfy.png"]
    assert json.loads(cli("search", "harbour", "--json").out)["total"] == 2  # the JPEG and the WebP
    assert (
        json.loads(cli("search", "harbour noon", "--json").out)["assets"][0]["asset"] == by_name["forge.jpg"]["asset"]
    )
    assert json.loads(cli("search", "fox", "--json").out)["assets"][0]["asset"] == by_name["invoke.png"]["asset"]

    # the tiny model's A1111 PNG reproduces exact; the others say why not
    exact = cli("reproduce", by_name["tiny-a1111.png"]["asset"], "--json")
    assert exact.code == 0 and json.loads(exact.out)["verdict"] == "exact", exact.err
    refused = cli("reproduce", by_name["comfy.png"]["asset"])
    assert refused.code == 6 and "cannot be reproduced: a ComfyUI graph" in refused.err

    # again: nothing new; a copy under another name is the same pixels
    (folder / "copy-of-comfy.png").write_bytes((folder / "comfy.png").read_bytes())
    again = json.loads(cli("import", folder, "--as", "kim", "--json").out)
    assert again["read"] == [] and len(again["skipped"]) == 9
    assert {
        "file": str((folder / "copy-of-comfy.png").resolve()),
        "duplicate_of": f"asset {by_name['comfy.png']['asset']}",
    } in again["skipped"]


def test_import_refuses_a_missing_path_and_an_unknown_brief(cli, tmp_path):
    people(cli)
    missing = cli("import", tmp_path / "nowhere", "--as", "kim")
    assert missing.code == 3 and "nowhere does not exist" in missing.err and "Traceback" not in missing.err
    png(tmp_path / "a.png", {}, "red")
    brief = cli("import", tmp_path / "a.png", "--brief", "999", "--as", "kim")
    assert brief.code == 3 and "Traceback" not in brief.err
    nobody = cli("import", tmp_path / "a.png", "--as", "dana")
    assert nobody.code == 4 and "keeper" in nobody.err
