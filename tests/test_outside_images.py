"""Images from other tools join a brief (issue 26, points 2 and 3): an A1111 PNG, a ComfyUI image
made through its HTTP API (only the API graph in the file), a file signed with its own C2PA manifest
(standing in for Adobe Firefly) and one with no metadata at all are filed as a brief's candidates
through the command line and through the brief page's upload, culled, reviewed by someone other
than the importer, released, and counted per tool; the licence item judges each by its tool."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from browsing import decide_on_page, serious_violations, sideways, signed_in, studio_ctx, team_site
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from playbook import open_brief, people
from test_reviews import every

from pressroom.context import Context
from pressroom.ledger.tables import Generation, Imported
from pressroom.store import comfyui

ALT = "A product shot from another tool"
PROMPT = "a basalt lighthouse under a violet storm"
# the graph ComfyUI's HTTP API takes and writes into the PNG's `prompt` chunk (no `workflow` chunk)
API_GRAPH = {
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "juggernautXL_v9.safetensors"}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": PROMPT, "clip": ["10", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "fog, blur", "clip": ["10", 1]}},
    "10": {"class_type": "LoraLoader", "inputs": {"model": ["4", 0], "clip": ["4", 1], "lora_name": "x.safetensors"}},
    "11": {
        "class_type": "ConditioningCombine",
        "inputs": {"conditioning_1": ["6", 0], "conditioning_2": ["6", 0]},
    },
    "3": {
        "class_type": "KSamplerAdvanced",
        "inputs": {
            "noise_seed": 123456789,
            "steps": 24,
            "cfg": 5.5,
            "sampler_name": "dpmpp_2m",
            "scheduler": "karras",
            "model": ["10", 0],
            "positive": ["11", 0],
            "negative": ["7", 0],
            "latent_image": ["5", 0],
        },
    },
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "api", "images": ["8", 0]}},
}
A1111 = (
    "a copper kettle on a slate hob\nNegative prompt: plastic\nSteps: 20, Sampler: Euler, CFG scale: 7, "
    "Seed: 31337, Size: 64x64, Model hash: 0badc0ffee, Model: kettle-xl"
)
TOOLS = """
[tools.AUTOMATIC1111]
license = "the model's own terms"
commercial = true

[tools.comfyui]
license = "the model's own terms"
commercial = true

[tools."Adobe Firefly"]
license = "Adobe Firefly generative AI terms"
commercial = true

[tools."Midjourney"]
license = "Midjourney Terms of Service (Pro plan)"
commercial = true
"""


def png(path: Path, colour, chunks: dict | None = None) -> Path:
    info = PngInfo()
    for key, value in (chunks or {}).items():
        info.add_text(key, value)
    Image.new("RGB", (64, 64), colour).save(path, pnginfo=info)
    return path


def signed_by_firefly(tmp_path: Path, path: Path, colour) -> Path:
    """A PNG signed with its own C2PA manifest whose claim generator is "Adobe Firefly", by a
    certificate chain of its own (made the way a studio makes one), standing in for Firefly's."""
    from c2pa import Builder, C2paSignerInfo, C2paSigningAlg, Signer

    from pressroom.store import signing
    from pressroom.store.studio import Studio

    other = Studio.init(tmp_path / "firefly-keys", name="Adobe")  # only its certificate chain is used
    signing.create(other)
    keys = other.root / "keys"
    plain = png(tmp_path / "unsigned.png", colour)
    manifest = {
        "claim_generator_info": [{"name": "Adobe Firefly", "version": "3.1"}],
        "title": "firefly.png",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
                        }
                    ]
                },
            }
        ],
    }
    info = C2paSignerInfo(
        alg=C2paSigningAlg.ES256,
        sign_cert=(keys / "chain.pem").read_bytes(),
        private_key=(keys / "signer.key").read_bytes(),
        ta_url=None,
    )
    with Signer.from_info(info) as signer, open(plain, "rb") as source, open(path, "w+b") as target:
        Builder(manifest).sign(signer, "image/png", source, target)
    other.close()
    return path


def outside_files(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "from-elsewhere"
    folder.mkdir()
    return {
        "a1111": png(folder / "kettle.png", "orange", {"parameters": A1111}),
        "comfy": png(folder / "lighthouse.png", "navy", {"prompt": json.dumps(API_GRAPH)}),
        "firefly": signed_by_firefly(tmp_path, folder / "firefly.png", "teal"),
        "plain": png(folder / "plain.png", "olive"),
    }


def sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# -- the ComfyUI API graph ----------------------------------------------------------------------------
def test_a_comfyui_api_graph_is_read_from_the_graph_itself():
    graph = comfyui.api_graph({"prompt": json.dumps(API_GRAPH)})
    read = comfyui.read(graph)
    assert (read.prompt, read.negative, read.checkpoint) == (PROMPT, "fog, blur", "juggernautXL_v9.safetensors")
    assert (read.sampler, read.scheduler, read.steps, read.cfg, read.seed) == ("dpmpp_2m", "karras", 24, 5.5, 123456789)
    # a file that also holds the UI's workflow is sd-parsers' to read; text that is no graph is none
    assert comfyui.api_graph({"prompt": "{}", "workflow": "{}"}) is None
    assert comfyui.api_graph({"prompt": "a lighthouse"}) is None
    assert comfyui.api_graph({"prompt": json.dumps({"1": {"inputs": {}}})}) is None


# -- the command line ---------------------------------------------------------------------------------
def test_images_from_other_tools_join_a_brief_pass_the_gate_and_are_counted_per_tool(cli, studio, tmp_path):
    people(cli)
    assert cli("user", "add", "omar", "--role", "reviewer").code == 0  # omar reviews too, but not his own imports
    brief = open_brief(cli, tmp_path)
    files = outside_files(tmp_path)
    before = {name: sha(path) for name, path in files.items()}

    # the file that says nothing of its tool is not filed without --tool; the others are
    done = cli("import", *files.values(), "--brief", brief, "--as", "omar", "--json")
    assert done.code == 0, done.err
    report = json.loads(done.out)
    by_name = {Path(e["file"]).name: e for e in report["read"]}
    assert sorted(by_name) == ["firefly.png", "kettle.png", "lighthouse.png"]
    [not_filed] = report["unparsed"]
    assert Path(not_filed["file"]).name == "plain.png" and not_filed["field"] == "tool"
    said = cli("import", files["plain"], "--brief", brief, "--as", "omar")
    assert said.code == 0 and "does not say which tool made it" in said.out and "--tool NAME" in said.out
    plain = json.loads(
        cli("import", files["plain"], "--brief", brief, "--tool", "Midjourney", "--as", "omar", "--json").out
    )["read"]
    by_name["plain.png"] = plain[0]
    assert {n: (e["tool"], e["reproducibility"]) for n, e in by_name.items()} == {
        "kettle.png": ("a1111", "recorded"),
        "lighthouse.png": ("comfyui", "recorded"),
        "firefly.png": ("Adobe Firefly", "none"),
        "plain.png": ("Midjourney", "none"),
    }
    assert all(e["asset"] is None and e["brief"] == brief for e in by_name.values())
    image = {n: e["image"] for n, e in by_name.items()}

    # kept byte for byte, the importer as maker; the API graph's settings read into the card
    with Context(studio).unit() as session:
        for name, generation_id in image.items():
            row = session.get(Generation, generation_id)
            assert sha(row.path(studio)) == before[_key(name)]
            assert (row.play, row.brief_id, row.operator, row.status) == ("import", brief, "omar", "new")
        comfy = session.get(Generation, image["lighthouse.png"])
        assert comfy.prompt == PROMPT and comfy.model == "juggernautXL_v9.safetensors" and comfy.seed == 123456789
        assert session.query(Imported).filter_by(generation_id=image["lighthouse.png"]).one().parameters == {
            "prompt": API_GRAPH
        }
    assert {name: sha(path) for name, path in files.items()} == before  # the originals were only read
    # not in the library before it is released
    assert json.loads(cli("search", "lighthouse", "--json").out)["total"] == 0

    # the review sheet says what can be made again
    sheet = cli("review", image["firefly.png"])
    assert sheet.code == 0 and "made with Adobe Firefly: none (cannot be made again)" in sheet.out

    # culled like a sprint's images; one more Midjourney image is rejected
    extra = json.loads(
        cli(
            "import",
            png(tmp_path / "reject-me.png", "maroon"),
            "--brief",
            brief,
            "--tool",
            "Midjourney",
            "--as",
            "omar",
            "--json",
        ).out
    )["read"][0]["image"]
    assert cli("cull", *image.values(), "--keep", "--as", "omar").code == 0
    assert cli("cull", extra, "--reject", "--reason", "composition", "--as", "omar").code == 0

    # the importer made them: he may not review them
    own = cli("review", image["plain.png"], "--decision", "approved", *every(), "--alt-text", ALT, "--as", "omar")
    assert own.code != 0 and "omar made generation" in own.err and "Traceback" not in own.err
    # a tool with no licence on record fails the licence item: approval is refused
    unknown = cli("review", image["plain.png"], "--decision", "approved", *every(), "--alt-text", ALT, "--as", "rita")
    assert unknown.code != 0 and 'tool Midjourney has no licence on record; add [tools."Midjourney"]' in unknown.err
    assert licence_of(cli, image["firefly.png"])["result"] == "fail"

    config = studio.root / "pressroom.toml"
    config.write_text(config.read_text() + TOOLS)
    licence = licence_of(cli, image["firefly.png"])
    assert licence["result"] == "pass" and "Adobe Firefly generative AI terms" in licence["detail"]
    # a reviewer who made none of them sends one back, then approves each
    back = cli(
        "review",
        image["kettle.png"],
        "--decision",
        "changes-required",
        *every(hands="fail:six fingers"),
        "--as",
        "rita",
    )
    assert back.code == 0, back.err
    for generation_id in image.values():
        done = cli("review", generation_id, "--decision", "approved", *every(), "--alt-text", ALT, "--as", "rita")
        assert done.code == 0, done.err

    released = cli("release", brief, "--as", "kim", "--json")
    assert released.code == 0, released.err
    masters = {a["generation"]: a for a in json.loads(released.out) if a["rendition"] == "master"}
    assert sorted(masters) == sorted(image.values())
    verified = json.loads(cli("verify", masters[image["plain.png"]]["path"], "--json").out)
    assert verified["c2pa"] == "Trusted"
    # the file that came with its own Content Credentials carries them on, as an ingredient
    firefly = json.loads(cli("verify", masters[image["firefly.png"]]["path"], "--json").out)
    [came_with] = [i for i in firefly["lineage"] if i["relationship"] == "componentOf"]
    assert firefly["c2pa"] == "Trusted" and came_with["signed_by"]
    assert not [i for i in verified["lineage"] if i["relationship"] == "componentOf"]  # none to carry

    # the card says what is known and how far it can be made again; reproduce says why not
    card = tmp_path / "plain-card.toml"
    assert cli("recipe", "export", image["plain.png"], "-o", card).code == 0
    text = card.read_text()
    assert 'made_with = "Midjourney"' in text and 'reproducibility = "none"' in text
    assert "records no seed or settings" in text
    refused = cli("reproduce", card)
    assert refused.code == 6 and "cannot be reproduced: made by Midjourney" in refused.err, refused.err
    refused = cli("reproduce", masters[image["lighthouse.png"]]["asset"])
    assert refused.code == 6 and "cannot be reproduced: a ComfyUI graph" in refused.err, refused.err
    comfy_card = tmp_path / "comfy-card.toml"
    assert cli("recipe", "export", image["lighthouse.png"], "-o", comfy_card).code == 0
    assert 'reproducibility = "recorded"' in comfy_card.read_text() and PROMPT in comfy_card.read_text()

    # search finds the ComfyUI API image by its prompt and says how far it can be made again
    found = json.loads(cli("search", "basalt lighthouse", "--json").out)
    assert {a["generation"] for a in found["assets"]} == {image["lighthouse.png"]}
    assert {a["reproducibility"] for a in found["assets"]} == {"recorded"}
    assert {a["reproducibility"] for a in json.loads(cli("search", "Midjourney", "--json").out)["assets"]} == {"none"}

    # counted in the brief's metrics, per tool and per model
    numbers = json.loads(cli("metrics", brief, "--json").out)
    assert numbers["briefs"][0]["generated"] == 5 and numbers["briefs"][0]["kept"] == 4
    tools = {row["tool"]: row for row in numbers["tools"]}
    assert sorted(tools) == ["AUTOMATIC1111", "Adobe Firefly", "ComfyUI", "Midjourney"]
    assert (tools["Midjourney"]["generated"], tools["Midjourney"]["kept"], tools["Midjourney"]["keep_rate"]) == (
        2,
        1,
        0.5,
    )
    assert tools["Midjourney"]["iterations_per_final"] == 2.0
    assert tools["AUTOMATIC1111"]["rework_after_review"] == 0.5 and tools["ComfyUI"]["rework_after_review"] == 0.0
    models = {row["model"]: row for row in numbers["models"]}
    assert models["kettle-xl"]["kept"] == 1 and models["juggernautXL_v9.safetensors"]["kept"] == 1
    table = cli("metrics", brief)
    assert table.code == 0 and "per tool" in table.out and "Midjourney" in table.out and "per model" in table.out


def licence_of(cli, generation_id: int) -> dict:
    [checked] = json.loads(cli("check", generation_id, "--json").out)
    return next(f for f in checked["checks"] if f["name"] == "licence")


def _key(name: str) -> str:
    return {"kettle.png": "a1111", "lighthouse.png": "comfy", "firefly.png": "firefly", "plain.png": "plain"}[name]


# -- the brief page ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory, ledgers):
    folder = tmp_path_factory.mktemp("outside-files")

    def prepare(ctx):
        from pressroom.domain.brief import parse
        from pressroom.plays import briefs

        config = ctx["dana"].studio.root / "pressroom.toml"
        config.write_text(config.read_text() + TOOLS)
        brief = briefs.open_brief(ctx["dana"], parse(briefs.TEMPLATE))["id"]
        return {"brief": brief, "files": outside_files(folder)}

    with team_site(tmp_path_factory, ledgers, prepare) as served_site:
        yield served_site


def test_images_uploaded_on_the_brief_page_are_culled_reviewed_released_and_counted(browser, site):
    brief, files = site["brief"], site["files"]
    omar = signed_in(browser, site, "omar")  # an operator who reviews too: never his own uploads
    omar.goto(f"/briefs/{brief}")
    section = omar.locator("#outside")
    outcome = section.locator("#outside-outcome")
    # a file that does not say its tool is refused in one line until the tool is named
    section.get_by_label("Image", exact=True).set_input_files(files["plain"])
    section.get_by_role("button", name="Bring it in").click()
    omar.wait_for_function("document.querySelector('#outside-outcome').innerText.trim() !== ''")
    assert "does not say which tool made it" in outcome.inner_text()
    outcome.evaluate("node => node.replaceChildren()")
    for name in ("a1111", "comfy", "firefly", "plain"):
        section.get_by_label("Image", exact=True).set_input_files(files[name])
        section.get_by_label("Tool that made it (when the file does not say)").fill(
            "Midjourney" if name == "plain" else ""
        )
        section.get_by_role("button", name="Bring it in").click()
        omar.wait_for_function("document.querySelector('#outside-outcome .done') !== null")
        assert "is now a candidate of this brief" in outcome.inner_text()
        outcome.evaluate("node => node.replaceChildren()")
    omar.reload()
    assert "brought in images made with other tools" in omar.locator(".timeline").inner_text()
    tiles = omar.locator("#cull-grid .tile")
    assert tiles.count() == 4
    assert sideways(omar) == [] and serious_violations(omar) == []
    for index in range(4):
        omar.locator("#cull-grid .tile").nth(index).get_by_role("button", name="Keep").click()
        omar.locator("#cull-grid .tile.kept").nth(index).wait_for()

    ctx = studio_ctx(site)
    with ctx.unit() as session:
        made = {
            row.tool: row.generation_id
            for row in session.query(Imported).join(Generation, Generation.id == Imported.generation_id)
            if session.get(Generation, row.generation_id).brief_id == brief
        }
        statuses = {session.get(Generation, g).status for g in made.values()}
    assert sorted(made) == ["Adobe Firefly", "Midjourney", "a1111", "comfyui"] and statuses == {"kept"}

    # omar brought them in: his image page offers him no decision; rita's does, with the class shown
    omar.goto(f"/images/{made['Midjourney']}")
    assert omar.get_by_role("button", name="Record the decision").count() == 0
    rita = signed_in(browser, site, "rita")
    for tool, generation_id in made.items():
        rita.goto(f"/images/{generation_id}")
        words = "settings recorded, not made again here" if tool in ("a1111", "comfyui") else "cannot be made again"
        assert words in rita.locator("#reproducibility").inner_text()
        decide_on_page(rita, "approved", alt_text=f"An image from {tool}")
        rita.locator("#decision-outcome").get_by_text("approved").first.wait_for()
    assert serious_violations(rita) == []

    from pressroom.plays import releases

    released = releases.release(ctx.acting_as(_person(ctx, "dana")), brief)
    assert sorted(r.generation_id for r in released) == sorted(made.values())
    stored = {r.generation_id: r for r in released}
    with ctx.unit() as session:  # the uploads were kept byte for byte
        for tool, generation_id in made.items():
            row = session.get(Generation, generation_id)
            assert sha(row.path(ctx.studio)) == sha(files[_upload_key(tool)])
    assert all(r.rendition == "master" for r in stored.values())
    ctx.studio.close()

    dana = signed_in(browser, site, "dana")
    dana.goto("/metrics")
    table = dana.locator("#tools-table")
    for shown in ("AUTOMATIC1111", "ComfyUI", "Adobe Firefly", "Midjourney"):
        assert table.get_by_role("row", name=shown).count() == 1
    dana.goto("/library?q=basalt+lighthouse")
    assert "settings recorded, not made again here" in dana.locator("main").inner_text()


def _person(ctx, name):
    from pressroom.plays import people

    return people.actor(ctx, name, "python")


def _upload_key(tool: str) -> str:
    return {"a1111": "a1111", "comfyui": "comfy", "Adobe Firefly": "firefly", "Midjourney": "plain"}[tool]
