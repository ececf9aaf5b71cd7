"""The recipe: the complete state needed to reproduce one image.

A recipe is written as a card (``cards.py``) and as the ``pressroom`` chunk in every PNG.
Fields the engine fills in (scheduler config, environment, determinism flags) are optional
so that a hand-written card with just a prompt, a model and a seed can still be generated;
every recipe pressroom writes after generating has them all.
"""

from __future__ import annotations

import hashlib
import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_serializer, field_validator, model_validator

from pressroom.errors import InputError

SLOTS = ("subject", "context", "composition", "style", "technical")
RNG = "torch.Generator('cpu').manual_seed(seed), a fresh generator per image"
DTYPES = ("auto", "float32", "float16", "bfloat16")
DEVICES = ("auto", "cpu", "cuda", "mps")


def _multiple_of_8(value: int) -> int:
    if value % 8:
        low, high = value - value % 8, value - value % 8 + 8
        raise ValueError(f"must be a multiple of 8 (got {value}); use {low or 8} or {high}")
    return value


def _one_of(choices: tuple[str, ...]):
    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)} (got {value!r})")
        return value

    return check


def _sha256(value: str) -> str:
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError(f"{value!r} is not a SHA-256 (64 lowercase hex digits)")
    return value


# The value rules a recipe and an engine job share (``engines.base.Job``).
Seed = Annotated[int, Field(ge=0, lt=2**64)]  # 0 .. 2**64-1, the range ComfyUI and torch generators take
Steps = Annotated[int, Field(ge=1, le=1000)]
Guidance = Annotated[float, Field(ge=0, le=50)]
Size = Annotated[int, Field(ge=8, le=8192), AfterValidator(_multiple_of_8)]
Dtype = Annotated[str, AfterValidator(_one_of(DTYPES))]
Device = Annotated[str, AfterValidator(_one_of(DEVICES))]
Sha256 = Annotated[str, AfterValidator(_sha256)]
# T5 tokens a pipeline is given (diffusers' ``max_sequence_length``; its SD3 and FLUX pipelines take at most 512)
SequenceLength = Annotated[int, Field(ge=1, le=512)]
# settings a model can be given and not use (``families.ignored`` says which, for a model and its settings)
Ignorable = Literal["guidance", "negative"]
ENGINE = "diffusers"  # the engine of a recipe that names none (every card written before engines had names)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class Skeleton(Strict):
    """The prompt slots a prompt is composed from, in this fixed order; named free slots follow."""

    subject: str = ""
    context: str = ""
    composition: str = ""
    style: str = ""
    technical: str = ""
    free: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _slot_names(self) -> Skeleton:
        from pressroom.domain import names

        for slot in self.free:  # a card is a way in: its slot names are checked like --vary's
            names.check(slot, "slot name", field="slot", limit=60)
        return self

    def compose(self) -> str:
        parts = [getattr(self, s) for s in SLOTS] + list(self.free.values())
        return ", ".join(part.strip() for part in parts if part.strip())

    def get(self, slot: str) -> str:
        return getattr(self, slot) if slot in SLOTS else self.free.get(slot, "")

    def with_slot(self, slot: str, value: str) -> Skeleton:
        if slot in SLOTS:
            return self.model_copy(update={slot: value})
        return self.model_copy(update={"free": {**self.free, slot: value}})

    def is_empty(self) -> bool:
        return not self.compose()


class ModelRef(Strict):
    """Which weights made the image: name, licence and the SHA-256 of every file."""

    name: str
    format: Literal["diffusers", "single_file", "none"] = "diffusers"  # none: an engine that needs no weights
    source: str = ""
    license: str = "unknown"
    commercial: bool | None = None
    files: dict[str, str] = Field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """SHA-256 over the sorted (file, sha256) list: one hash for the whole model."""
        lines = "".join(f"{path}\t{sha}\n" for path, sha in sorted(self.files.items()))
        return hashlib.sha256(lines.encode()).hexdigest()

    def identity(self) -> ModelRef:
        """The model as an engine job names it: name, format and file hashes, not where they are."""
        return ModelRef(name=self.name, format=self.format, files=dict(self.files))

    @property
    def short_hash(self) -> str:
        """A1111's 'Model hash' (AutoV2) for a single checkpoint; for a folder, the fingerprint's."""
        if self.format == "single_file" and len(self.files) >= 1:
            checkpoint = [sha for path, sha in self.files.items() if path.endswith((".safetensors", ".ckpt"))]
            if checkpoint:
                return checkpoint[0][:10]
        return self.fingerprint[:10]


# JSON has no infinity or NaN, and PostgreSQL's JSON refuses the ``-Infinity`` Python writes; DPM++
# configs hold ``-inf`` (``lambda_min_clipped``). In JSON (the ledger, PNG chunks, C2PA) such a value is
# one of these strings, read back as the float it was; a card (TOML) writes ``inf``/``-inf``/``nan`` itself.
NON_FINITE = {"Infinity": math.inf, "-Infinity": -math.inf, "NaN": math.nan}


def _finite_or_named(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _finite_or_named(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite_or_named(v) for v in value]
    return value


def _named_to_float(value: Any) -> Any:
    if isinstance(value, str) and value in NON_FINITE:
        return NON_FINITE[value]
    if isinstance(value, dict):
        return {k: _named_to_float(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_named_to_float(v) for v in value]
    return value


class LoraRef(Strict):
    """A LoRA applied to the model: its file by full SHA-256, its weight, and its licence."""

    name: str
    sha256: Sha256
    weight: float = Field(default=1.0, ge=-10, le=10)
    a1111_hash: str = ""  # A1111's 'Lora hashes' entry: the tensor data's SHA-256 (after the header), 12 hex
    license: str = "unknown"
    commercial: bool | None = None

    def identity(self) -> LoraRef:
        """As an engine job names it: name, file hash and weight."""
        return LoraRef(name=self.name, sha256=self.sha256, weight=self.weight)


ROLES = ("img2img", "ip-adapter", "controlnet")
CONTROLS = ("canny", "depth", "pose")


class AdapterRef(Strict):
    """Conditioning weights (an IP-Adapter with its image encoder, or a ControlNet): every file by
    SHA-256, like a model's, and the licence they came with."""

    name: str
    kind: Literal["ip-adapter", "controlnet"]
    control: Literal["", "canny", "depth", "pose"] = ""  # a ControlNet: the map it was trained on
    files: dict[str, str]
    license: str = "unknown"
    commercial: bool | None = None

    @property
    def fingerprint(self) -> str:
        return ModelRef(name=self.name, files=self.files).fingerprint

    def identity(self) -> AdapterRef:
        """As an engine job names it: name, kind, map and file hashes."""
        return AdapterRef(name=self.name, kind=self.kind, control=self.control, files=dict(self.files))


class Reference(Strict):
    """A reference image that conditions the image, stored by SHA-256 in the asset store, with its
    role and weight: ``img2img`` starts from it at ``weight`` as the strength; ``ip-adapter`` takes
    its look at ``weight`` as the adapter's scale; ``controlnet`` takes its structure through the
    control image (a canny edge map pressroom computed, or the depth or pose map as supplied) at
    ``weight`` as the conditioning scale."""

    role: Literal["img2img", "ip-adapter", "controlnet"]
    image_sha256: Sha256  # the reference as it was given
    weight: float = Field(default=1.0, ge=0, le=2)
    adapter: AdapterRef | None = None  # ip-adapter and controlnet: the weights that read it
    control_sha256: Sha256 | None = None  # controlnet: the image the ControlNet is given
    canny: list[int] | None = None  # a canny map: OpenCV's low and high thresholds

    @model_validator(mode="after")
    def _consistent(self) -> Reference:
        wanted = None if self.role == "img2img" else self.role
        if (self.adapter.kind if self.adapter else None) != wanted:
            raise ValueError(
                f"a {self.role} reference needs " + (f"{self.role} weights as its adapter" if wanted else "no adapter")
            )
        if (self.role == "controlnet") != (self.control_sha256 is not None):
            raise ValueError("control_sha256 is a controlnet reference's control image: give it there and only there")
        if self.role == "img2img" and not 0 < self.weight <= 1:
            raise ValueError(f"an img2img reference's weight is its strength, in (0, 1] (got {self.weight})")
        if self.canny is not None and (len(self.canny) != 2 or not 0 <= self.canny[0] <= self.canny[1] <= 1000):
            raise ValueError(f"canny holds the low and high thresholds, 0 <= low <= high <= 1000 (got {self.canny})")
        return self

    def identity(self) -> Reference:
        return self.model_copy(update={"adapter": self.adapter.identity() if self.adapter else None})


class SchedulerSpec(Strict):
    name: str = "euler"
    class_name: str | None = None
    config: dict[str, Any] | None = None

    @field_validator("config", mode="before")
    @classmethod
    def _read_non_finite(cls, value: Any) -> Any:
        return _named_to_float(value)

    @field_serializer("config", when_used="json")
    def _write_non_finite(self, value: dict[str, Any] | None) -> Any:
        return _finite_or_named(value)


class PostStep(Strict):
    op: str
    params: dict[str, Any] = Field(default_factory=dict)


class Source(Strict):
    """For a derivative: the parent image (by hash) and the operation that made this one from it."""

    op: Literal["refine", "inpaint", "upscale", "post"]
    parent_sha256: str  # the parent's file in the asset store
    parent_pixel_sha256: str
    mask_sha256: str = ""  # inpaint: the mask's file in the asset store (white = repaint)
    strength: float = 1.0
    factor: int = 1  # upscale
    method: str = ""  # upscale: "lanczos", or "model" (the recipe's model is a diffusers upscaler)
    noise_level: int = 20  # upscale by model: the noise added to the low-resolution image
    # post: edited by hand outside pressroom, so never regenerated: the tool, the retoucher's note,
    # the edited file as it came back (by SHA-256, kept in the asset store) and its size
    tool: str = ""
    note: str = ""
    edited_sha256: str = ""
    width: int = 0
    height: int = 0

    @property
    def by_hand(self) -> bool:
        """Whether the image was edited outside pressroom (and so cannot be regenerated)."""
        return self.op == "post"

    def why_not_reproducible(self) -> str:
        """Why an image edited by hand cannot be regenerated, in one line."""
        return (
            f"this image was edited by hand in {self.tool or 'another tool'} outside pressroom, so it cannot be "
            f"regenerated: only its parent's recipe is known (parent file {self.parent_sha256[:12]}); reproduce "
            "the parent instead, and compare the edited file by its SHA-256 "
            f"({self.edited_sha256[:12]})"
        )


class Environment(Strict):
    python: str = ""
    pressroom: str = ""
    torch: str = ""
    diffusers: str = ""
    transformers: str = ""
    platform: str = ""
    device_name: str = ""
    attention: str = ""
    determinism: dict[str, Any] = Field(default_factory=dict)


SEEDS = 2**64  # a seed is 0 .. 2**64-1, the range ComfyUI and torch generators take
MAX_RUN = 10_000  # images one command makes; a larger run is split into several


def parse_assignment(text: str, field: str = "vary") -> tuple[str, str]:
    """``SLOT=VALUE`` as a person types it (a volume run's values, a job's stored request) -> (slot, value)."""
    slot, sep, value = text.partition("=")
    if not sep or not slot.strip() or not value.strip():
        raise InputError(f"{field} {text!r} must look like SLOT=VALUE, e.g. subject=a blue shoe", field=field)
    return slot.strip(), value.strip()


def check_run(count: int, field: str, split: str) -> None:
    """Refuse a run of more than ``MAX_RUN`` images; ``split`` says how to make them in several runs."""
    if count > MAX_RUN:
        raise InputError(f"{field} asks for {count:,} images, more than {MAX_RUN:,} in one run; {split}", field=field)


def check_denoising(strength: float, steps: int, what: str, field: str) -> None:
    """Refuse a strength that leaves none of ``steps`` to denoise (a refine, an inpaint, img2img)."""
    if int(steps * strength) < 1:
        raise InputError(
            f"{what} {strength} of {steps} steps leaves no denoising step; use a strength of at least "
            f"{1 / steps:.2f} or more steps",
            field=field,
        )


def check_seeds(first: int, count: int = 1, what: str = "seed", field: str = "seed") -> None:
    """Refuse a run of ``count`` seeds from ``first`` that leaves 0 .. 2**64-1 (``what`` names the
    first seed in the message, ``field`` the input it came from)."""
    if first < 0 or first + count > SEEDS:
        span = f" for {count} images" if count > 1 else ""
        raise InputError(
            f"{what} must be between 0 and 2**64-{count}{span} (got {first}); seeds run 0 .. 2**64-1", field=field
        )


class Recipe(Strict):
    prompt: str
    negative: str = ""
    skeleton: Skeleton = Field(default_factory=Skeleton)
    model: ModelRef
    seed: Seed
    rng: str = RNG
    steps: Steps = 20
    guidance: Guidance = 7.0
    width: Size = 512
    height: Size = 512
    # the T5 tokens the pipeline was given; absent (a recipe written before it was recorded, or a model
    # with no T5 input): the engine's own choice, ``families.t5_tokens``
    max_sequence_length: SequenceLength | None = None
    # what the engine settled: settings this model is given but does not use (any value draws the same
    # pixels); written for the reader of the card, never read back as a setting
    ignored: list[Ignorable] | None = None
    scheduler: SchedulerSpec = Field(default_factory=SchedulerSpec)
    loras: list[LoraRef] = Field(default_factory=list)  # applied in this order, each at its weight
    dtype: Dtype = "auto"
    device: Device = "auto"
    engine: str = ENGINE  # the engine that ran (``pressroom.engines``); recipes take it from their model
    batch_size: int = Field(default=1, ge=1)
    batch_index: int = Field(default=0, ge=0)
    post: list[PostStep] = Field(default_factory=list)
    references: list[Sha256] = Field(default_factory=list)  # every stored image the recipe reads
    conditioning: list[Reference] = Field(default_factory=list)  # at most one of each role
    source: Source | None = None
    environment: Environment | None = None

    def with_slot(self, slot: str, value: str) -> Recipe:
        """This recipe with one skeleton slot changed and the prompt recomposed."""
        skeleton = self.skeleton.with_slot(slot, value)
        return self.model_copy(update={"skeleton": skeleton, "prompt": skeleton.compose()})

    @model_validator(mode="after")
    def _one_reference_per_role(self) -> Recipe:
        roles = [reference.role for reference in self.conditioning]
        for role in ROLES:
            if roles.count(role) > 1:
                raise ValueError(f"a recipe takes one {role} reference (got {roles.count(role)})")
        if self.conditioning and self.source is not None:
            raise ValueError(
                f"a {self.source.op} works from its parent image; reference images condition new images only"
            )
        return self

    @model_validator(mode="after")
    def _prompt_matches_skeleton(self) -> Recipe:
        if not self.prompt.strip():
            raise ValueError("prompt is empty; give the text to generate from")
        if not self.skeleton.is_empty() and self.skeleton.compose() != self.prompt:
            raise ValueError(
                "prompt does not match its skeleton slots: the slots compose to "
                f"{self.skeleton.compose()!r}; fix one or clear the skeleton"
            )
        return self
