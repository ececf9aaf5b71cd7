"""The fake engine: deterministic images in milliseconds, with no torch and no weights.

It keeps every promise of the engine contract (``tests/test_engine_contract.py``) that does
not depend on a model: the same job gives the same pixels; each image depends only on its own
prompt, negative prompt and seed and on the job's shared settings (model, steps, guidance,
size, scheduler, dtype, mode, parent, mask, strength, references), never on the batch it ran in;
the requested size is honoured; refine and inpaint keep the parent's size; upscale multiplies it.
Its images are smooth colour fields drawn from SHAKE-256 of those inputs, and a refine, an
inpaint, an upscale or an image from an img2img reference is the parent (the reference) blended
with, composited with or resized under one.

A model registered with ``engine = "fake"`` (``pressroom model add NAME --engine fake``) needs no weights, so rule tests run whole plays
through it. It also runs a job for a model with weights, without reading them.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
from typing import TYPE_CHECKING, Any

from pressroom.domain import samplers
from pressroom.engines import hookimpl
from pressroom.engines.base import Job, Output
from pressroom.errors import EngineError

if TYPE_CHECKING:
    from PIL.Image import Image

    from pressroom.store.resolver import Resolver

VERSION = 1  # bump when the images change: cards made by the fake engine record it
SCHEDULER_CLASS = "FakeScheduler"
TOKEN_LIMIT = 77  # what a CLIP text encoder sees, counted here as words and punctuation
CELL = 8  # pixels per random colour before smoothing


def _scheduler_config(job: Job) -> dict[str, Any]:
    """The fake's own scheduler: one class whose config is the sampler it stands for."""
    if job.scheduler_class is None:
        return {"sampler": job.scheduler}
    if job.scheduler_class != SCHEDULER_CLASS:
        raise EngineError(
            f"the fake engine has no scheduler class {job.scheduler_class!r}; its only class is {SCHEDULER_CLASS}"
        )
    sampler = (job.scheduler_config or {}).get("sampler")
    if sampler != "default" and sampler not in samplers.SAMPLERS:
        raise EngineError(f"the {SCHEDULER_CLASS} config names no known sampler (got {sampler!r})")
    return {"sampler": sampler}


def _token_warnings(prompt: str) -> list[str]:
    tokens = re.findall(r"\w+|[^\w\s]", prompt)
    if len(tokens) + 2 <= TOKEN_LIMIT:  # start and end tokens
        return []
    kept = " ".join(tokens[: TOKEN_LIMIT - 2])
    return [
        f"prompt is {len(tokens) + 2} tokens; the text encoder sees {TOKEN_LIMIT}, so the tail after "
        f"{kept[-40:]!r} is dropped"
    ]


def _field(key: bytes, width: int, height: int) -> Image:
    """A smooth colour field of ``width`` x ``height`` drawn from ``key``."""
    from PIL import Image

    cells = (max(1, -(-width // CELL)), max(1, -(-height // CELL)))
    noise = hashlib.shake_256(key).digest(cells[0] * cells[1] * 3)
    return Image.frombytes("RGB", cells, noise).resize((width, height), Image.Resampling.BICUBIC)


class FakeEngine:
    name = "fake"

    def run(self, job: Job, resolver: Resolver) -> Output:
        from PIL import Image

        scheduler = _scheduler_config(job)
        dtype = "float32" if job.dtype == "auto" else job.dtype
        parent = resolver.image(job.parent).convert("RGB") if job.parent else None
        mask = resolver.image(job.mask).convert("L") if job.mask else None
        references = {r.role: r for r in job.conditioning}  # every reference read, so a missing one is refused
        pictures = {role: resolver.image(r.control_sha256 or r.image_sha256) for role, r in references.items()}
        start, start_strength = None, 0.0
        if "img2img" in references:
            start = pictures["img2img"].convert("RGB").resize((job.width, job.height), Image.Resampling.LANCZOS)
            start_strength = references["img2img"].weight
        shared = job.model_dump(
            mode="json",
            exclude={
                "engine",
                "prompts",
                "negatives",
                "seeds",
                "fresh",
                "scheduler",
                "scheduler_class",
                "scheduler_config",
                "dtype",
                "device",
                "model",
                "max_sequence_length",  # no text encoder here; and the images of jobs without it stay as they were
            },
        )
        # the model by its files; a model without any (a fake one) by its name
        model = job.model.fingerprint if job.model.files else f"name:{job.model.name}"
        images = []
        for prompt, negative, seed in zip(job.prompts, job.negatives, job.seeds):
            key = json.dumps(
                [VERSION, model, scheduler, dtype, shared, prompt, negative, seed], sort_keys=True
            ).encode()
            if job.mode == "text" and start is not None:  # img2img from a reference: blended like a refine
                image = Image.blend(start, _field(key, job.width, job.height), start_strength)
            elif job.mode == "text":
                image = _field(key, job.width, job.height)
            elif job.mode == "refine":
                image = Image.blend(parent, _field(key, *parent.size), job.strength)
            elif job.mode == "inpaint":
                repaint = Image.blend(parent, _field(key, *parent.size), job.strength)
                image = Image.composite(repaint, parent, mask.resize(parent.size))
            else:
                size = (parent.width * job.factor, parent.height * job.factor)
                image = Image.blend(
                    parent.resize(size, Image.Resampling.LANCZOS), _field(key, *size), min(job.noise_level, 100) / 1000
                )
            images.append(image)
        return Output(
            images=images,
            warnings=[_token_warnings(prompt) for prompt in job.prompts],
            scheduler_class=SCHEDULER_CLASS,
            scheduler_config=scheduler,
            dtype=dtype,
            device="cpu",
            environment=self.environment(),
        )

    def environment(self) -> dict[str, Any]:
        from pressroom import __version__

        return {
            "python": platform.python_version(),
            "pressroom": __version__,
            "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
            "device_name": f"fake engine v{VERSION}: no model runs",
            "determinism": {"fake_engine": VERSION, "rng": "SHAKE-256 of the job's fields, per image"},
        }

    def close(self) -> None:
        """Nothing to free: the fake engine loads nothing and keeps nothing between jobs."""


@hookimpl
def pressroom_register_engines(register) -> None:
    register("fake", FakeEngine)


__all__ = ["FakeEngine"]
