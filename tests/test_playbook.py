"""A scripted run through every play, and each refusal the plays promise."""

import json
import tomllib

import pytest
from PIL import Image, ImageDraw
from playbook import SMALL, brief_file, locked, open_brief, people, sprint

from pressroom.errors import Forbidden, Refused
from pressroom.plays.briefs import TEMPLATE

pytestmark = pytest.mark.ledger_contract("every play from intake to release, through the command line")

FORBIDDEN = Forbidden.exit_code
REFUSED = Refused.exit_code


def test_people_hold_roles_and_the_log_records_every_action(cli, tmp_path):
    people(cli)
    assert cli("user", "add", "omar", "--role", "reviewer").code == 0
    users = {u["name"]: u["roles"] for u in json.loads(cli("user", "list", "--json").out)}
    assert users["omar"] == ["operator", "reviewer"]
    brief = open_brief(cli, tmp_path)
    log = json.loads(cli("log", "--brief", brief, "--json").out)
    assert [(e["actor"], e["action"], e["objects"]) for e in log] == [("dana", "brief.new", {"brief": brief})]


def test_an_action_without_the_role_is_refused_naming_the_role(cli, tmp_path):
    people(cli)
    result = cli("brief", "new", "--file", brief_file(tmp_path), "--as", "omar")
    assert result.code == FORBIDDEN
    assert "omar may not open a brief: it needs the director role" in result.err
    assert json.loads(cli("brief", "list", "--json").out) == []


def test_the_acting_person_comes_from_the_environment(cli, tmp_path, monkeypatch):
    people(cli)
    monkeypatch.setenv("PRESSROOM_USER", "dana")
    assert cli("brief", "new", "--file", brief_file(tmp_path)).code == 0
    monkeypatch.delenv("PRESSROOM_USER")
    result = cli("brief", "new", "--file", brief_file(tmp_path))
    assert result.code == FORBIDDEN and "who is acting?" in result.err


def test_an_incomplete_brief_is_a_draft_listing_every_missing_item(cli, tmp_path):
    people(cli)
    text = "\n".join(line for line in TEMPLATE.splitlines() if not line.startswith(("mood", "due", "palette", "count")))
    result = cli("brief", "new", "--file", brief_file(tmp_path, text), "--as", "dana", "--json")
    assert result.code == REFUSED
    assert "missing: mood, due, constraints.palette, deliverables.count" in result.err
    brief = json.loads(result.out)
    assert brief["status"] == "draft"
    refused = cli(
        "concept",
        brief["id"],
        "--style",
        "watercolor",
        "--style",
        "flat-vector",
        "--style",
        "cinematic",
        "--as",
        "omar",
    )
    assert refused.code == REFUSED
    assert f"brief {brief['id']} is a draft: no generation starts until it is complete" in refused.err
    assert json.loads(cli("generations", "--json").out) == []


def test_an_intent_of_two_sentences_pauses_the_brief(cli, tmp_path):
    people(cli)
    text = TEMPLATE.replace(
        'intent = "Show the shoe as the lightest way onto a wet mountain trail."',
        'intent = "Show the shoe. Make it pop."',
    )
    result = cli("brief", "new", "--file", brief_file(tmp_path, text), "--as", "dana", "--json")
    assert result.code == 0
    brief = json.loads(result.out)
    assert brief["status"] == "paused" and "one sentence" in brief["pause_reason"]
    assert (
        "paused"
        in cli(
            "concept",
            brief["id"],
            "--style",
            "watercolor",
            "--style",
            "flat-vector",
            "--style",
            "cinematic",
            "--as",
            "omar",
        ).err
    )


def test_malformed_brief_values_are_refused_and_nothing_stored(cli, tmp_path):
    people(cli)
    text = TEMPLATE.replace('"#1F4E79"', '"navy"').replace('stakes = "standard"', 'stakes = "huge"')
    result = cli("brief", "new", "--file", brief_file(tmp_path, text), "--as", "dana")
    assert result.code == 2 and "'navy' is not a hex colour" in result.err and "stakes" in result.err
    assert json.loads(cli("brief", "list", "--json").out) == []


def test_brief_template_is_a_complete_brief():
    from pressroom.domain.brief import parse

    spec = parse(TEMPLATE)
    assert spec.missing() == [] and tomllib.loads(TEMPLATE)["content_type"] == "campaign"


def test_concept_sprint_makes_a_labelled_contact_sheet(cli, tmp_path):
    people(cli)
    brief = open_brief(cli, tmp_path)
    result = cli(
        "concept",
        brief,
        "--style",
        "watercolor",
        "--style",
        "flat-vector",
        "--style",
        "cinematic",
        "--per-style",
        "2",
        "--steps",
        "2",
        "--as",
        "omar",
        "--json",
    )
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    rows = doc["generations"]
    assert len(rows) == 6 and {r["style"] for r in rows} == {"watercolor", "flat-vector", "cinematic"}
    assert all(r["play"] == "concept" and r["brief"] == brief for r in rows)
    assert [r["seed"] for r in rows if r["style"] == "watercolor"] == [1, 2]
    sheet = Image.open(doc["contact_sheet"])
    assert sheet.width > 2 * 192 and sheet.height > 3 * 192  # 2 columns x 3 rows of labelled cells
    too_few = cli("concept", brief, "--style", "watercolor", "--as", "omar")
    assert too_few.code == 2 and "3-5 distinct styles" in too_few.err


def test_the_research_pass_compares_models_on_the_same_seeds(cli, studio, tmp_path):
    people(cli)
    cli("model", "add", "tiny-copy", "--path", studio.weights_dir / "tiny-v1")
    brief = open_brief(cli, tmp_path)
    result = cli(
        "concept",
        brief,
        "--style",
        "watercolor",
        "--style",
        "flat-vector",
        "--style",
        "cinematic",
        "--per-style",
        "1",
        "--steps",
        "2",
        "--model",
        "tiny",
        "--model",
        "tiny-copy",
        "--as",
        "omar",
        "--json",
    )
    rows = json.loads(result.out)["generations"]
    assert sorted((r["model"], r["style"], r["seed"]) for r in rows) == sorted(
        (m, s, 1) for m in ("tiny", "tiny-copy") for s in ("watercolor", "flat-vector", "cinematic")
    )


def test_rank_direction_and_lock_write_a_locked_card(cli, tmp_path):
    people(cli)
    brief = open_brief(cli, tmp_path)
    concepts = sprint(cli, brief)
    early = cli("lock", brief, "--as", "omar")
    assert early.code == REFUSED and "no approved direction" in early.err
    ids = [c["id"] for c in concepts]
    assert cli("rank", brief, ids[2], ids[0], "--as", "dana").code == 0
    assert cli("rank", brief, ids[0], "--as", "omar").code == FORBIDDEN
    assert cli("direction", "approve", brief, ids[2], "--as", "dana").code == 0
    result = cli("lock", brief, "--as", "omar", "--steps", "3", *SMALL, "--json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert set(doc) >= {"recipe", "hero", "verdict", "card"} and doc["verdict"] == "exact"
    card = tomllib.loads(open(doc["card"]).read())
    assert card["steps"] == 3 and card["width"] == 64 and card["skeleton"]["style"].startswith("cinematic")
    shown = json.loads(cli("brief", "show", brief, "--json").out)
    assert shown["direction"] == ids[2] and shown["rankings"][0]["generation"] == ids[2]
    assert shown["recipes"][0]["status"] == "locked"


def test_a_locked_recipe_is_immutable_and_a_new_lock_is_a_new_version(cli, studio, tmp_path):
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    brief, first = locked(cli, tmp_path)
    second = json.loads(cli("lock", brief, "--as", "omar", "--steps", "3", *SMALL, "--json").out)
    assert second["version"] == 2 and second["parent"] == first["recipe"]
    with pytest.raises(IntegrityError, match="locked recipe is immutable"), studio.session() as session:
        session.execute(text("update recipes set recipe = '{}' where id = :id"), {"id": first["recipe"]})


def test_volume_changing_a_second_slot_is_refused(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    second = cli("volume", lock["recipe"], "--vary", "context=on a beach", "--seeds", "1", "--as", "omar")
    assert second.code == REFUSED
    assert "declares 'subject' as its only variable; varying 'context' would change a second slot" in second.err
    assert "--vary SLOT=VALUE" in second.err and "--slot SLOT" in second.err  # the CLI names its flags


def test_a_hero_that_does_not_reproduce_fails_the_lock_pauses_and_blocks_volume(cli, tmp_path, monkeypatch):
    from pressroom.domain import compare
    from pressroom.plays import lockin

    people(cli)
    brief = open_brief(cli, tmp_path)
    concepts = sprint(cli, brief)
    cli("direction", "approve", brief, concepts[0]["id"], "--as", "dana")

    def drifting(produced, expected):  # what a nondeterministic kernel would do to the second run
        import numpy as np
        from PIL import Image

        moved = Image.fromarray(np.roll(np.asarray(produced), 7, axis=1))
        return compare.compare(moved, expected)

    with monkeypatch.context() as patched:
        patched.setattr(lockin, "compare", drifting)
        result = cli("lock", brief, "--as", "omar", "--steps", "2", *SMALL, "--json")
    assert result.code == REFUSED and "the lock failed" in result.err
    failed = json.loads(result.out)
    assert failed["status"] == "failed" and failed["verdict"] == "different" and failed["card"] is None
    shown = json.loads(cli("brief", "show", brief, "--json").out)
    assert shown["status"] == "paused" and "did not reproduce" in shown["pause_reason"]
    refused = cli("volume", failed["recipe"], "--vary", "subject=a boot", "--seeds", "1", "--as", "omar")
    assert refused.code == REFUSED and "volume before lock" in refused.err
    assert cli("brief", "resume", brief, "--reason", "determinism flags fixed", "--as", "dana").code == 0
    assert json.loads(cli("lock", brief, "--as", "omar", "--steps", "2", *SMALL, "--json").out)["status"] == "locked"


def test_volume_changes_only_the_slot_and_keeps_identity(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    result = cli(
        "volume",
        lock["recipe"],
        "--vary",
        "subject=a red boot",
        "--vary",
        "subject=a blue boot",
        "--seeds",
        "2",
        "--batch-size",
        "2",
        "--as",
        "omar",
        "--json",
    )
    assert result.code == 0, result.err
    made = json.loads(result.out)["made"]
    assert sorted((m["slot_value"], m["seed"]) for m in made) == [("a blue boot", s) for s in (1, 2)] + [
        ("a red boot", s) for s in (1, 2)
    ]
    hero = json.loads(cli("generations", "--recipe", lock["recipe"], "--json").out)[0]
    for row in made:
        assert row["prompt"] == hero["prompt"].replace("a trail running shoe", row["slot_value"])
    again = json.loads(
        cli(
            "volume",
            lock["recipe"],
            "--vary",
            "subject=a red boot",
            "--vary",
            "subject=a blue boot",
            "--seeds",
            "2",
            "--as",
            "omar",
            "--json",
        ).out
    )
    assert again["made"] == [] and again["skipped"] == 4


def test_cull_and_metrics_agree(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    made = json.loads(
        cli(
            "volume",
            lock["recipe"],
            "--vary",
            "subject=a red boot",
            "--vary",
            "subject=a blue boot",
            "--seeds",
            "2",
            "--as",
            "omar",
            "--json",
        ).out
    )["made"]
    ids = [m["id"] for m in made]
    assert cli("cull", ids[0], "--keep", "--as", "omar").code == 0
    missing_reason = cli("cull", ids[1], "--reject", "--as", "omar")
    assert missing_reason.code == 2 and "a rejection needs a reason tag" in missing_reason.err
    assert "give --reason TEXT" in missing_reason.err  # the CLI names its flag
    assert cli("cull", ids[1], ids[2], "--reject", "--reason", "hands", "--as", "omar").code == 0
    assert cli("cull", ids[3], "--keep", "--as", "omar").code == 0
    kept = json.loads(cli("generations", "--status", "kept", "--json").out)
    assert [k["id"] for k in kept] == [ids[0], ids[3]]
    doc = json.loads(cli("metrics", brief, "--json").out)
    everything = json.loads(cli("generations", "--brief", brief, "--json").out)
    [row] = doc["briefs"]
    assert row["generated"] == len(everything) and row["kept"] == 2
    assert row["keep_rate"] == round(2 / len(everything), 4)
    assert row["iterations_per_final"] == round(len(everything) / 2, 2)
    assert row["time_to_hero_s"] is not None and row["time_to_hero_s"] >= 0
    [recipe] = [r for r in doc["recipes"] if r["recipe"] == lock["recipe"]]
    assert (recipe["generated"], recipe["kept"]) == (5, 2)  # hero + 4 volume images
    per_value = {(v["slot_value"]): (v["generated"], v["kept"]) for v in doc["slot_values"]}
    assert per_value["a red boot"] == (2, 1) and per_value["a blue boot"] == (2, 1)
    omar = {u["name"]: u["id"] for u in json.loads(cli("user", "list", "--json").out)}["omar"]
    assert doc["operators"] == [
        {
            "operator": "omar",
            "operator_id": omar,
            **{k: row[k] for k in ("generated", "kept", "keep_rate", "iterations_per_final")},
            "rework_after_review": None,
        }
    ]  # nothing reviewed yet
    assert [t["brief"] for t in doc["trend"]] == [brief]


def test_fix_and_finish_keeps_lineage_and_reproduces(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    hero = lock["hero"]
    small = Image.new("L", (64, 80), 0)
    ImageDraw.Draw(small).rectangle([8, 8, 30, 30], fill=255)
    small.save(tmp_path / "mask.png")
    big = Image.new("L", (64, 80), 0)
    ImageDraw.Draw(big).rectangle([0, 0, 63, 40], fill=255)
    big.save(tmp_path / "big.png")
    refused = cli("fix", hero, "--inpaint", tmp_path / "big.png", "--prompt", "a lace", "--as", "omar")
    assert (
        refused.code == REFUSED
        and "more than a third: regenerate instead (or pass --force to inpaint anyway)" in refused.err
    )
    too_weak = cli("fix", hero, "--refine", "--strength", "0.2", "--as", "omar")
    assert too_weak.code == 2 and "leaves no denoising step" in too_weak.err
    for args in (
        ["--inpaint", tmp_path / "mask.png", "--prompt", "a lace"],
        ["--refine", "--strength", "0.5"],
        ["--upscale", "2"],
    ):
        result = cli("fix", hero, *args, "--as", "omar", "--json")
        assert result.code == 0, result.err
        row = json.loads(result.out)
        assert row["parent"] == hero and row["play"] == "fix"
        card = tmp_path / f"fix-{row['id']}.toml"
        cli("recipe", "export", row["id"], "-o", card)
        source = tomllib.loads(card.read_text())["source"]
        assert source["op"] in ("inpaint", "refine", "upscale") and len(source["parent_sha256"]) == 64
        assert json.loads(cli("reproduce", card, "--json").out)["verdict"] == "exact"
    upscaled = json.loads(cli("generations", "--json").out)[-1]
    assert (upscaled["width"], upscaled["height"]) == (128, 160)
    forced = cli("fix", hero, "--inpaint", tmp_path / "big.png", "--prompt", "a lace", "--force", "--as", "omar")
    assert forced.code == 0


def test_templates_start_a_new_briefs_lock(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    assert cli("template", "promote", lock["recipe"], "trail-hero", "--as", "omar").code == FORBIDDEN  # needs director
    assert cli("template", "promote", lock["recipe"], "trail-hero", "--as", "dana").code == 0
    second = open_brief(cli, tmp_path)
    result = cli("lock", second, "--template", "trail-hero", "--as", "omar", "--json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["verdict"] == "exact" and doc["version"] == 1


def test_moving_back_to_concepting_after_a_lock_keeps_history(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    more = sprint(cli, brief)
    assert cli("direction", "approve", brief, more[1]["id"], "--as", "dana").code == 0
    relock = json.loads(cli("lock", brief, "--as", "omar", "--steps", "2", *SMALL, "--json").out)
    assert relock["version"] == 2 and relock["parent"] == lock["recipe"]
    shown = json.loads(cli("brief", "show", brief, "--json").out)
    assert [r["version"] for r in shown["recipes"]] == [1, 2]
    actions = [e["action"] for e in json.loads(cli("log", "--brief", brief, "--json").out)]
    assert actions.count("direction.approve") == 2 and actions.count("recipe.lock") == 2


def test_the_event_log_is_append_only(cli, studio, tmp_path):
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    people(cli)
    open_brief(cli, tmp_path)
    with pytest.raises(IntegrityError, match="append-only"), studio.session() as session:
        session.execute(text("delete from events"))
    with pytest.raises(IntegrityError, match="append-only"), studio.session() as session:
        session.execute(text("update events set actor = 'mallory'"))


def test_an_ecommerce_brief_fixes_sizes_and_the_variable(cli, tmp_path):
    people(cli)
    text = TEMPLATE.replace('content_type = "campaign"', 'content_type = "ecommerce"')
    brief = open_brief(cli, tmp_path, text)
    concepts = sprint(cli, brief)
    cli("direction", "approve", brief, concepts[0]["id"], "--as", "dana")
    square = cli("lock", brief, "--as", "omar", "--steps", "2", "--width", "64", "--height", "64")
    assert square.code == REFUSED and "needs the deliverable aspect 4:5; 64x64 is 1:1" in square.err
    context = cli("lock", brief, "--as", "omar", "--steps", "2", *SMALL, "--slot", "context")
    assert context.code == REFUSED and "fixes the variable to 'subject'" in context.err
    assert cli("lock", brief, "--as", "omar", "--steps", "2", *SMALL).code == 0
    shown = json.loads(cli("brief", "show", brief, "--json").out)
    assert shown["defaults"]["prechecks_before_cull"] is True and shown["defaults"]["gate"] == "strict"


def test_the_top_seed_runs_through_the_plays_and_past_it_is_a_one_line_error(cli, studio, tmp_path):
    from sqlalchemy import func, select

    from pressroom.ledger.tables import Generation

    def one_line_error(result, *needles):
        assert result.code == 2 and "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
        assert all(needle in result.err for needle in needles), result.err

    def rows() -> int:
        with studio.session() as session:
            return session.scalar(select(func.count(Generation.id)))

    top = 2**64 - 1
    brief, lock = locked(cli, tmp_path)
    relock = cli("lock", brief, "--as", "omar", "--seed", top, "--steps", "2", *SMALL, "--json")
    assert relock.code == 0, relock.err
    recipe = json.loads(relock.out)["recipe"]
    made = json.loads(
        cli("volume", recipe, "--vary", "subject=a red boot", "--seeds", "1", "--as", "omar", "--json").out
    )["made"]
    assert [m["seed"] for m in made] == [top]
    # the volume identity (recipe, slot value, seed) still holds at the top seed: nothing is made twice
    again = json.loads(
        cli("volume", recipe, "--vary", "subject=a red boot", "--seeds", "1", "--as", "omar", "--json").out
    )
    assert again["made"] == [] and again["skipped"] == 1
    before = rows()
    one_line_error(
        cli("volume", recipe, "--vary", "subject=a red boot", "--seeds", "2", "--as", "omar"), "--seeds 2", str(top)
    )
    one_line_error(cli("fix", made[0]["id"], "--refine", "--seed", 2**64, "--as", "omar"), "--seed", str(2**64))
    one_line_error(
        cli(
            "concept",
            brief,
            "--style",
            "watercolor",
            "--style",
            "flat-vector",
            "--style",
            "cinematic",
            "--per-style",
            "2",
            "--seed",
            top,
            "--steps",
            "2",
            "--as",
            "omar",
        ),
        "--seed",
        str(top),
    )
    one_line_error(
        cli(
            "concept",
            brief,
            "--style",
            "watercolor",
            "--style",
            "flat-vector",
            "--style",
            "cinematic",
            "--seed",
            "-1",
            "--steps",
            "2",
            "--as",
            "omar",
        ),
        "--seed",
        "-1",
    )
    assert rows() == before
