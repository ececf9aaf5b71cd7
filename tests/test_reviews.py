"""The review gate: who may review, what the stakes demand, stale decisions, the recipe flag."""

import json

import pytest
from playbook import SMALL, locked, open_brief, people, sprint

from pressroom.context import Context
from pressroom.domain.gate import CHECKLIST, SHORT_LIST
from pressroom.errors import Forbidden, Refused
from pressroom.plays import lockin
from pressroom.plays.briefs import TEMPLATE

pytestmark = pytest.mark.ledger_contract("the review gate: decisions, checklists, staleness, flags")

FORBIDDEN = Forbidden.exit_code
REFUSED = Refused.exit_code


def every(result="pass", **overrides):
    args = []
    for item in CHECKLIST:
        args += ["--check", f"{item}={overrides.get(item.replace('-', '_'), result)}"]
    return args


def volume_images(cli, recipe, count=2, value="a red boot"):
    result = cli("volume", recipe, "--vary", f"subject={value}", "--seeds", count, "--as", "omar", "--json")
    assert result.code == 0, result.err
    return [m["id"] for m in json.loads(result.out)["made"]]


def test_review_shows_the_checklist_and_prechecks(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    result = cli("review", lock["hero"], "--json")
    assert result.code == 0, result.err
    findings = json.loads(result.out)
    assert {f["name"] for f in findings} >= {
        "faces",
        "text",
        "nsfw",
        "terms",
        "licence",
        "alt-text",
        "palette",
        "resolution",
        "sharpness",
        "duplicates",
    }
    assert all(set(f) >= {"name", "result", "score", "detail"} for f in findings)
    human = cli("review", lock["hero"])
    assert "checklist: hands, faces" in human.out and "standard-stakes gate" in human.out


def test_self_review_and_review_by_the_locking_operator_are_refused(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    cli("user", "add", "omar", "--role", "reviewer")  # omar made the hero and locked the recipe
    mine = cli("review", lock["hero"], "--decision", "approved", *every(), "--alt-text", "a boot", "--as", "omar")
    assert mine.code == FORBIDDEN and "omar made generation" in mine.err and "may not review it" in mine.err
    cli("user", "add", "olga", "--role", "operator")
    made = json.loads(
        cli("volume", lock["recipe"], "--vary", "subject=a red boot", "--seeds", "1", "--as", "olga", "--json").out
    )["made"][0]["id"]
    locker = cli("review", made, "--decision", "approved", *every(), "--alt-text", "a boot", "--as", "omar")
    assert locker.code == FORBIDDEN and f"omar locked recipe {lock['recipe']}" in locker.err


def test_standard_stakes_need_every_item_and_failed_items_need_reasons(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    hero = lock["hero"]
    partial = cli("review", hero, "--decision", "approved", "--check", "hands=pass", "--as", "rita")
    assert (
        partial.code == 2 and "answers every checklist item; missing: faces" in partial.err and "--check" in partial.err
    )
    no_reason = cli("review", hero, "--decision", "changes-required", *every(hands="fail"), "--as", "rita")
    assert no_reason.code == 2 and "checklist item hands failed with no reason" in no_reason.err
    approved_with_fail = cli(
        "review",
        hero,
        "--decision",
        "approved",
        *every(hands="fail:six fingers"),
        "--alt-text",
        "a boot",
        "--as",
        "rita",
    )
    assert approved_with_fail.code == 2 and "cannot carry failed items" in approved_with_fail.err
    ok = cli(
        "review",
        hero,
        "--decision",
        "approved",
        *every(),
        "--alt-text",
        "A red trail shoe on moss",
        "--as",
        "rita",
        "--json",
    )
    assert ok.code == 0, ok.err
    assert json.loads(ok.out)["result"] == "approved"


def test_high_stakes_need_two_distinct_reviewers(cli, tmp_path):
    people(cli)
    cli("user", "add", "ravi", "--role", "reviewer")
    brief = open_brief(cli, tmp_path, TEMPLATE.replace('stakes = "standard"', 'stakes = "high"'))
    concepts = sprint(cli, brief)
    cli("direction", "approve", brief, concepts[0]["id"], "--as", "dana")
    hero = json.loads(cli("lock", brief, "--as", "omar", "--steps", "2", *SMALL, "--json").out)["hero"]
    first = json.loads(
        cli(
            "review",
            hero,
            "--decision",
            "approved",
            *every(),
            "--alt-text",
            "A red shoe on moss",
            "--as",
            "rita",
            "--json",
        ).out
    )
    assert first["result"] == "pending" and first["needed"] == 2
    again = json.loads(cli("review", hero, "--decision", "approved", *every(), "--as", "rita", "--json").out)
    assert again["result"] == "pending" and again["approvals"] == ["rita"]  # the same reviewer twice is one
    second = json.loads(
        cli("review", hero, "--decision", "approved-with-changes", *every(), "--as", "ravi", "--json").out
    )
    assert second["result"] == "approved-with-changes" and second["approvals"] == ["ravi", "rita"]


def test_low_stakes_need_only_the_short_list(cli, tmp_path):
    people(cli)
    brief = open_brief(cli, tmp_path, TEMPLATE.replace('stakes = "standard"', 'stakes = "low"'))
    concepts = sprint(cli, brief)
    args = []
    for item in SHORT_LIST:
        args += ["--check", f"{item}=pass"]
    result = cli(
        "review",
        concepts[0]["id"],
        "--decision",
        "approved",
        *args,
        "--alt-text",
        "A shoe on moss",
        "--as",
        "rita",
        "--json",
    )
    assert result.code == 0, result.err
    assert json.loads(result.out)["result"] == "approved"


def test_the_strictest_decision_wins_and_a_fix_makes_decisions_stale(cli, tmp_path):
    cli("user", "add", "ravi", "--role", "reviewer")
    brief, lock = locked(cli, tmp_path)
    hero = lock["hero"]
    cli("review", hero, "--decision", "approved", *every(), "--alt-text", "A shoe on moss", "--as", "rita")
    strict = json.loads(
        cli(
            "review", hero, "--decision", "changes-required", *every(hands="fail:extra toe"), "--as", "ravi", "--json"
        ).out
    )
    assert strict["result"] == "changes-required"
    cli("fix", hero, "--refine", "--strength", "0.5", "--as", "omar")
    after = json.loads(cli("review", hero, "--decision", "approved", *every(), "--as", "rita", "--json").out)
    assert len(after["stale"]) == 2 and [c["reviewer"] for c in after["current"]] == ["rita"]
    assert after["result"] == "approved"


def test_three_failures_of_one_item_flag_the_recipe_and_block_volume(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    images = volume_images(cli, lock["recipe"], 3)
    for image in images:
        cli("review", image, "--decision", "changes-required", *every(hands="fail:six fingers"), "--as", "rita")
    shown = cli("brief", "show", brief)
    assert "flagged" in shown.out and "fix in the recipe: reviewers failed 'hands' 3 times" in shown.out
    waiting = lockin.waiting(Context(cli.studio))  # what the home page lists: a reviewer's flagged recipes
    [flagged] = waiting["flagged"]
    assert flagged["recipe"] == lock["recipe"]
    assert flagged["flag"].startswith("fix in the recipe: reviewers failed 'hands' 3 times; lock a new version")
    assert lock["recipe"] not in [r["recipe"] for r in waiting["volume"]]
    blocked = cli("volume", lock["recipe"], "--vary", "subject=a blue boot", "--seeds", "1", "--as", "omar")
    assert blocked.code == REFUSED and "is flagged" in blocked.err
    assert (
        cli("recipe", "clear-flag", lock["recipe"], "--reason", "x", "--as", "omar").code == FORBIDDEN
    )  # director only
    cleared = cli(
        "recipe", "clear-flag", lock["recipe"], "--reason", "hands fixed in the negative", "--as", "dana", "--json"
    )
    assert cleared.code == 0, cleared.err
    dana = {u["name"]: u["id"] for u in json.loads(cli("user", "list", "--json").out)}["dana"]
    assert (json.loads(cleared.out)["flag_cleared_by"], json.loads(cleared.out)["flag_cleared_by_id"]) == ("dana", dana)
    assert lockin.waiting(Context(cli.studio))["flagged"] == []
    assert cli("volume", lock["recipe"], "--vary", "subject=a blue boot", "--seeds", "1", "--as", "omar").code == 0
    # a new version of the recipe carries no flag
    for image in volume_images(cli, lock["recipe"], 3, value="a green boot"):
        cli("review", image, "--decision", "rejected", *every(hands="fail:six fingers"), "--as", "rita")
    assert "flagged" in cli("brief", "show", brief).out
    relock = json.loads(
        cli(
            "lock",
            brief,
            "--as",
            "omar",
            "--steps",
            "2",
            *SMALL,
            "--negative",
            "extra fingers, deformed hands",
            "--json",
        ).out
    )
    assert cli("volume", relock["recipe"], "--vary", "subject=a blue boot", "--seeds", "1", "--as", "omar").code == 0


def test_rework_after_review_per_recipe_and_operator(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    images = volume_images(cli, lock["recipe"], 4)
    cli("review", images[0], "--decision", "approved", *every(), "--alt-text", "A red boot on moss", "--as", "rita")
    cli("review", images[1], "--decision", "changes-required", *every(hands="fail:toe"), "--as", "rita")
    cli("review", images[2], "--decision", "rejected", *every(text="fail:letters"), "--as", "rita")
    cli("review", images[3], "--decision", "approved-with-changes", *every(), "--as", "rita")
    doc = json.loads(cli("metrics", brief, "--json").out)
    assert doc["briefs"][0]["rework_after_review"] == 0.5
    [recipe] = [r for r in doc["recipes"] if r["recipe"] == lock["recipe"]]
    assert recipe["rework_after_review"] == 0.5
    assert doc["operators"][0]["rework_after_review"] == 0.5


def test_an_ecommerce_cull_needs_prechecks_first(cli, tmp_path):
    people(cli)
    brief = open_brief(cli, tmp_path, TEMPLATE.replace('content_type = "campaign"', 'content_type = "ecommerce"'))
    concepts = sprint(cli, brief)
    first = concepts[0]["id"]
    refused = cli("cull", first, "--keep", "--as", "omar")
    assert refused.code == REFUSED and f"run them on generation {first} first" in refused.err
    assert "`pressroom check GEN` runs them" in refused.err  # the CLI names the command
    assert cli("check", first, "--json").code == 0
    assert cli("cull", first, "--keep", "--as", "omar").code == 0


def test_volume_can_run_prechecks_on_each_image(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    result = cli(
        "volume", lock["recipe"], "--vary", "subject=a red boot", "--seeds", "2", "--check", "--as", "omar", "--json"
    )
    doc = json.loads(result.out)
    assert any("alt-text fail" in line for line in doc["flagged"])  # nothing has alt text before review
    checked = json.loads(cli("check", doc["made"][0]["id"], "--json").out)[0]
    assert checked["id"] == doc["made"][0]["id"] and len(checked["checks"]) == 10


def test_decisions_are_an_audit_trail(cli, studio, tmp_path):
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    brief, lock = locked(cli, tmp_path)
    cli("review", lock["hero"], "--decision", "approved", *every(), "--alt-text", "A boot", "--as", "rita")
    with pytest.raises(IntegrityError, match="audit trail"), studio.session() as session:
        session.execute(text("update reviews set decision = 'rejected'"))
    log = [e["action"] for e in json.loads(cli("log", "--brief", brief, "--json").out)]
    assert "review.decide" in log


def test_a_non_commercial_model_on_a_commercial_brief_fails_the_licence_check(cli, studio, tmp_path):
    people(cli)
    cli(
        "model",
        "add",
        "research-only",
        "--path",
        studio.weights_dir / "tiny-v1",
        "--license",
        "sd-turbo",
        "--non-commercial",
    )
    brief = open_brief(cli, tmp_path)  # the template's intended use is commercial
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
        "research-only",
        "--as",
        "omar",
        "--json",
    )
    image = json.loads(result.out)["generations"][0]["id"]
    [checked] = json.loads(cli("check", image, "--json").out)
    [finding] = [f for f in checked["checks"] if f["name"] == "licence"]
    assert finding["result"] == "fail" and "not licensed for commercial use" in finding["detail"]
    refused = cli("review", image, "--decision", "approved", *every(), "--alt-text", "A shoe on moss", "--as", "rita")
    assert refused.code == REFUSED and "cannot be approved" in refused.err


def test_a_plain_generation_records_its_maker_who_then_may_not_review_it(cli):
    people(cli)
    cli("user", "add", "omar", "--role", "reviewer")
    made = json.loads(
        cli(
            "generate",
            "--prompt",
            "a boot",
            "--steps",
            "1",
            "--width",
            "64",
            "--height",
            "64",
            "--as",
            "omar",
            "--json",
        ).out
    )[0]
    assert made["operator"] == "omar"
    refused = cli("review", made["id"], "--decision", "approved", *every(), "--alt-text", "A boot", "--as", "omar")
    assert refused.code == FORBIDDEN and "may not review it" in refused.err


def test_a_studio_can_set_its_own_gate(cli, studio, tmp_path):
    config = studio.root / "pressroom.toml"
    config.write_text(config.read_text() + '\n[gate.standard]\nitems = ["hands", "faces", "alt-text"]\nreviewers = 2\n')
    cli("user", "add", "ravi", "--role", "reviewer")
    brief, lock = locked(cli, tmp_path)
    short = ["--check", "hands=pass", "--check", "faces=pass", "--check", "alt-text=pass"]
    first = cli(
        "review",
        lock["hero"],
        "--decision",
        "approved",
        *short,
        "--alt-text",
        "A red shoe on moss",
        "--as",
        "rita",
        "--json",
    )
    assert first.code == 0, first.err
    assert json.loads(first.out)["result"] == "pending"
    second = json.loads(cli("review", lock["hero"], "--decision", "approved", *short, "--as", "ravi", "--json").out)
    assert second["result"] == "approved" and second["needed"] == 2
    config.write_text(config.read_text().replace('"alt-text"]', '"alt-text", "sparkle"]'))
    broken = cli("review", lock["hero"], "--decision", "approved", *short, "--as", "ravi")
    assert broken.code == 2 and "unknown items: sparkle" in broken.err


def test_the_content_type_lightens_or_tightens_the_gate(cli, tmp_path):
    people(cli)
    short = []
    for item in SHORT_LIST:
        short += ["--check", f"{item}=pass"]
    social = open_brief(cli, tmp_path, TEMPLATE.replace('content_type = "campaign"', 'content_type = "social"'))
    image = sprint(cli, social)[0]["id"]
    light = cli(
        "review", image, "--decision", "approved", *short, "--alt-text", "A shoe on moss", "--as", "rita", "--json"
    )
    assert light.code == 0, light.err
    assert json.loads(light.out)["gate"] == "standard-stakes social (light gate)"
    strict_text = TEMPLATE.replace('content_type = "campaign"', 'content_type = "ecommerce"').replace(
        'stakes = "standard"', 'stakes = "low"'
    )
    shop = open_brief(cli, tmp_path, strict_text)
    other = sprint(cli, shop)[0]["id"]
    refused = cli("review", other, "--decision", "approved", *short, "--alt-text", "A shoe", "--as", "rita")
    assert refused.code == 2 and "low-stakes ecommerce (strict gate) review answers every checklist item" in refused.err


def test_viewing_a_review_writes_nothing_and_check_records_findings(cli, studio, tmp_path):
    from sqlalchemy import func, select

    from pressroom.ledger.tables import Precheck

    def prechecks() -> int:
        with studio.session() as session:
            return session.scalar(select(func.count(Precheck.id)))

    brief, lock = locked(cli, tmp_path)
    before = prechecks()
    for args in ((), ("--json",)):
        shown = cli("review", lock["hero"], *args)
        assert shown.code == 0, shown.err
    assert len(json.loads(shown.out)) == 10  # the view still shows every pre-check's finding
    assert prechecks() == before
    assert cli("check", lock["hero"], "--json").code == 0  # checking is an action: it is recorded
    assert prechecks() == before + 10
