"""The plays' rules, against the service layer with the fake engine: no torch, milliseconds a rule.

Each test drives the plays as the CLI and the server do — a Context per person — on a studio
whose default model is run by the fake engine (deterministic images from prompt and seed).
"""

import io
import shutil

import pytest
from PIL import Image
from sqlalchemy import select

from pressroom.context import Context
from pressroom.domain.brief import parse
from pressroom.domain.gate import CHECKLIST, SHORT_LIST
from pressroom.errors import FixRefused, Forbidden, InputError, Refused, VolumeRefused
from pressroom.ledger.tables import Cull
from pressroom.plays import briefs, concepts, culls, fixes, lockin, metrics, people, reviews, volume
from pressroom.plays import models as model_plays
from pressroom.store.studio import Studio

pytestmark = pytest.mark.ledger_contract("every play's rules, asked of the plays in-process")

SIZE = 64


NAMES = ("dana", "omar", "rita", "ravi")


@pytest.fixture(scope="module")
def rules_template(tmp_path_factory, ledgers):
    """One migrated studio on the fake engine with its people, copied for each test (as ``studio`` is)."""
    root = tmp_path_factory.mktemp("rules") / "template"
    studio = Studio.init(root, name="rules", database_url=ledgers.new_url())
    model_plays.add(studio, "sketch", engine="fake", license="apache-2.0", commercial=True, size=SIZE)
    config = studio.root / "pressroom.toml"
    config.write_text(config.read_text().replace('default_model = "tiny"', 'default_model = "sketch"'))
    ctx = Context(Studio(root))
    for name, role in zip(NAMES, ("director", "operator", "reviewer", "reviewer"), strict=True):
        people.add_person(ctx, name, [role])
    ctx.studio.close()
    studio.close()
    return root


@pytest.fixture
def room(rules_template, tmp_path, ledgers):
    """A director, an operator and two reviewers in a studio on the fake engine; one Context each."""
    root = tmp_path / "rules"
    shutil.copytree(rules_template, root)
    url = ledgers.clone(rules_template, root)
    ctx = Context(Studio(root))
    yield {name: ctx.acting_as(people.actor(ctx, name, "python")) for name in NAMES}
    ctx.studio.close()
    ledgers.drop(url)


def _brief(room, **changes) -> int:
    text = briefs.TEMPLATE
    for key, value in changes.items():
        text = text.replace(f'{key} = "{_template_value(key)}"', f'{key} = "{value}"')
    return briefs.open_brief(room["dana"], parse(text))["id"]


def _template_value(key: str) -> str:
    return parse(briefs.TEMPLATE).model_dump()[key]


def _locked(room, **changes) -> tuple[int, dict]:
    brief = _brief(room, **changes)
    sprint = concepts.sprint(room["omar"], brief, ["watercolor", "flat-vector", "cinematic"], per_style=1, steps=2)
    concepts.approve_direction(room["dana"], brief, sprint.rows[0].id)
    width, height = (SIZE, SIZE * 5 // 4) if changes.get("content_type") == "ecommerce" else (SIZE, SIZE)
    lock = lockin.lock(room["omar"], brief, steps=2, width=width, height=height)
    assert lock.row.status == "locked" and lock.row.verdict == "exact"
    return brief, lock.as_dict()


def _checks(items=CHECKLIST, **results) -> dict[str, str]:
    return {item: results.get(item.replace("-", "_"), "pass") for item in items}


def test_the_gate_follows_the_stakes_and_the_content_type(room):
    cases = {
        ("standard", "campaign"): (CHECKLIST, 1),
        ("high", "campaign"): (CHECKLIST, 2),
        ("low", "campaign"): (SHORT_LIST, 1),
        ("standard", "social"): (SHORT_LIST, 1),
        ("low", "ecommerce"): (CHECKLIST, 1),
        ("high", "social"): (CHECKLIST, 2),
    }
    for (stakes, content_type), (items, reviewers) in cases.items():
        brief, lock = _locked(room, stakes=stakes, content_type=content_type)
        sheet = reviews.sheet(room["rita"], lock["hero"])["status"]
        assert (tuple(sheet["items"]), sheet["needed"]) == (items, reviewers), (stakes, content_type)


def test_the_strictest_decision_wins_and_a_fix_makes_decisions_stale(room):
    brief, lock = _locked(room, stakes="high")
    hero = lock["hero"]
    first = reviews.decide(room["rita"], hero, "approved", _checks(), alt_text="A shoe")
    assert first.result == "pending"  # high stakes: two distinct reviewers
    second = reviews.decide(room["ravi"], hero, "changes-required", _checks(hands="fail:an extra toe"))
    assert second.result == "changes-required"
    fixes.fix(room["omar"], hero, refine=True, strength=0.5)
    after = reviews.sheet(room["rita"], hero)["status"]
    assert after["result"] == "pending" and len(after["stale"]) == 2 and after["current"] == []


def test_three_failures_of_one_item_flag_the_recipe_and_stop_its_volume(room):
    brief, lock = _locked(room)
    run = volume.run(room["omar"], lock["recipe"], [("subject", "a red boot")], 3)
    for row in run.made:
        reviews.decide(room["rita"], row.id, "changes-required", _checks(hands="fail:six fingers"))
    with pytest.raises(VolumeRefused, match="is flagged: fix in the recipe: reviewers failed 'hands' 3 times"):
        volume.run(room["omar"], lock["recipe"], [("subject", "a blue boot")], 1)
    with pytest.raises(Forbidden, match="needs the director role"):
        reviews.clear_flag(room["omar"], lock["recipe"], "fixed the negative")
    reviews.clear_flag(room["dana"], lock["recipe"], "the negative prompt now names hands")
    assert len(volume.run(room["omar"], lock["recipe"], [("subject", "a blue boot")], 1).made) == 1


def test_a_volume_image_is_made_once_per_recipe_value_and_seed(room):
    brief, lock = _locked(room)
    vary = [("subject", "a red boot"), ("subject", "a blue boot")]
    first = volume.run(room["omar"], lock["recipe"], vary, 3)
    again = volume.run(room["omar"], lock["recipe"], vary, 4)
    assert (len(first.made), first.skipped) == (6, 0)
    assert (len(again.made), again.skipped) == (2, 6)
    identities = [(r.slot_value, r.seed) for r in first.made + again.made]
    assert len(identities) == len(set(identities)) == 8
    with pytest.raises(VolumeRefused, match="would change a second slot"):
        volume.run(room["omar"], lock["recipe"], [("context", "on sand")], 1)


def _mask(share: float) -> bytes:
    mask = Image.new("L", (SIZE, SIZE), 0)
    mask.paste(255, (0, 0, SIZE, round(SIZE * share)))
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_mask_over_a_third_of_the_image_is_refused(room):
    brief, lock = _locked(room)
    with pytest.raises(FixRefused, match="covers 50% of the image, more than a third"):
        fixes.fix(room["omar"], lock["hero"], inpaint=_mask(0.5), prompt="a clean lace")
    small = fixes.fix(room["omar"], lock["hero"], inpaint=_mask(0.25), prompt="a clean lace")
    assert small.parent_id == lock["hero"] and (small.width, small.height) == (SIZE, SIZE)
    forced = fixes.fix(room["omar"], lock["hero"], inpaint=_mask(0.5), prompt="a clean lace", force=True)
    assert forced.operation == "inpaint"
    with pytest.raises(InputError, match="mask is not a readable image"):
        fixes.fix(room["omar"], lock["hero"], inpaint=b"not a png", prompt="x")


def test_a_non_commercial_model_cannot_be_approved_for_a_commercial_brief(room):
    studio = room["dana"].studio
    model_plays.add(studio, "sketch", engine="fake", license="cc-by-nc-4.0", commercial=False, size=SIZE, replace=True)
    brief, lock = _locked(room)
    with pytest.raises(Refused, match="cannot be approved"):
        reviews.decide(room["rita"], lock["hero"], "approved", _checks(), alt_text="A shoe")
    sent_back = reviews.decide(room["rita"], lock["hero"], "rejected", _checks(licence="fail:non-commercial model"))
    assert sent_back.result == "rejected"


def test_roles_and_separation_of_duties_hold_below_every_front_end(room):
    brief, lock = _locked(room)
    with pytest.raises(Forbidden, match="omar may not rank concepts: it needs the director role"):
        concepts.rank(room["omar"], brief, [lock["hero"]])
    nobody = Context(room["dana"].studio)
    with pytest.raises(Forbidden, match="who is acting?"):
        culls.cull(nobody, [lock["hero"]], keep=True, reason="")
    both = people.add_person(nobody, "omar", ["reviewer"])
    assert both["roles"] == ["operator", "reviewer"]
    omar = nobody.acting_as(people.actor(nobody, "omar", "python"))
    with pytest.raises(Forbidden, match="omar made generation .* may not review it"):
        reviews.decide(omar, lock["hero"], "approved", _checks(), alt_text="A shoe")


def test_a_renamed_person_stays_one_person_in_every_row_and_in_the_metrics(room):
    dana, omar = room["dana"], room["omar"]
    brief, lock = _locked(room)
    concepts.rank(dana, brief, [lock["hero"]])
    first = volume.run(omar, lock["recipe"], [("subject", "a red boot")], 2)
    culls.cull(omar, [first.made[0].id], keep=True, reason="")
    people.rename_person(dana, "omar", "omar-k")
    renamed = dana.acting_as(people.actor(dana, "omar-k", "python"))
    assert renamed.actor.id == omar.actor.id
    second = volume.run(renamed, lock["recipe"], [("subject", "a blue boot")], 2)
    culls.cull(renamed, [second.made[0].id], keep=False, reason="anatomy")
    report = metrics.report(dana, brief)
    [operator] = report["operators"]
    assert (operator["operator"], operator["operator_id"]) == ("omar-k", omar.actor.id)
    assert operator["generated"] == report["briefs"][0]["generated"] and operator["kept"] == 1
    with dana.unit() as session:
        assert {(c.culled_by, c.culled_by_id) for c in session.scalars(select(Cull))} == {
            ("omar", omar.actor.id),
            ("omar-k", omar.actor.id),
        }
        assert [(r.ranked_by, r.ranked_by_id) for r in briefs.rankings(session, brief)] == [("dana", dana.actor.id)]
        row = briefs.get(session, brief)
        assert (row.direction_approved_by, row.direction_approved_by_id) == ("dana", dana.actor.id)


PLAYS_WITHOUT_TORCH = """
import sys
from pressroom.context import Context
from pressroom.domain.brief import parse
from pressroom.domain import gate
from pressroom.plays import briefs, concepts, lockin, people, reviews, volume
from pressroom.plays import models as model_plays
from pressroom.store.studio import Studio

studio = Studio.init(sys.argv[1], name="no-torch")
model_plays.add(studio, "sketch", engine="fake", license="apache-2.0", commercial=True, size=64)
config = studio.root / "pressroom.toml"
config.write_text(config.read_text().replace('default_model = "tiny"', 'default_model = "sketch"'))
ctx = Context(Studio(studio.root))
for name, role in (("dana", "director"), ("omar", "operator"), ("rita", "reviewer")):
    people.add_person(ctx, name, [role])
dana, omar, rita = (ctx.acting_as(people.actor(ctx, n, "python")) for n in ("dana", "omar", "rita"))
brief = briefs.open_brief(dana, parse(briefs.TEMPLATE))["id"]
sprint = concepts.sprint(omar, brief, ["watercolor", "flat-vector", "cinematic"], per_style=1, steps=2)
concepts.approve_direction(dana, brief, sprint.rows[0].id)
lock = lockin.lock(omar, brief, steps=2, width=64, height=64)
run = volume.run(omar, lock.row.id, [("subject", "a red boot")], 2)
gate = reviews.decide(rita, run.made[0].id, "changes-required", {i: "pass" for i in gate.CHECKLIST})
print(lock.row.verdict, len(run.made), gate.result, [m for m in ("torch", "diffusers", "transformers") if m in sys.modules])
"""


def test_the_plays_run_without_torch(tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", PLAYS_WITHOUT_TORCH, str(tmp_path / "s")], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["exact", "2", "changes-required", "[]"]


def test_messages_name_the_field_and_the_command_line_names_the_flag(room, cli):
    brief, lock = _locked(room)
    with pytest.raises(InputError) as refused:
        fixes.fix(room["omar"], lock["hero"], refine=True, strength=2.0)
    assert (refused.value.field, str(refused.value)) == ("strength", "strength must be in (0, 1] (got 2.0)")
    with pytest.raises(InputError) as planned:
        from pressroom.jobs import generations

        generations.plan(room["omar"].studio, prompt="x", width=250)
    assert planned.value.field == "width" and str(planned.value) == (
        "width 250 is not a multiple of 8, which Stable Diffusion 1.x/2.x needs; use 248 or 256"
    )
    shown = cli("generate", "--prompt", "x", "--width", "250")
    assert shown.err.startswith("error: --width 250 is not a multiple of 8")
