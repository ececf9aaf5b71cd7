"""Reproduction: regenerate an image from its recipe card alone and judge the result.

Needs no ledger: the weights are found by their hashes (``--model-path`` or a studio's model
manifests) and the expected image by the card's hashes (``--expect``, or the studio's asset
store, which is addressed by content).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pressroom.domain.compare import Comparison, Fingerprint, compare, compare_to_fingerprint, pixel_sha256
from pressroom.domain.recipes import Recipe
from pressroom.errors import InputError, Refused
from pressroom.jobs.generations import render
from pressroom.store import imagefiles
from pressroom.store.cards import Card
from pressroom.store.resolver import Resolver
from pressroom.store.studio import Studio

if TYPE_CHECKING:
    from PIL.Image import Image

    from pressroom.context import Context

SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class Reproduction:
    comparison: Comparison
    image: Image
    recipe: Recipe  # the card's recipe as run here (this machine's environment)
    expected: str  # what the result was compared with, in words
    weights: Path | None  # None for a model whose engine needs no weights (fake)
    warnings: list[str]

    def save(self, path: str | Path) -> Path:
        """Write the reproduced image, with its recipe, as a PNG (``-o``: refused if not a regular file)."""
        from pressroom.store import files
        from pressroom.store.metadata import png_bytes

        return files.write(path, png_bytes(self.image, self.recipe), field="output")


def _open(path: Path) -> Image:
    return imagefiles.load(path, "expect", field="expect")


def expected(card: Card, studio: Studio | None, expect: str | None = None) -> tuple[Image | Fingerprint, str]:
    """What the card's image should be (the stored or given image, else only its hashes), and that in words."""
    if expect and not SHA256.match(expect.lower()):
        return _open(Path(expect)), f"image {expect}"
    wanted = expect.lower() if expect else ""
    if wanted and studio is not None and (found := studio.assets.find(wanted)):
        return _open(found), f"stored image {wanted[:12]}"
    if wanted:
        if card.expect and card.expect.pixel_sha256 == wanted:
            return card.expect, f"pixel hash {wanted[:12]}"
        return Fingerprint(wanted, "", ""), f"pixel hash {wanted[:12]}"
    if card.file_sha256 and studio is not None and (found := studio.assets.find(card.file_sha256)):
        stored = _open(found)
        # the card's own hashes decide: a card whose file and pixel hashes disagree was edited, and
        # must get the verdict it gets on a machine with no studio
        if card.expect is None or pixel_sha256(stored) == card.expect.pixel_sha256:
            return stored, f"stored image {card.file_sha256[:12]}"
    if card.expect:
        return card.expect, "the card's hashes"
    raise InputError("the card records no expected image; give the expected image or its pixel SHA-256", field="expect")


def reproduce(
    card: Card,
    *,
    studio: Studio | None = None,
    model_path: Path | None = None,
    expect: str | None = None,
    images: Path | None = None,
) -> Reproduction:
    if card.recipe.source is not None and card.recipe.source.by_hand:
        raise Refused(card.recipe.source.why_not_reproducible())
    if card.why_not:  # an image from elsewhere, or edited by hand: its card says why not
        raise Refused(f"this image cannot be reproduced: {card.why_not}", field="card")
    target, described = expected(card, studio, expect)
    resolver = Resolver(studio, model_path=model_path, images=images)
    manifest = resolver.manifest(card.recipe.model)
    weights = None if manifest.format == "none" else resolver.weights(card.recipe.model).path
    recipe = card.recipe.model_copy(update={"batch_size": 1, "batch_index": 0})
    rendered = next(render([recipe], resolver, fresh=True))
    result = judge(rendered.image, target)
    warnings = list(rendered.warnings)
    if card.recipe.batch_size > 1:
        warnings.append(
            f"the card's image was made in a batch of {card.recipe.batch_size}; a single run can "
            "differ from it by float rounding, so 'close' is the expected verdict"
        )
    return Reproduction(result, rendered.image, rendered.recipe, described, weights, warnings)


def judge(image: Image, target: Image | Fingerprint) -> Comparison:
    """The verdict on a reproduced image against what it should be (see ``expected``)."""
    if isinstance(target, Fingerprint):
        return compare_to_fingerprint(image, target)
    return compare(image, target)


def reproduce_card_file(
    ctx: Context | None, card: Path, *, model_path: Path | None = None, expect: str | None = None
) -> Reproduction:
    """Regenerate the image of a recipe card file (the images its recipe reads are looked for beside
    it too) and judge it; with no studio, ``model_path`` names the weights."""
    from pressroom.store import cards

    return reproduce(
        cards.read(card),
        studio=ctx.studio if ctx else None,
        model_path=model_path,
        expect=expect,
        images=cards.images_beside(card),
    )


def check_output(output: str | Path) -> None:
    """Refuse, before any work, a place the reproduced image could not be saved to."""
    from pressroom.store import files

    files.target(output, field="output")


def reproduce_asset(ctx: Context, asset_id: int, expect: str | None = None) -> Reproduction:
    """Regenerate a released file from the recipe it carries (renditions included) and judge it."""
    from pressroom.plays import imports, releases

    with ctx.unit() as session:
        asset = releases.get(session, asset_id)
        imports.refuse_unreproducible(session, asset_id)
        card = Card(recipe=Recipe.model_validate(asset.recipe), expect=None)
        expect = expect or str(asset.file(ctx.studio))
    return reproduce(card, studio=ctx.studio, expect=expect)
