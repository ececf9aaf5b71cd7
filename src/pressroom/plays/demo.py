"""``pressroom demo``: the whole playbook on a sample brief, printing each play as it goes.

Three people (a director, an operator, a reviewer) take a brief through intake, a concept
sprint, ranking and direction, the lock-in pass with its reproduction check, a volume run over
three slot values, a cull, one fix, the review gate, a signed release and the metrics; then a
stranger's reproduction of the hero from its card alone, with the ledger moved aside. The images
come from the built-in sketch model where the install ships its weights: small (drawn at 32x32,
shown at 128), asked for a trail shoe on three styles of background, then in red, blue and grey;
otherwise from tiny, whose images are noise-like.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from pressroom.context import Context
from pressroom.domain import gate
from pressroom.domain.brief import CONTENT_TYPES, parse
from pressroom.plays import (
    briefs,
    concepts,
    culls,
    fixes,
    library,
    lockin,
    metrics,
    people,
    releases,
    reviews,
    styles,
    volume,
)
from pressroom.plays.reproduction import reproduce
from pressroom.store import cards, models, provenance, signing
from pressroom.store.studio import Studio

DIRECTOR, OPERATOR, REVIEWER, KEEPER = "dana", "omar", "rita", "kim"
# (concept, lock) steps: sketch's pictures need a dozen to settle; tiny's noise needs none
STEPS = {models.SKETCH: (12, 12), models.TINY: (4, 8)}
ABOUT = {
    models.SKETCH: "sketch is small: it draws emoji-like subjects at 32x32, shown at 128x128.",
    models.TINY: "this install ships no sketch weights (scripts/train_sketch.py trains them): the tiny model "
    "stands in, its images noise-like, but every step is real.",
}
VALUES = ["a red trail shoe", "a blue trail shoe", "a grey trail shoe"]
# The sample brief, its prompt written the way the sketch model was taught to read one: subject,
# background (the style slot), position and scale, finish.
BRIEF = (
    briefs.TEMPLATE[: briefs.TEMPLATE.index("[prompt]")]
    + """[prompt]
subject = "a trail shoe"
technical = "centred, close-up, flat colours"
"""
)
# Three styles of background for the concept sprint (name, style text).
BACKDROPS = [("on-grass", "on grass"), ("by-the-sea", "by the sea"), ("yellow-backdrop", "on a yellow background")]


def run(keep: Path | None, out) -> Path:
    root = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="pressroom-demo-")) / "studio"
    started = time.perf_counter()

    def play(title: str, owner: str = "") -> None:
        out.rule(f"{title}" + (f"  [dim]({owner})[/dim]" if owner else ""))

    name = models.builtin_default()
    play(f"set-up: a studio, the {name} model, four people")
    studio = Studio.init(root, name="demo")
    model = models.load(studio, name)
    concept_steps, lock_steps = STEPS[name]
    out.print(f"studio {studio.root}")
    out.print(f"model {name}, short hash {model.ref().short_hash} ({len(model.files)} files hashed)")
    out.print(f"[dim]{ABOUT[name]}[/dim]")
    ctx = Context(studio)
    for name, role in ((DIRECTOR, "director"), (OPERATOR, "operator"), (REVIEWER, "reviewer"), (KEEPER, "keeper")):
        people.add_person(ctx, name, [role])
        out.print(f"{name}: {role}")
    # each person acts in their own context, as they would signed in on their own machine
    director, operator, reviewer, keeper = (
        ctx.acting_as(people.actor(ctx, name, "python")) for name in (DIRECTOR, OPERATOR, REVIEWER, KEEPER)
    )

    play("1. intake", DIRECTOR)
    spec = parse(BRIEF)
    brief = briefs.open_brief(director, spec)
    brief_id = brief["id"]
    out.print(f"brief {brief_id} {brief['title']!r}: {brief['status']}; intent: {spec.intent}")
    d = CONTENT_TYPES[brief["content_type"]]
    out.print(
        f"{brief['content_type']} defaults: {d.concept_styles} styles x {d.per_style} per style at "
        f"{d.concept_steps} steps, {d.gate} review gate, volume batches of {d.volume_batch}"
    )

    play("2. concept sprint", OPERATOR)
    for style_name, text in BACKDROPS:
        styles.add_style(operator, style_name, text, note="a background the sketch model knows")
    sprint = concepts.sprint(operator, brief_id, [style for style, _ in BACKDROPS], per_style=2, steps=concept_steps)
    out.print(f"{len(sprint.rows)} variations across 3 styles of background; contact sheet {sprint.sheet}")

    play("3. rank and approve a direction", DIRECTOR)
    ranked = [sprint.rows[2].id, sprint.rows[0].id, sprint.rows[4].id]
    concepts.rank(director, brief_id, ranked)
    concepts.approve_direction(director, brief_id, ranked[0])
    out.print(f"ranked #{ranked[0]}, #{ranked[1]}, #{ranked[2]}; direction: #{ranked[0]} ({sprint.rows[2].style})")

    play("4. lock-in pass", OPERATOR)
    lock = lockin.lock(operator, brief_id, steps=lock_steps, width=128, height=160, slot="subject")
    out.print(
        f"recipe {lock.row.id} v{lock.row.version}: hero #{lock.row.hero_generation_id} reproduced "
        f"in a fresh pipeline: [bold]{lock.row.verdict}[/bold] -> {lock.row.status}"
    )
    out.print(f"card {lock.row.card_file(studio)}")

    play("5. volume run over three slot values", OPERATOR)
    run_ = volume.run(operator, lock.row.id, [("subject", v) for v in VALUES], 4, batch_size=4)
    out.print(f"{len(run_.made)} images: {len(VALUES)} subjects x 4 seeds, only the subject slot changed")

    play("6. cull", OPERATOR)
    keepers = [run_.made[0].id, run_.made[5].id, run_.made[10].id]
    culls.cull(operator, keepers, keep=True, reason="")
    rejected = [r.id for r in run_.made if r.id not in keepers]
    culls.cull(operator, rejected[:5], keep=False, reason="artifact")
    culls.cull(operator, rejected[5:], keep=False, reason="drift")
    out.print(f"kept {len(keepers)} of {len(run_.made)}; rejected {len(rejected)} (artifact, drift)")

    play("7. fix and finish", OPERATOR)
    fixed = fixes.fix(operator, keepers[0], refine=True, strength=0.5)
    culls.cull(operator, [fixed.id], keep=True, reason="")
    out.print(f"#{fixed.id}: refine of #{fixed.parent_id} at strength 0.5, lineage kept")

    play("8. review gate", REVIEWER)
    findings = reviews.precheck(studio, [keepers[1]])[keepers[1]]
    flagged = [f"{f.name} {f.result}" for f in findings if f.result != "pass"]
    out.print(f"pre-checks on #{keepers[1]}: {len(findings)} run; to look at: {', '.join(flagged) or 'none'}")
    checked = {item: "pass" for item in gate.CHECKLIST}
    reviews.decide(reviewer, keepers[1], "changes-required", {**checked, "hands": ("fail", "six toes on the sole")})
    out.print(f"#{keepers[1]}: changes required (hands: six toes on the sole)")
    for generation, alt in (
        (keepers[0], "A red trail shoe, drawn flat, centred"),
        (fixed.id, "A red trail shoe, refined, drawn flat"),
    ):
        standing = reviews.decide(reviewer, generation, "approved", checked, alt_text=alt)
        out.print(f"#{generation}: {standing.result} by {REVIEWER}, alt text {alt!r}")

    play("9. release with signed provenance", KEEPER)
    files = releases.release(keeper, brief_id, ["instagram-feed"], ["png", "jpeg", "webp"])
    for asset in files:
        out.print(f"asset {asset.id}: {asset.rendition} {asset.format} {asset.file(studio).name}")
    check = provenance.verify(files[-1].file(studio), signing.trust_anchors(studio))
    out.print(
        f"verify {files[-1].file(studio).name}: [bold]{check.state}[/bold], {', '.join(check.actions)}, "
        f"made from {check.ingredients[0]['title']}"
    )
    hits = library.find(ctx, "red trail shoe")
    out.print(f"search 'red trail shoe': {len(hits)} released files")

    play("10. metrics")
    numbers = metrics.report(ctx, brief_id)
    row = numbers["briefs"][0]
    out.print(
        f"generated {row['generated']}, kept {row['kept']}, keep rate {row['keep_rate']:.0%}, "
        f"iterations per final {row['iterations_per_final']}, rework after review "
        f"{row['rework_after_review']:.0%}, time to hero {row['time_to_hero_s']}s ({row['time_to_hero_basis']})"
    )
    for value in numbers["slot_values"]:
        if value["slot_value"] in VALUES:
            out.print(f"  {value['slot_value']}: keep rate {value['keep_rate']:.0%}")

    play("11. a stranger reproduces the hero from its card, with the ledger moved aside")
    studio.close()
    aside = [(Path(f"{studio.ledger_path}{s}"), Path(f"{studio.root}/ledger-aside{s}")) for s in ("", "-wal", "-shm")]
    for ledger, hidden in aside:
        if ledger.exists():
            ledger.rename(hidden)
    result = reproduce(cards.read(lock.row.card_file(studio)), studio=Studio(studio.root))
    figures = result.comparison
    out.print(
        f"verdict [bold]{figures.verdict}[/bold]: ssim {figures.ssim}, pHash distance "
        f"{figures.phash_distance}, dHash distance {figures.dhash_distance}"
    )
    for ledger, hidden in aside:
        if hidden.exists():
            hidden.rename(ledger)

    play("done")
    out.print(
        f"brief {brief_id}: {len(sprint.rows)} concepts, recipe v{lock.row.version} locked, "
        f"{len(run_.made)} volume images, {len(keepers)} keepers + 1 fix, {len(files)} files released; "
        f"reproduction {figures.verdict}; {time.perf_counter() - started:.0f}s"
    )
    out.print(f"studio:        {studio.root}")
    out.print(f"images:        {studio.assets.root}")
    out.print(f"contact sheet: {sprint.sheet}")
    out.print(f"hero card:     {lock.row.card_file(studio)}")
    out.print(f"releases:      {files[0].file(studio).parent}")
    out.print(f"try:           pressroom brief show {brief_id} --studio {studio.root}")
    return studio.root
