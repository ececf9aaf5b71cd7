"""Model families: what differs between SD 1.x/2.x, SDXL, SD3/3.5 and FLUX.1 where pressroom meets it.

A family is known from the diffusers pipeline class a model folder names in ``model_index.json``;
the folder's component configs give its native size (the denoiser's sample size times the VAE's
latent factor: 512 for SD 1.5, 1024 for SDXL, SD3 and FLUX) and its size rule (the latent factor
times the transformer's patch: SD3 and FLUX need multiples of 16). Facts, no torch: ``models``
records them at ``model add``, ``generations`` checks a request against them, and the diffusers
engine checks every job against the pipeline it loaded.

- Flow-matching families (SD3, FLUX) run only on their own scheduler: a DDPM-style one (Euler,
  DPM++) either fails or silently makes wrong images. pressroom's sampler names fit SD and SDXL.
- FLUX.1 ignores the negative prompt (pressroom runs it without true CFG): one is refused.
  FLUX.1 schnell has no guidance embedding, so it ignores the guidance too; SD, SDXL and SD3 use
  the negative prompt only through classifier-free guidance, which is off at a guidance of 1 or
  less. A card records what its model ignored (``ignored``).
- Text encoders see a fixed number of tokens each: CLIP 77; T5 256 (SD3, FLUX schnell) or 512
  (FLUX dev).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pressroom.errors import InputError


@dataclass(frozen=True)
class Family:
    name: str
    label: str
    flow: bool = False  # flow matching: only the model's own scheduler drives it
    negative: bool = True  # the negative prompt is used
    cfg: bool = False  # the negative prompt works through classifier-free guidance: only above guidance 1
    patch: int = 1  # latent patch size: sizes are multiples of the latent factor times this
    default_sample: int = 64  # the denoiser's sample size when its config names none


FAMILIES = {
    "sd": Family("sd", "Stable Diffusion 1.x/2.x", cfg=True),
    "sdxl": Family("sdxl", "SDXL", cfg=True, default_sample=128),
    "sd3": Family("sd3", "Stable Diffusion 3/3.5", flow=True, cfg=True, patch=2, default_sample=128),
    "flux": Family("flux", "FLUX.1", flow=True, negative=False, patch=2, default_sample=128),
    "other": Family("other", "another diffusers pipeline"),
}
DEFAULT_SCHEDULER = "default"  # the model's own scheduler, as it ships
DEFAULT_STEPS = 20  # denoising steps where neither the command nor the model says otherwise


def of_pipeline(class_name: str) -> Family:
    """The family of a diffusers pipeline class (``StableDiffusionXLImg2ImgPipeline`` is SDXL)."""
    for prefix, name in (
        ("StableDiffusionXL", "sdxl"),
        ("StableDiffusion3", "sd3"),
        ("Flux", "flux"),
        ("StableDiffusion", "sd"),
    ):
        if class_name.startswith(prefix):
            return FAMILIES[name]
    return FAMILIES["other"]


def get(name: str) -> Family:
    return FAMILIES.get(name or "sd", FAMILIES["other"])


@dataclass(frozen=True)
class Facts:
    """What ``model add`` records about a model folder."""

    family: str
    size: int  # native size, the default width and height
    multiple: int  # width and height must be multiples of this
    variant: str = ""  # flux: "dev" (guidance distilled) or "schnell"

    @property
    def steps(self) -> int:
        """The default denoising steps: FLUX.1 schnell is distilled to draw in 4 (its makers' setting)."""
        return 4 if self.variant == "schnell" else DEFAULT_STEPS


def _config(folder: Path, component: str) -> dict:
    try:
        return json.loads((folder / component / "config.json").read_text())
    except (OSError, ValueError):
        return {}


def detect(folder: Path) -> Facts:
    """The facts of a diffusers folder (or a single file's config folder) from its configs."""
    try:
        index = json.loads((folder / "model_index.json").read_text())
    except (OSError, ValueError):
        index = {}
    family = of_pipeline(str(index.get("_class_name", "")))
    vae = _config(folder, "vae")
    factor = 2 ** (len(vae.get("block_out_channels", [0, 0, 0, 0])) - 1)
    denoiser = _config(folder, "transformer") or _config(folder, "unet")
    sample = denoiser.get("sample_size") or family.default_sample
    if isinstance(sample, list):
        sample = sample[0]
    multiple = max(8, factor * family.patch)
    return Facts(family.name, int(sample) * factor, multiple, variant(family, denoiser.get("guidance_embeds", True)))


def variant(family: Family, guidance_embeds: bool) -> str:
    """FLUX.1's variant from its transformer's ``guidance_embeds``: "dev" is guidance distilled (it has
    a guidance embedding), "schnell" has none; "" for the other families."""
    if family.name != "flux":
        return ""
    return "dev" if guidance_embeds else "schnell"


def t5_tokens(family: Family, variant: str) -> int:
    """How many T5 tokens the family's pipeline is given (its ``max_sequence_length``)."""
    return 512 if family.name == "flux" and variant != "schnell" else 256


def ignored(family: Family, variant: str, guidance: float) -> list[str]:
    """The recipe settings a model of ``family`` (``variant``) is given at ``guidance`` but does not use:
    any value of them draws the same pixels, so a card says so rather than let them look meaningful."""
    found = []
    if family.name == "flux" and variant == "schnell":  # no guidance embedding
        found.append("guidance")
    if not family.negative or (family.cfg and guidance <= 1):
        found.append("negative")
    return found


def check_size(width: int, height: int, multiple: int, family: Family) -> None:
    for field, value in (("width", width), ("height", height)):
        if value % multiple:
            low, high = value - value % multiple, value - value % multiple + multiple
            raise InputError(
                f"{field} {value} is not a multiple of {multiple}, which {family.label} needs; "
                f"use {low or multiple} or {high}",
                field=field,
            )


def check_scheduler(name: str, family: Family) -> None:
    """Refuse a sampler name that cannot drive the family, naming the ones that can."""
    from pressroom.domain import samplers

    if name == DEFAULT_SCHEDULER:
        return
    samplers.get(name)  # an unknown name: the list of known ones
    if family.flow:
        raise InputError(
            f"scheduler {name!r} cannot drive a {family.label} model (it samples by flow matching); "
            f"use: {DEFAULT_SCHEDULER} (the model's own scheduler)",
            field="scheduler",
        )


def check_negative(negative: str, family: Family) -> None:
    if negative.strip() and not family.negative:
        raise InputError(
            f"{family.label} ignores the negative prompt, so it would not be used; leave it empty "
            "and say what you want in the prompt instead",
            field="negative",
        )
