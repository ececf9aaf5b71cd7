"""What pressroom costs on top of a plain diffusers loop, the same model on both sides.

For each built-in model named (tiny and sketch by default), generates the same N images (the same
model folder, prompts, seeds and settings) through pressroom (ledger rows, content-addressed store,
metadata chunks, fingerprints) and through a plain diffusers loop that saves PNGs, side by side in one
process, alternating which goes first image by image over several rounds. Both pipelines are loaded and
warmed before timing. Checks that the decoded pixels are identical on both sides and prints, per model,
``model=NAME ... overhead_ratio=R`` (median pressroom time / median plain time), then the worst ratio as
``overhead_ratio=R`` last. Exits 1 when any image's pixels differ. Goal: R <= 1.05 at N = 16, 256x256.

    python bench/overhead.py [--models tiny sketch] [--n 16] [--size 256] [--steps 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

PROMPTS = [
    "a red fox in snow",
    "a lighthouse at dusk, oil painting",
    "a glass bottle on white, product shot",
    "a city street at night, cinematic",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["tiny", "sketch"], choices=["tiny", "sketch"])
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import torch

    from pressroom import engines  # noqa: F401 - registers the builder of the built-in tiny model
    from pressroom.store import models
    from pressroom.store.studio import Studio

    work = Path(tempfile.mkdtemp(prefix="pressroom-bench-"))
    studio = Studio.init(work / "studio")
    print(
        f"images={args.n} size={args.size} steps={args.steps} rounds={args.rounds} threads={torch.get_num_threads()}",
        flush=True,
    )
    ratios, identical = [], True
    for name in args.models:
        ratio, same = compare(studio, models.load(studio, name), work / name, args)
        ratios.append(ratio)
        identical = identical and same
    print(f"pixels_identical={identical}")
    print(f"overhead_ratio={max(ratios):.3f}")
    return 0 if identical else 1


def compare(studio, manifest, work: Path, args) -> tuple[float, bool]:
    """Time one model through pressroom and through plain diffusers; (median ratio, pixels identical)."""
    import torch
    from diffusers import EulerDiscreteScheduler, StableDiffusionPipeline
    from PIL import Image

    from pressroom.domain.compare import pixel_sha256
    from pressroom.jobs import generations

    jobs = [(PROMPTS[i % len(PROMPTS)], 1000 + i) for i in range(args.n)]
    settings = dict(
        model=manifest.name, steps=args.steps, guidance=7.0, width=args.size, height=args.size, scheduler="euler"
    )

    plain_pipe = StableDiffusionPipeline.from_pretrained(
        manifest.where(manifest.path), local_files_only=True, dtype=torch.float32
    )  # as pressroom loads it on a CPU
    plain_pipe.scheduler = EulerDiscreteScheduler.from_config(plain_pipe.scheduler.config)
    plain_pipe.set_progress_bar_config(disable=True)

    def plain_one(index: int, prompt: str, seed: int, out: Path) -> Path:
        image = plain_pipe(
            prompt,
            num_inference_steps=args.steps,
            guidance_scale=7.0,
            width=args.size,
            height=args.size,
            generator=torch.Generator("cpu").manual_seed(seed),
        ).images[0]
        path = out / f"{index:03d}.png"
        image.save(path)
        return path

    def pressroom_one(prompt: str, seed: int):
        return generations.generate(studio, generations.plan(studio, prompt=prompt, seed=seed, **settings))[0]

    # warm both sides: pipelines loaded, kernels touched
    plain_pipe("warm up", num_inference_steps=2, width=64, height=64, generator=torch.Generator("cpu").manual_seed(0))
    generations.generate(
        studio, generations.plan(studio, model=manifest.name, prompt="warm up", seed=0, steps=2, width=64, height=64)
    )

    # Image by image, alternating which side goes first, so drift in machine speed hits both alike.
    plain_times, pressroom_times = [], []
    plain_paths, rows = [], []
    for round_ in range(args.rounds):
        out = work / f"plain-{round_}"
        out.mkdir(parents=True)
        plain_total = pressroom_total = 0.0
        plain_paths, rows = [], []
        for index, (prompt, seed) in enumerate(jobs):
            for side in ("plain", "pressroom") if (index + round_) % 2 == 0 else ("pressroom", "plain"):
                started = time.perf_counter()
                if side == "plain":
                    plain_paths.append(plain_one(index, prompt, seed, out))
                    plain_total += time.perf_counter() - started
                else:
                    rows.append(pressroom_one(prompt, seed))
                    pressroom_total += time.perf_counter() - started
        plain_times.append(plain_total)
        pressroom_times.append(pressroom_total)
        print(
            f"{manifest.name} round {round_ + 1}: plain {plain_total:.2f}s  pressroom {pressroom_total:.2f}s",
            flush=True,
        )

    same = [pixel_sha256(Image.open(path)) == row.pixel_sha256 for path, row in zip(plain_paths, rows)]
    ratio = statistics.median(pressroom_times) / statistics.median(plain_times)
    print(
        f"model={manifest.name} plain_median_s={statistics.median(plain_times):.3f} "
        f"pressroom_median_s={statistics.median(pressroom_times):.3f} pixels_identical={all(same)} "
        f"({sum(same)}/{len(same)}) overhead_ratio={ratio:.3f}",
        flush=True,
    )
    return ratio, all(same)


if __name__ == "__main__":
    sys.exit(main())
