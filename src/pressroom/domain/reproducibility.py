"""How far an image can be made again, defined once: the class its card, search, the image page and
the review sheet show.

- ``exact``: pressroom drew it here, from a recipe it runs (and reproduction judges it pixel for
  pixel);
- ``recorded``: made elsewhere with its parameters known (prompt, seed, sampler, model), but not
  regenerated here;
- ``none``: nothing that could make it again is known: a tool that hides its seed (Midjourney,
  Firefly, GPT Image), a file with no metadata at all, or an image edited by hand outside
  pressroom (a retouch brought back in: play ``post``).

A new kind of image is one more line in ``of``.
"""

from __future__ import annotations

EXACT, RECORDED, NONE = "exact", "recorded", "none"
CLASSES = (EXACT, RECORDED, NONE)

WORDS = {
    EXACT: "can be made again exactly here",
    RECORDED: "settings recorded, not made again here",
    NONE: "cannot be made again",
}


def of(play: str, *, seed_known: bool = False) -> str:
    """The class of an image by the play that filed it: made here (``exact``), brought in from
    another tool (``import``: ``recorded`` when its seed and settings were read from the file, else
    ``none``), or edited by hand outside pressroom (``post``: ``none``)."""
    if play == "post":
        return NONE
    if play == "import":
        return RECORDED if seed_known else NONE
    return EXACT


def words(cls: str) -> str:
    """The class in the plain words a page shows."""
    return WORDS.get(cls, WORDS[NONE])
