"""The engine interface: a job as plain data in, images and the settled facts out.

A ``Job`` names everything by content: the model by its ``ModelRef`` (name, format and the
SHA-256 of every file), the parent and mask of a derivative and the reference images that
condition it by the SHA-256 of their files, adapters like models. It holds no local path and no
image object, so it survives a JSON round trip unchanged and any worker can run it: the engine finds the files through the ``Resolver`` it is handed (the store
of the machine running it), which checks weights against their hashes.

Every value is checked here, once, when a job is built or read; a bad one raises
``InputError`` naming the job field. Engines (``diffusers_local``, ``fake``, third-party
plugins) implement ``Engine``; everything above them talks to this module only, so it never
imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pressroom.domain import samplers
from pressroom.domain.recipes import (
    Device,
    Dtype,
    Guidance,
    LoraRef,
    ModelRef,
    Reference,
    Seed,
    SequenceLength,
    Sha256,
    Size,
    Steps,
)
from pressroom.errors import InputError

if TYPE_CHECKING:
    from PIL.Image import Image

    from pressroom.store.resolver import Resolver


def job_error(exc: ValidationError) -> InputError:
    """A pydantic error as one line naming each job field at fault."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        parts.append(f"{'job field ' + where if where else 'job'}: {error['msg'].removeprefix('Value error, ')}")
    return InputError("; ".join(parts))


class Job(BaseModel):
    """One batch: the same settings for every image, one prompt, negative prompt and seed each."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", protected_namespaces=(), ser_json_inf_nan="constants"
    )  # DPM++ configs hold -inf; keep it exact

    engine: str = "diffusers"  # the engine that runs it (``pressroom.engines.get``)
    model: ModelRef  # the weights by name, format and file hashes (``ModelRef.identity()``); the cache key
    prompts: tuple[str, ...]
    negatives: tuple[str, ...]
    seeds: tuple[Seed, ...]
    steps: Steps
    guidance: Guidance
    width: Size
    height: Size
    scheduler: str = "euler"  # a sampler name, or "default": the model's own scheduler
    max_sequence_length: SequenceLength | None = None  # T5 tokens; None: the engine's choice for the model
    scheduler_class: str | None = None  # with scheduler_config: rebuild exactly this scheduler
    scheduler_config: dict[str, Any] | None = None
    loras: tuple[LoraRef, ...] = ()  # by name, file SHA-256 and weight (``LoraRef.identity()``)
    conditioning: tuple[Reference, ...] = ()  # reference images by SHA-256, adapters by file hashes
    dtype: Dtype = "auto"
    device: Device = "auto"
    fresh: bool = False  # load a new pipeline instead of the cached one
    mode: Literal["text", "refine", "inpaint", "upscale"] = "text"
    parent: Sha256 | None = None  # refine, inpaint, upscale: the parent image's file
    mask: Sha256 | None = None  # inpaint: white where the image is repainted
    strength: float = Field(default=1.0, gt=0, le=1)
    noise_level: int = Field(default=20, ge=0)  # upscale
    factor: int = Field(default=1, ge=1)  # upscale: the result is the parent's size times this

    def __init__(self, **fields: Any) -> None:
        try:
            super().__init__(**fields)
        except ValidationError as exc:
            raise job_error(exc) from None

    @model_validator(mode="after")
    def _consistent(self) -> Job:
        if any(lora != lora.identity() for lora in self.loras):
            raise ValueError("loras name each LoRA by name, file hash and weight only: pass LoraRef.identity()")
        if any(reference != reference.identity() for reference in self.conditioning):
            raise ValueError(
                "conditioning names each adapter by name, kind and file hashes only: pass Reference.identity()"
            )
        if self.conditioning and self.mode != "text":
            raise ValueError(f"a {self.mode} job works from its parent; reference images condition text jobs only")
        roles = [reference.role for reference in self.conditioning]
        if len(set(roles)) != len(roles):
            raise ValueError("a job takes one reference of each role")
        if self.model != self.model.identity():
            raise ValueError(
                "model names the weights by name, format and files only "
                "(no source, licence or path): pass ModelRef.identity()"
            )
        if not self.seeds:
            raise ValueError("a job needs at least one seed")
        if not len(self.prompts) == len(self.negatives) == len(self.seeds):
            raise ValueError(
                f"a job needs one prompt, one negative prompt and one seed per image "
                f"(got {len(self.prompts)}, {len(self.negatives)} and {len(self.seeds)})"
            )
        if (self.scheduler_class is None) != (self.scheduler_config is None):
            raise ValueError("scheduler_class and scheduler_config go together; give both or neither")
        if self.scheduler_class is None and self.scheduler != "default":
            samplers.get(self.scheduler)  # an unknown name raises InputError listing the known ones
        if self.mode != "text" and self.parent is None:
            raise ValueError(f"a {self.mode} job needs the parent image's SHA-256 in parent")
        if (self.mode == "inpaint") != (self.mask is not None):
            raise ValueError("mask is the inpaint job's mask: give it for inpaint and only there")
        return self

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str | bytes) -> Job:
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            raise job_error(exc) from None


@dataclass
class Output:
    """What a job made, and the facts the engine settled while making it."""

    images: list[Image]
    warnings: list[list[str]]  # one list per image
    scheduler_class: str
    scheduler_config: dict[str, Any]
    dtype: str
    device: str
    environment: dict[str, Any] = field(default_factory=dict)
    max_sequence_length: int | None = None  # the T5 tokens the pipeline was given, if it takes them
    ignored: list[str] = field(default_factory=list)  # settings the model was given but did not use


class Engine(Protocol):
    """What every engine does; ``tests/test_engine_contract.py`` holds each one to it."""

    name: str

    def run(self, job: Job, resolver: Resolver) -> Output:
        """Make ``len(job.seeds)`` images, image i from seed i alone, whatever the batch."""

    def close(self) -> None:
        """Free what the engine holds (pipelines, memory); a later ``run`` loads again."""


__all__ = ["Engine", "Job", "Output"]
