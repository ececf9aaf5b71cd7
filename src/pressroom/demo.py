"""``pressroom demo``: the foundation end to end on a throwaway studio, printing each step.

Init a studio, generate a few images with the built-in tiny model (random weights: its images
are noise-like), export a recipe card, delete the ledger, and reproduce the image from the
card alone.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from . import cards, generations
from .reproduction import reproduce
from .studio import Studio


def run(keep: Path | None, out) -> Path:
    root = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="pressroom-demo-")) / "studio"
    started = time.perf_counter()

    out.rule("1. init: a studio on disk")
    studio = Studio.init(root, name="demo")
    from . import models

    tiny = models.ensure_tiny(studio)
    out.print(f"studio {studio.root}")
    out.print(f"model tiny  short hash {tiny.ref().short_hash}  ({len(tiny.files)} files hashed)")
    out.print("[dim]tiny has random weights: its images are noise-like, but every step is real.[/dim]")

    out.rule("2. generate: three images, one CPU generator per seed")
    recipes = generations.plan(studio, subject="a red fox", context="in fresh snow", style="watercolor",
                               technical="soft light", negative="blurry, watermark", seed=42, count=3,
                               steps=8, width=128, height=128, scheduler="euler_a")
    rows = generations.generate(studio, recipes)
    for row in rows:
        out.print(f"#{row.id} seed {row.seed}  pixels {row.pixel_sha256[:12]}  {row.path(studio)}")
    out.print(f"prompt composed from the skeleton: {rows[0].prompt!r}")

    out.rule("3. recipe export: a self-contained card")
    card_path = cards.export(studio, rows[0].id)
    out.print(f"card {card_path}  ({len(card_path.read_text().splitlines())} lines of TOML)")

    out.rule("4. reproduce: from the card alone, with the ledger deleted")
    studio.close()
    studio.ledger_path.unlink()
    for sidecar in ("-wal", "-shm"):
        Path(f"{studio.ledger_path}{sidecar}").unlink(missing_ok=True)
    out.print("ledger deleted")
    result = reproduce(cards.read(card_path), studio=Studio(studio.root))
    figures = result.comparison
    out.print(f"verdict [bold]{figures.verdict}[/bold] against {result.expected}: "
              f"ssim {figures.ssim}, pHash distance {figures.phash_distance}, "
              f"dHash distance {figures.dhash_distance}")

    out.rule("done")
    out.print(f"{len(rows)} images, 1 card, verdict {figures.verdict} in {time.perf_counter() - started:.1f}s")
    out.print(f"files: {studio.root}")
    return studio.root
