"""The diffusers engine: text-to-image on a local pipeline, one CPU generator per image.

The only module of pressroom that imports torch and diffusers. Pipelines are loaded once and
kept, keyed by (weights fingerprint, dtype, device), the ``max_pipelines`` most recently used
(default 2): the least recently used one is closed when another is loaded. The scheduler is
rebuilt for every job from its name or from a recorded class and config, so a cached pipeline
never carries one job's scheduler into the next.
"""

from __future__ import annotations

import gc
import json
import os
import platform
from collections import OrderedDict
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import inspect  # noqa: E402

import diffusers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from diffusers.utils import logging as diffusers_logging  # noqa: E402

from pressroom.domain import families, samplers  # noqa: E402
from pressroom.engines.base import Job, Output  # noqa: E402
from pressroom.errors import EngineError, InputError, ModelError  # noqa: E402

if TYPE_CHECKING:
    from pressroom.store.resolver import Resolver

diffusers_logging.set_verbosity_error()
diffusers_logging.disable_progress_bar()
transformers.logging.set_verbosity_error()
transformers.logging.disable_progress_bar()

DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def resolve_device(device: str) -> str:
    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("device cuda asked for, but torch sees no CUDA GPU; use device cpu or auto", field="device")
    if device == "mps" and not torch.backends.mps.is_available():
        raise InputError("device mps asked for, but this machine has no MPS; use device cpu or auto", field="device")
    return device


def resolve_dtype(dtype: str, device: str) -> str:
    if dtype == "auto":
        return "float32" if device == "cpu" else "float16"
    return dtype


def device_name(device: str) -> str:
    if device == "cuda":
        return torch.cuda.get_device_name(0)
    if device == "mps":
        return f"Apple MPS ({platform.machine()})"
    return f"CPU {platform.machine()} ({platform.processor() or 'unknown'}), {torch.get_num_threads()} threads"


def set_determinism() -> dict[str, Any]:
    """Turn off the nondeterministic fast paths we control, and report every flag that matters."""
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return {
        "cudnn_deterministic": torch.backends.cudnn.deterministic,
        "cudnn_benchmark": torch.backends.cudnn.benchmark,
        "tf32_matmul": torch.backends.cuda.matmul.allow_tf32,
        "tf32_cudnn": torch.backends.cudnn.allow_tf32,
        "deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
        "cublas_workspace_config": os.environ.get("CUBLAS_WORKSPACE_CONFIG", ""),
    }


def _plain(config: Any) -> dict[str, Any]:
    """A scheduler config as plain JSON values, private keys (``_class_name`` ...) dropped."""
    return json.loads(json.dumps({k: v for k, v in dict(config).items() if not k.startswith("_")}, default=list))


def build_scheduler(pipeline, job: Job):
    if job.scheduler_class and job.scheduler_config is not None:
        cls = getattr(diffusers, job.scheduler_class, None)
        if cls is None:
            raise EngineError(f"diffusers {diffusers.__version__} has no scheduler class {job.scheduler_class!r}")
        return cls.from_config(job.scheduler_config)
    if job.scheduler == "default":  # the model's own scheduler, as it ships
        cls = getattr(diffusers, pipeline._pressroom_model_scheduler["_class_name"])
        return cls.from_config(pipeline._pressroom_model_scheduler)
    sampler = samplers.get(job.scheduler)
    cls = getattr(diffusers, sampler.class_name)
    # start from the model's own scheduler config, never from what an earlier job put there
    return cls.from_config(pipeline._pressroom_model_scheduler, **sampler.overrides)


def _absent(folder) -> dict[str, None]:
    """Components the model folder leaves out on purpose (SD3 without T5: ``text_encoder_3: [null, null]``)."""
    try:
        index = json.loads((folder / "model_index.json").read_text())
    except (OSError, ValueError):
        return {}
    return {
        name: None
        for name, value in index.items()
        if not name.startswith("_") and isinstance(value, list) and all(v is None for v in value)
    }


def family_of(pipeline) -> families.Family:
    return families.of_pipeline(type(pipeline).__name__)


def size_multiple(pipeline) -> int:
    """What width and height must be multiples of: the latent factor times the latent patch."""
    family = family_of(pipeline)
    factor = int(getattr(pipeline, "vae_scale_factor", 8) or 8)
    if family.name == "flux":
        return factor * 2  # the transformer packs 2x2 latent patches
    if family.name == "sd3":
        return factor * int(pipeline.transformer.config.patch_size)
    return max(8, factor)


def variant(pipeline) -> str:
    """FLUX.1's variant, "dev" or "schnell", from the loaded transformer; "" for other families."""
    config = getattr(getattr(pipeline, "transformer", None), "config", None)
    return families.variant(family_of(pipeline), getattr(config, "guidance_embeds", True))


def t5_tokens(pipeline, job: Job) -> int:
    """The T5 tokens the pipeline is given (``max_sequence_length``): the job's (its recipe's), or,
    for a recipe that records none, the model's own number (``families.t5_tokens``)."""
    if job.max_sequence_length is not None:
        return job.max_sequence_length
    return families.t5_tokens(family_of(pipeline), variant(pipeline))


def check_job(pipeline, job: Job) -> None:
    """Refuse a job the loaded model cannot run as asked: size, scheduler, negative prompt, T5 tokens."""
    family = family_of(pipeline)
    if (
        job.max_sequence_length is not None
        and "max_sequence_length" not in inspect.signature(pipeline.__call__).parameters
    ):
        raise InputError(
            f"the recipe's max_sequence_length {job.max_sequence_length} is a number of T5 tokens, which "
            f"SD3 and FLUX pipelines take; a {type(pipeline).__name__} takes none, so remove it from the card",
            field="max_sequence_length",
        )
    if job.mode in ("text", "refine", "inpaint"):
        families.check_size(job.width, job.height, size_multiple(pipeline), family)
    if job.scheduler_class is not None:
        if family.flow and not job.scheduler_class.startswith("FlowMatch"):
            raise InputError(
                f"the card's scheduler {job.scheduler_class} cannot drive a {family.label} model "
                f"(it samples by flow matching); use the model's own: scheduler {families.DEFAULT_SCHEDULER}",
                field="scheduler",
            )
    else:
        families.check_scheduler(job.scheduler, family)
    for negative in job.negatives:
        families.check_negative(negative, family)


@contextmanager
def applied_loras(pipeline, job: Job, resolver: Resolver):
    """The job's LoRAs loaded into the (cached) pipeline at their weights for this call only, and
    taken out again after it, so the next job runs on the bare model."""
    if not job.loras:
        yield
        return
    if not hasattr(pipeline, "load_lora_weights"):
        raise InputError(f"a {type(pipeline).__name__} takes no LoRAs; generate without them", field="lora")
    adapters = [f"lora{index}_{lora.sha256[:12]}" for index, lora in enumerate(job.loras)]
    try:
        for adapter, lora in zip(adapters, job.loras):
            try:
                pipeline.load_lora_weights(str(resolver.lora(lora)), adapter_name=adapter)
            except (OSError, ValueError, KeyError, RuntimeError) as exc:
                raise ModelError(f"LoRA {lora.name!r} does not fit this model: {exc}") from exc
        pipeline.set_adapters(adapters, [lora.weight for lora in job.loras])
        yield
    finally:
        pipeline.unload_lora_weights()


def reference(job: Job, role: str):
    return next((r for r in job.conditioning if r.role == role), None)


@contextmanager
def applied_ip_adapter(pipeline, job: Job, resolver: Resolver):
    """The job's IP-Adapter (and its image encoder) loaded into the cached pipeline at its scale for
    this call only; yields the reference image, or None when the job has no IP-Adapter."""
    found = reference(job, "ip-adapter")
    if found is None:
        yield None
        return
    family = family_of(pipeline)
    if family.name not in ("sd", "sdxl") or not hasattr(pipeline, "load_ip_adapter"):
        raise InputError(
            f"a {family.label} model takes no IP-Adapter of the UNet kind; IP-Adapter references "
            "work on SD 1.x/2.x and SDXL",
            field="reference",
        )
    folder, weight_name = resolver.adapter(found.adapter)
    had_extractor = getattr(pipeline, "feature_extractor", None) is not None
    try:
        try:
            pipeline.load_ip_adapter(
                str(folder),
                subfolder="",
                weight_name=weight_name,
                local_files_only=True,
                image_encoder_folder="image_encoder",
            )
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise ModelError(f"IP-Adapter {found.adapter.name!r} does not fit this model: {exc}") from exc
        pipeline.set_ip_adapter_scale(found.weight)
        yield resolver.image(found.image_sha256).convert("RGB")
    finally:
        if getattr(pipeline, "image_encoder", None) is not None:
            pipeline.unload_ip_adapter()
        if not had_extractor and getattr(pipeline, "feature_extractor", None) is not None:
            pipeline.feature_extractor = None  # the next adapter's encoder may read another size
            pipeline.register_to_config(feature_extractor=[None, None])


def _load_controlnet(folder, dtype: str, device: str):
    config = json.loads((folder / "config.json").read_text())
    cls = getattr(diffusers, config.get("_class_name", ""), None)
    if cls is None:
        raise ModelError(f"diffusers {diffusers.__version__} has no ControlNet class {config.get('_class_name')!r}")
    try:
        return cls.from_pretrained(str(folder), local_files_only=True, torch_dtype=DTYPES[dtype]).to(device)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"cannot load the ControlNet at {folder}: {exc}") from exc


def _load(job: Job, resolver: Resolver, dtype: str, device: str):
    weights = resolver.weights(job.model)
    kwargs = {"dtype": DTYPES[dtype]}
    try:
        if job.model.format == "single_file":
            if weights.config is None:
                raise ModelError(
                    f"{weights.path} is a single-file checkpoint and no local config folder is known; "
                    "register the model again with its config folder",
                    field="config",
                )
            index = json.loads((weights.config / "model_index.json").read_text())
            cls = getattr(diffusers, index["_class_name"])
            pipeline = cls.from_single_file(
                str(weights.path), config=str(weights.config), local_files_only=True, **kwargs
            )
        else:
            pipeline = diffusers.DiffusionPipeline.from_pretrained(
                str(weights.path), local_files_only=True, **kwargs, **_absent(weights.path)
            )
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"cannot load the model at {weights.path}: {exc}") from exc
    pipeline.set_progress_bar_config(disable=True)
    object.__setattr__(pipeline, "_pressroom_model_scheduler", pipeline.scheduler.config)
    return pipeline.to(device)


def _release(device: str) -> None:
    """Give the memory of pipelines just dropped back (to the GPU's allocator, where there is one)."""
    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()


class DiffusersEngine:
    name = "diffusers"

    def __init__(self, max_pipelines: int = 2) -> None:
        if max_pipelines < 1:
            raise InputError(f"max_pipelines must be at least 1 (got {max_pipelines})")
        self.max_pipelines = max_pipelines
        self._pipelines: OrderedDict[tuple[str, str, str], Any] = OrderedDict()
        self._controlnets: OrderedDict[tuple[str, str, str], Any] = OrderedDict()

    def pipeline(self, job: Job, resolver: Resolver, dtype: str, device: str):
        """The job's pipeline: the cached one (now the most recently used), or a newly loaded one."""
        if job.fresh:
            return _load(job, resolver, dtype, device)
        key = (job.model.fingerprint, dtype, device)
        if key in self._pipelines:
            self._pipelines.move_to_end(key)
            return self._pipelines[key]
        pipeline = _load(job, resolver, dtype, device)
        self._pipelines[key] = pipeline
        while len(self._pipelines) > self.max_pipelines:
            (_, _, evicted_device), _ = self._pipelines.popitem(last=False)
            _release(evicted_device)
        return pipeline

    def controlnet(self, job: Job, resolver: Resolver, dtype: str, device: str):
        """The job's ControlNet, loaded once and kept like a pipeline (the ``max_pipelines`` last used)."""
        adapter = reference(job, "controlnet").adapter
        key = (adapter.fingerprint, dtype, device)
        folder, _ = resolver.adapter(adapter)  # checked on every job, cached or not
        if key not in self._controlnets or job.fresh:
            self._controlnets[key] = _load_controlnet(folder, dtype, device)
            while len(self._controlnets) > self.max_pipelines:
                self._controlnets.popitem(last=False)
        self._controlnets.move_to_end(key)
        return self._controlnets[key]

    def conditioned(self, pipeline, job: Job, resolver: Resolver, dtype: str, device: str, arguments: dict):
        """The pipeline a text job with img2img or ControlNet references runs on, and their images
        put into ``arguments``: the img2img reference at the job's size (the output takes its size)."""
        start, control = reference(job, "img2img"), reference(job, "controlnet")
        if start is None and control is None:
            return pipeline
        count = len(job.seeds)
        auto = diffusers.AutoPipelineForImage2Image if start else diffusers.AutoPipelineForText2Image
        extra = {"controlnet": self.controlnet(job, resolver, dtype, device)} if control else {}
        try:
            runner = auto.from_pipe(pipeline, **extra)
        except (ValueError, KeyError) as exc:
            what = " and ".join(r for r, on in (("img2img", start), ("ControlNet", control)) if on)
            raise InputError(
                f"a {family_of(pipeline).label} model cannot take this {what} reference: {exc}", field="reference"
            ) from None
        from PIL import Image

        if start is not None:
            image = resolver.image(start.image_sha256).convert("RGB")
            image = image.resize((job.width, job.height), Image.Resampling.LANCZOS)
            arguments.update(image=[image] * count, strength=start.weight)
        if control is not None:
            image = resolver.image(control.control_sha256).convert("RGB")  # at the job's size, like the start
            named = "control_image" if "control_image" in inspect.signature(runner.__call__).parameters else "image"
            arguments[named] = image.resize((job.width, job.height), Image.Resampling.LANCZOS)
            arguments["controlnet_conditioning_scale"] = control.weight
        return runner

    def close(self) -> None:
        devices = {key[2] for key in self._pipelines}
        self._pipelines.clear()
        self._controlnets.clear()
        for device in devices:
            _release(device)

    def environment(self, pipeline, device: str, determinism: dict[str, Any]) -> dict[str, Any]:
        from pressroom import __version__

        processors = getattr(
            getattr(pipeline, "unet", None) or getattr(pipeline, "transformer", None), "attn_processors", {}
        )
        return {
            "python": platform.python_version(),
            "pressroom": __version__,
            "torch": torch.__version__,
            "diffusers": diffusers.__version__,
            "transformers": transformers.__version__,
            "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
            "device_name": device_name(device),
            "attention": ",".join(sorted({type(p).__name__ for p in processors.values()})),
            "determinism": determinism,
        }

    def token_warnings(self, pipeline, prompt: str, t5_limit: int) -> list[str]:
        """One warning per text encoder that drops the prompt's tail, each counted with its own
        tokenizer against its own limit (CLIP 77; T5 ``t5_limit``, the tokens the pipeline is given)."""
        if not prompt:
            return []
        warnings, seen = [], set()
        for name in ("tokenizer", "tokenizer_2", "tokenizer_3"):
            tokenizer = getattr(pipeline, name, None)
            if tokenizer is None:
                continue
            t5 = type(tokenizer).__name__.startswith("T5")
            kind = "T5" if t5 else "CLIP"
            limit = t5_limit if t5 else tokenizer.model_max_length
            ids = tokenizer(prompt, truncation=False).input_ids
            if len(ids) <= limit or (kind, limit) in seen:
                continue
            seen.add((kind, limit))
            kept = tokenizer.decode(ids[(0 if t5 else 1) : limit - 1])
            warnings.append(
                f"prompt is {len(ids)} tokens; the text encoder sees {limit} ({kind}), so the tail "
                f"after {kept[-40:]!r} is dropped there"
            )
        return warnings

    def run(self, job: Job, resolver: Resolver) -> Output:
        device = resolve_device(job.device)
        dtype = resolve_dtype(job.dtype, device)
        determinism = set_determinism()
        pipeline = self.pipeline(job, resolver, dtype, device)
        check_job(pipeline, job)
        pipeline.scheduler = build_scheduler(pipeline, job)
        generators = [torch.Generator("cpu").manual_seed(seed) for seed in job.seeds]
        arguments = dict(
            prompt=list(job.prompts),
            num_inference_steps=job.steps,
            guidance_scale=job.guidance,
            generator=generators,
            output_type="pil",
        )
        if family_of(pipeline).negative:
            arguments["negative_prompt"] = list(job.negatives)
        count = len(job.seeds)
        parent = resolver.image(job.parent).convert("RGB") if job.parent else None
        # the IP-Adapter goes into the cached pipeline before a runner is derived from it, so the
        # runner shares its image encoder; both come out again after the call
        with applied_loras(pipeline, job, resolver), applied_ip_adapter(pipeline, job, resolver) as look:
            if look is not None:
                arguments["ip_adapter_image"] = look
            runner = pipeline
            if job.mode == "refine":
                runner = diffusers.AutoPipelineForImage2Image.from_pipe(pipeline)
                arguments.update(image=[parent] * count, strength=job.strength)
            elif job.mode == "inpaint":
                runner = diffusers.AutoPipelineForInpainting.from_pipe(pipeline)
                mask = resolver.image(job.mask).convert("L")
                arguments.update(image=[parent] * count, mask_image=[mask] * count, strength=job.strength)
            elif job.mode == "upscale":  # the model is a diffusers upscaler
                arguments.update(image=[parent] * count, noise_level=job.noise_level)
            else:
                runner = self.conditioned(pipeline, job, resolver, dtype, device, arguments)
            accepted = inspect.signature(runner.__call__).parameters
            if job.mode != "upscale" and "width" in accepted:  # refine and inpaint keep the job's (the parent's) size
                arguments.update(width=job.width, height=job.height)
            if "max_sequence_length" in accepted:  # SD3 (with or without T5: it pads to it) and FLUX
                arguments["max_sequence_length"] = t5_tokens(pipeline, job)
            runner.set_progress_bar_config(disable=True)
            try:
                result = runner(**arguments)
            except (RuntimeError, ValueError) as exc:
                raise EngineError(f"generation failed: {exc}") from exc
        images = list(result.images)
        if job.mode == "upscale" and images[0].size != (parent.width * job.factor, parent.height * job.factor):
            raise EngineError(
                f"the upscaler made {images[0].width}x{images[0].height} from "
                f"{parent.width}x{parent.height}, not the {job.factor}x the job asks for"
            )
        if job.mode != "upscale" and images[0].size != (job.width, job.height):
            raise EngineError(
                f"the {type(runner).__name__} made {images[0].width}x{images[0].height}, not the "
                f"{job.width}x{job.height} the job asks for; nothing was stored"
            )
        return Output(
            images=images,
            warnings=[self.token_warnings(pipeline, p, t5_tokens(pipeline, job)) for p in job.prompts],
            scheduler_class=type(pipeline.scheduler).__name__,
            scheduler_config=_plain(pipeline.scheduler.config),
            dtype=dtype,
            device=device,
            environment=self.environment(pipeline, device, determinism),
            max_sequence_length=arguments.get("max_sequence_length"),
            ignored=families.ignored(family_of(pipeline), variant(pipeline), job.guidance),
        )


__all__ = ["DiffusersEngine"]
