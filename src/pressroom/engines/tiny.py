"""The built-in ``tiny`` model: a Stable Diffusion pipeline small enough for a laptop CPU.

Same architecture as SD 1.x — UNet2DConditionModel, an AutoencoderKL with four blocks (the
usual 8x latent factor), a CLIP text encoder and a CLIP BPE tokenizer — at toy width, with
random weights drawn from fixed seeds. Its images are noise-like: it is there so that every
play can be run and tested offline, not to make pictures anyone would keep.

The tokenizer is built without files: byte-level characters plus merges that turn a short
list of common prompt words into single tokens, so the 77-token limit means roughly what it
means for a real CLIP tokenizer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pressroom.errors import ModelError
from pressroom.store import models, scratch

if TYPE_CHECKING:
    from pressroom.store.studio import Studio

SEED = 20261121
VERSION = 1  # bump when the architecture or the seed changes: old cards keep their hashes

WORDS = """a an the of in on at with and for from by to under over near photo photograph
portrait studio light lighting soft hard warm cool golden hour natural product shot close up
wide angle lens 35mm 50mm 85mm macro bokeh background white black red blue green yellow orange
purple pink brown grey gold silver colour color palette minimal clean bright dark moody
cinematic editorial fashion food drink bottle can shoe shoes bag watch chair table room city
street beach forest mountain sky sea water sun snow rain night day morning evening fox cat dog
bird person hands face logo text sharp focus detailed high quality render illustration
painting watercolor oil sketch flat vector 3d isometric poster campaign social style
composition centered symmetrical rule thirds top view side view low angle copy space
blurry lowres deformed extra fingers watermark signature ugly noise""".split()


def _bytes_to_unicode() -> dict[int, str]:
    """CLIP's reversible byte-to-printable-character table."""
    printable = (
        list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    )
    chars = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, chars)))


def build_tokenizer(words: list[str] | None = None):
    """A CLIP tokenizer whose ``words`` (default: ``WORDS``) are single tokens; the sketch model's
    training builds its own from its captions' vocabulary."""
    from transformers import CLIPTokenizer

    symbols = list(_bytes_to_unicode().values())
    vocab: dict[str, int] = {}
    for symbol in symbols + [s + "</w>" for s in symbols]:
        vocab.setdefault(symbol, len(vocab))
    merges: list[tuple[str, str]] = []
    for word in WORDS if words is None else words:
        pieces = list(word[:-1]) + [word[-1] + "</w>"]
        while len(pieces) > 1:
            merged = pieces[0] + pieces[1]
            rule = (pieces[0], pieces[1])
            if rule not in merges:
                merges.append(rule)
            vocab.setdefault(merged, len(vocab))
            pieces = [merged] + pieces[2:]
    for special in ("<|startoftext|>", "<|endoftext|>"):
        vocab.setdefault(special, len(vocab))
    return CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=77)


def build_pipeline(seed: int = SEED):
    """The pipeline; another ``seed`` gives other weights (a second model, for tests)."""
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    tokenizer = build_tokenizer()
    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=8,
        norm_num_groups=32,
    )
    torch.manual_seed(seed + 1)
    vae = AutoencoderKL(
        block_out_channels=(16, 16, 32, 32),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        latent_channels=4,
        layers_per_block=1,
        norm_num_groups=16,
        sample_size=64,
    )
    torch.manual_seed(seed + 2)
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
            hidden_size=32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            layer_norm_eps=1e-5,
            vocab_size=len(tokenizer),
            max_position_embeddings=77,
        )
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        num_train_timesteps=1000,
        steps_offset=1,
    )
    return StableDiffusionPipeline(
        unet=unet,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )


def save(target: Path, seed: int = SEED) -> Path:
    """Build the tiny pipeline and write it as a diffusers folder at ``target``."""
    from diffusers.utils import logging as diffusers_logging
    from huggingface_hub.utils import disable_progress_bars
    from transformers.utils import logging as transformers_logging

    for quiet in (
        diffusers_logging.disable_progress_bar,
        transformers_logging.disable_progress_bar,
        disable_progress_bars,
    ):
        quiet()
    pipeline = build_pipeline(seed)
    pipeline.save_pretrained(target, safe_serialization=True)
    return target


def folder(studio: Studio) -> Path:
    """Where the studio keeps the tiny model's weights (one folder per version)."""
    return studio.weights_dir / f"tiny-v{VERSION}"


def manifest(studio: Studio, files: dict[str, str] | None = None, stamps: dict | None = None) -> models.Manifest:
    """The tiny model's manifest: with its files' hashes once it is built, without them before."""
    made = files is not None
    return models.Manifest(
        name=models.TINY,
        format="diffusers",
        path=studio.relative(folder(studio)),
        license="Apache-2.0",
        commercial=True,
        size=256,
        family="sd",
        builtin=True,
        files=files or {},
        stamps=stamps or {},
        pipeline="StableDiffusionPipeline",  # what build_pipeline makes
        added_at=datetime.now(UTC).isoformat(timespec="seconds") if made else "",
        note="built-in: random weights from a fixed seed; its images are noise-like"
        + ("" if made else "; made in the studio the first time it is used (a few seconds)"),
    ).located(studio.root)


def ensure(studio: Studio) -> models.Manifest:
    """Build the built-in tiny model into the studio once, and register it like any other. Two
    processes that build it at once both succeed: the weights are the same (fixed seeds), and the
    second finds the first's already moved in."""
    path = models.REGISTRY.path(studio, models.TINY)
    if path.is_file():
        return models.REGISTRY.read(studio, path)
    target = folder(studio)
    if not target.is_dir():  # built in the temporary place and renamed in whole: a kill leaves no half model
        with scratch.folder(studio.root) as work:
            try:
                save(work / "tiny")
            except ImportError as exc:
                raise ModelError(
                    "the built-in tiny model needs the diffusers extra: pip install 'pressroom[diffusers]'"
                ) from exc
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                (work / "tiny").rename(target)
            except OSError:
                if not target.is_dir():  # not another process's tiny moved in first
                    raise
    made = manifest(studio, *models.hash_weights(target))
    models.REGISTRY.save(studio, made, replace=True)
    return made


models.BUILDERS[models.TINY] = models.Builtin(make=ensure, listed=manifest)
