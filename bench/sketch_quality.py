"""How well the built-in sketch model draws what a prompt names: `python bench/sketch_quality.py`.

Prompts are built from (subject, background, position) combinations held out of the training
captions (scripts/sketch_data.py, ``held_out``), on the named colour backgrounds, and generated at
128x128 with the model's own scheduler at its defaults (its default steps, guidance 7), one image a
call, as the engine makes them. For each image it measures:

- background: the named colour is the palette colour nearest the median of the border pixels;
- position: the centroid of the subject's mass (pixels far from that border colour) lies in the
  named region (left/right: x < 0.4 / x > 0.6 of the width; top/bottom likewise in y; centre:
  both within 0.35..0.65);
- subject: among 50 candidates (the named one and 49 others drawn at random), rendered from the
  font on the same background, at the same place and scale, the named one is the nearest (top-1) or
  among the five nearest (top-5) in a simple feature space: the subject's box shrunk to 8x8 colours
  plus a coarse colour histogram of its pixels;
- time: seconds per image (the pipeline call, the model already loaded) on this machine.

Needs the Noto colour emoji font (scripts/system-packages.sh installs it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import sketch_data  # noqa: E402

GOALS = {"background": 0.90, "position": 0.80, "subject_top5": 0.60, "seconds_per_image": 1.5}
CANDIDATES = 50
SIZE = 128


def prompts(count: int, seed: int) -> list[dict]:
    """``count`` held-out combinations on colour backgrounds, each with its 49 other candidates."""
    rng = random.Random(seed)
    subjects = sketch_data.subjects()
    combos = [
        (s, b, p)
        for s in subjects
        for b in sketch_data.BACKGROUNDS
        for p in sketch_data.POSITIONS
        if sketch_data.held_out(s, b, p)
    ]
    chosen = rng.sample(combos, count)
    out = []
    for subject, back, position in chosen:
        scale = rng.choice(["close-up", "medium shot"])
        others = rng.sample([s for s in subjects if s.index != subject.index], CANDIDATES - 1)
        out.append(
            {
                "subject": subject,
                "background": back,
                "position": position,
                "scale": scale,
                "candidates": [subject] + others,
                "prompt": sketch_data.caption(subject.name, back, position, scale),
            }
        )
    return out


def border_colour(pixels: np.ndarray) -> np.ndarray:
    ring = max(1, pixels.shape[0] // 32)
    border = np.concatenate(
        [
            pixels[:ring].reshape(-1, 3),
            pixels[-ring:].reshape(-1, 3),
            pixels[:, :ring].reshape(-1, 3),
            pixels[:, -ring:].reshape(-1, 3),
        ]
    )
    return np.median(border, axis=0)


def nearest_background(pixels: np.ndarray) -> str:
    colour = border_colour(pixels)
    return min(sketch_data.BACKGROUNDS, key=lambda n: np.sum((np.array(sketch_data.BACKGROUNDS[n]) - colour) ** 2))


def subject_mask(pixels: np.ndarray) -> np.ndarray:
    return np.sqrt(np.sum((pixels - border_colour(pixels)) ** 2, axis=2)) > 60


def in_region(mask: np.ndarray, position: str) -> bool:
    if mask.sum() == 0:
        return False
    ys, xs = np.nonzero(mask)
    cx, cy = (xs.mean() + 0.5) / mask.shape[1], (ys.mean() + 0.5) / mask.shape[0]
    return {
        "left": cx < 0.4,
        "right": cx > 0.6,
        "top": cy < 0.4,
        "bottom": cy > 0.6,
        "centre": 0.35 < cx < 0.65 and 0.35 < cy < 0.65,
    }[position]


def features(image: Image.Image) -> np.ndarray:
    """The subject's box as 8x8 colours, and a 4x4x4 histogram of its pixels' colours."""
    pixels = np.asarray(image.convert("RGB").resize((32, 32), Image.BOX), dtype=np.float32)
    mask = subject_mask(pixels)
    if mask.sum() == 0:
        return np.zeros(8 * 8 * 3 + 64, dtype=np.float32)
    ys, xs = np.nonzero(mask)
    box = pixels[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    shape = np.asarray(Image.fromarray(box.astype(np.uint8)).resize((8, 8), Image.BOX), dtype=np.float32) / 255
    bins = (pixels[mask] // 64).astype(int)
    histogram = np.bincount(bins[:, 0] * 16 + bins[:, 1] * 4 + bins[:, 2], minlength=64).astype(np.float32)
    histogram /= histogram.sum()
    return np.concatenate([shape.ravel(), 4 * histogram])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="a sketch pipeline folder (default: the shipped one)")
    parser.add_argument("--count", type=int, default=60, help="held-out prompts to generate")
    parser.add_argument("--steps", type=int, default=None, help="denoising steps (default: the model's own)")
    parser.add_argument("--guidance", type=float, default=7.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sheet", type=Path, default=None, help="also write the images as one PNG sheet")
    parser.add_argument(
        "--reference",
        action="store_true",
        help="score the font's own renders instead of the model's images: what the measures give at best",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    import torch
    from diffusers import DiffusionPipeline
    from diffusers.utils import logging

    from pressroom.store import models

    logging.disable_progress_bar()
    args.steps = args.steps or models.SKETCH_STEPS
    folder = args.model or models.SKETCH_DIR
    if not args.reference:
        pipeline = DiffusionPipeline.from_pretrained(str(folder), local_files_only=True, dtype=torch.float32)
        pipeline.set_progress_bar_config(disable=True)
    renderer = sketch_data.Renderer()
    cases = prompts(args.count, args.seed)
    scores = {"background": 0, "position": 0, "subject_top1": 0, "subject_top5": 0}
    seconds, images = [], []
    for index, case in enumerate(cases):  # all the images first, back to back as a run makes them; then the scores
        started = time.perf_counter()
        if args.reference:
            image = sketch_data.compose(
                renderer, case["subject"], case["background"], case["position"], case["scale"]
            ).resize((SIZE, SIZE), Image.NEAREST)
        else:
            image = pipeline(
                case["prompt"],
                num_inference_steps=args.steps,
                guidance_scale=args.guidance,
                width=SIZE,
                height=SIZE,
                generator=torch.Generator("cpu").manual_seed(args.seed + index),
            ).images[0]
        seconds.append(time.perf_counter() - started)
        images.append(image)
    for case, image in zip(cases, images):
        pixels = np.asarray(image.convert("RGB"), dtype=np.float32)
        scores["background"] += nearest_background(pixels) == case["background"]
        scores["position"] += in_region(subject_mask(pixels), case["position"])
        made = features(image)
        distances = [
            np.sum(
                (features(sketch_data.compose(renderer, c, case["background"], case["position"], case["scale"])) - made)
                ** 2
            )
            for c in case["candidates"]
        ]
        rank = int(np.argsort(np.argsort(distances))[0])  # where the named subject (index 0) ranks
        scores["subject_top1"] += rank == 0
        scores["subject_top5"] += rank < 5
    figures = {name: round(value / len(cases), 3) for name, value in scores.items()}
    figures["seconds_per_image"] = None if args.reference else round(float(np.median(seconds)), 3)
    figures.update(
        prompts=len(cases),
        steps=args.steps,
        guidance=args.guidance,
        size=SIZE,
        torch_threads=torch.get_num_threads(),
        load_average=round(os.getloadavg()[0], 1),
        cpu_count=os.cpu_count(),
    )
    if args.sheet:
        columns = 10
        sheet = Image.new("RGB", (columns * SIZE, -(-len(images) // columns) * SIZE), "white")
        for index, image in enumerate(images):
            sheet.paste(image, ((index % columns) * SIZE, (index // columns) * SIZE))
        sheet.save(args.sheet)
    if args.json:
        print(json.dumps(figures))
        return 0
    print(
        f"sketch quality on {len(cases)} held-out prompts, {args.steps} steps, guidance {args.guidance}, {SIZE}x{SIZE}:"
    )
    for name, goal in GOALS.items():
        value = figures[name]
        if value is None:
            continue
        met = value <= goal if name == "seconds_per_image" else value >= goal
        shown = f"{value:.2f} s" if name == "seconds_per_image" else f"{value:.0%}"
        print(
            f"  {name:18} {shown:>8}   goal {'<=' if name == 'seconds_per_image' else '>='} "
            f"{goal if name == 'seconds_per_image' else f'{goal:.0%}'}  {'met' if met else 'NOT met'}"
        )
    print(
        f"  subject_top1       {figures['subject_top1']:.0%}   (chance: {1 / CANDIDATES:.0%}; top-5 chance "
        f"{5 / CANDIDATES:.0%})"
    )
    print(
        f"  (torch threads {figures['torch_threads']}, {figures['cpu_count']} cores, load average "
        f"{figures['load_average']} while measuring)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
