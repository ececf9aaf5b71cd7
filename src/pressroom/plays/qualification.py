"""Qualification: a device earns its place in a recipe's volume run by reproducing the hero.

Pixels differ across GPU models, drivers and precisions, so an image made on another device may
not reproduce from its card. Before a Ray actor (``jobs.raypool``) renders any image of a
recipe's volume run, it renders the recipe's hero and the verdict is taken exactly as
``pressroom reproduce`` takes it (``reproduction.expected`` and ``reproduction.judge``, against
the hero's stored file). Only ``exact`` admits it: an actor that gets ``close`` or ``different``
is left out of the run, and the job records which actor on which device was refused with the
figures (verdict, max pixel difference, SSIM, hash distances), once, on the job's record and as a
``volume.actor_refused`` event. A run no actor qualifies for is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from pressroom.domain.compare import Fingerprint
from pressroom.errors import NotFound, VolumeRefused
from pressroom.jobs import generations, queue, raypool
from pressroom.ledger import events
from pressroom.ledger.tables import Generation
from pressroom.plays import reproduction
from pressroom.store.cards import Card

if TYPE_CHECKING:
    from pressroom.context import Actor
    from pressroom.domain.recipes import Recipe
    from pressroom.ledger.tables import LockedRecipe
    from pressroom.store.studio import Studio

PREFIX = "qualification:"  # the keys of the verdicts on a job's record (``queue.Lease.once``)


def hero_card(studio: Studio, locked: LockedRecipe) -> Card:
    """The card of the recipe's hero, as reproduce would read it: the recipe and its image's hashes."""
    with studio.session() as session:
        hero = session.get(Generation, locked.hero_generation_id) if locked.hero_generation_id else None
    if hero is None:
        raise NotFound(f"recipe {locked.id} has no hero image to qualify devices with; lock it again")
    return Card(
        recipe=hero.parsed_recipe(),
        expect=Fingerprint(hero.pixel_sha256, hero.phash, hero.dhash),
        file_sha256=hero.file_sha256,
        generation=hero.id,
    )


def qualify(studio: Studio, lease: queue.Lease, pool: raypool.Pool, locked: LockedRecipe, actor: Actor) -> list[str]:
    """Have every live actor of ``pool`` not yet judged for this job reproduce the hero; record
    each verdict on the job (once); return the names of the actors admitted (``exact``)."""
    card = hero_card(studio, locked)
    target, _ = reproduction.expected(card, studio)
    done = lease.recorded()
    untried = [m for m in pool.alive() if PREFIX + m.name not in done]
    recipe = card.recipe.model_copy(update={"batch_size": 1, "batch_index": 0})
    answers = pool.each("render", [recipe.model_dump_json()], members=untried) if untried else {}
    for member in untried:
        if member.name not in answers:
            continue  # died while reproducing: it takes no part
        [item] = answers[member.name]
        comparison = reproduction.judge(raypool.rendered(item).image, target)
        verdict = {
            "actor": member.name,
            "device": member.device,
            "verdict": comparison.verdict,
            "admitted": comparison.verdict == "exact",
            "figures": comparison.as_dict(),
        }

        def note(session, verdict=verdict) -> dict:
            if not verdict["admitted"]:
                events.record(
                    session,
                    actor,
                    "volume.actor_refused",
                    brief_id=locked.brief_id,
                    objects={"recipe": locked.id, "job": lease.job_id, "hero": card.generation},
                    refused=verdict["actor"],
                    device=verdict["device"],
                    verdict=verdict["verdict"],
                    figures=verdict["figures"],
                )
            return verdict

        lease.once(PREFIX + member.name, note)
    verdicts = verdicts_of(lease.recorded())
    admitted = [m.name for m in pool.alive() if verdicts.get(m.name, {}).get("admitted")]
    if not admitted:
        refused = "; ".join(
            f"{v['actor']} ({v['device'].get('device', '?')}): {v['verdict']}, max pixel difference "
            f"{v['figures']['max_pixel_difference']}"
            for v in verdicts.values()
        )
        raise VolumeRefused(
            f"no device of this worker reproduces recipe {locked.id}'s hero exactly "
            f"({refused or 'no live actor'}); its images would not reproduce from their cards"
        )
    return admitted


def verdicts_of(recorded: dict) -> dict[str, dict]:
    """The qualification verdicts on a job's record, by actor."""
    return {key[len(PREFIX) :]: value for key, value in recorded.items() if key.startswith(PREFIX)}


def renderer(
    studio: Studio, lease: queue.Lease, pool: raypool.Pool, locked: LockedRecipe, actor: Actor
) -> generations.Renderer:
    """Render the run's images on the actors that qualify for the recipe (see ``qualify``)."""
    admitted = qualify(studio, lease, pool, locked, actor)

    def render(recipes: Iterable[Recipe], batch_size: int) -> Iterator[generations.Rendered]:
        return pool.render(recipes, batch_size, admitted)

    return render
