"""The engine interface: one method that turns a batch job into images.

Everything above the engine (recipes, the ledger, the plays) talks to this protocol only, so
it never imports torch; ``diffusers_local`` is the one implementation that does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from PIL.Image import Image


@dataclass(frozen=True)
class Job:
    """One batch: the same settings for every image, one prompt and one seed per image."""

    model_key: str  # identifies the weights (their fingerprint); the pipeline cache key
    model_path: Path
    model_format: str  # "diffusers" or "single_file"
    prompts: tuple[str, ...]
    negatives: tuple[str, ...]
    seeds: tuple[int, ...]
    steps: int
    guidance: float
    width: int
    height: int
    scheduler: str = "euler"
    scheduler_class: str | None = None  # with scheduler_config: rebuild exactly this scheduler
    scheduler_config: dict[str, Any] | None = None
    dtype: str = "auto"
    device: str = "auto"
    config_dir: Path | None = None  # the local config folder of a single-file checkpoint
    fresh: bool = False  # load a new pipeline instead of the cached one
    mode: str = "text"  # text | refine (img2img) | inpaint | upscale (a diffusers upscaler model)
    init_image: "Image | None" = None  # refine and inpaint: the parent image
    mask_image: "Image | None" = None  # inpaint: white where the image is repainted
    strength: float = 1.0
    noise_level: int = 20  # upscale


@dataclass
class Output:
    """What a job made, and the facts the engine settled while making it."""

    images: list["Image"]
    warnings: list[list[str]]  # per image
    scheduler_class: str
    scheduler_config: dict[str, Any]
    dtype: str
    device: str
    environment: dict[str, Any] = field(default_factory=dict)


class Engine(Protocol):
    name: str

    def run(self, job: Job) -> Output: ...
