"""Train pressroom's built-in ``sketch`` model: `python scripts/train_sketch.py [--steps N] [--out DIR]`.

The model is a Stable Diffusion pipeline (so img2img and inpainting work on it as on any SD
model) made small enough to train on a laptop CPU:

- the "autoencoder" is an AutoencoderKL whose weights are set by hand, not trained: it encodes an
  image as its 4x4 box average (RGB in the first three latent channels, zero in the fourth) and
  decodes by 4x nearest-neighbour enlargement. Group norms are kept exact by pairing each channel
  with its negative and a large constant (silu(z) - silu(-z) = z), so it is a true pixel-space model
  at a quarter of the output size: a 128x128 image is drawn as 32x32.
- the UNet is a small UNet2DConditionModel trained from scratch on that 32x32 space;
- the text encoder is a small CLIP text model trained with it; its tokenizer is built from the
  captions' vocabulary (whole words as single tokens, anything else spelt in bytes).

The data are made on the fly by sketch_data.py from the Noto colour emoji font. Training starts
from a fixed seed, logs its progress, and writes a diffusers folder (DiffusionPipeline.from_pretrained
loads it) with a training card, training_card.md, naming the data recipe, hyperparameters, steps,
time, device and the SHA-256 of every file it wrote. The exported weights are the exponential
moving average of the trained ones.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sketch_data  # noqa: E402

SEED = 20261122
REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "src" / "pressroom" / "builtin" / "sketch"
K = 100.0  # the constant that keeps the autoencoder's group norms linear

HYPER = {
    "seed": SEED,
    "batch_size": 32,
    "learning_rate": 8e-4,
    "warmup_steps": 25,
    "final_lr_fraction": 0.1,
    "weight_decay": 0.01,
    "ema_decay": 0.995,
    "caption_dropout": 0.1,
    "train_timesteps": 1000,
    "beta_schedule": "linear",
    "beta_start": 1e-4,
    "beta_end": 0.02,
    "prediction_type": "v_prediction",  # an under-trained v model draws blurred pictures, an epsilon one noise
    "unet_channels": [32, 64, 128, 128],
    "text_hidden": 128,
    "text_layers": 2,
    "threads": 1,
    "max_tokens": 48,
    "saved_dtype": "float16",
}


def build_tokenizer():
    from pressroom.engines import tiny

    tokenizer = tiny.build_tokenizer(sorted(set(sketch_data.vocabulary()) | set(tiny.WORDS)))
    tokenizer.model_max_length = HYPER["max_tokens"]  # the captions are short: a shorter context is cheaper
    return tokenizer


def build_autoencoder():
    """The hand-set 4x box-down / nearest-up autoencoder (see the module's docstring)."""
    from diffusers import AutoencoderKL

    channels = 8  # r g b, -r -g -b, K, -K
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        latent_channels=4,
        layers_per_block=1,
        norm_num_groups=1,
        block_out_channels=(channels,) * 3,
        down_block_types=("DownEncoderBlock2D",) * 3,
        up_block_types=("UpDecoderBlock2D",) * 3,
        sample_size=128,
        scaling_factor=1.0,
    )
    with torch.no_grad():
        for parameter in vae.parameters():
            parameter.zero_()

        def spread(conv, inputs: int):  # latent or RGB -> (x, -x, K, -K), centre tap only
            for c in range(3):
                conv.weight[c, c, 1, 1] = 1.0
                conv.weight[c + 3, c, 1, 1] = -1.0
            conv.bias[6], conv.bias[7] = K, -K

        def gather(norm, conv, outputs: int):  # GroupNorm (scale restored) -> silu -> x = silu(x) - silu(-x)
            norm.weight.fill_(K / 2)
            for c in range(3):
                conv.weight[c, c, 1, 1] = 1.0
                conv.weight[c, c + 3, 1, 1] = -1.0

        spread(vae.encoder.conv_in, 3)
        for block in vae.encoder.down_blocks:
            for down in block.downsamplers or []:
                for c in range(channels):  # pad right/bottom, 3x3 stride 2: the top-left 2x2 taps average
                    down.conv.weight[c, c, :2, :2] = 0.25
        gather(vae.encoder.conv_norm_out, vae.encoder.conv_out, 8)
        vae.encoder.conv_out.bias[4:].fill_(-30.0)  # log-variance: sampling adds no noise
        for c in range(8):
            vae.quant_conv.weight[c, c, 0, 0] = 1.0
        for c in range(4):
            vae.post_quant_conv.weight[c, c, 0, 0] = 1.0
        spread(vae.decoder.conv_in, 4)
        for block in vae.decoder.up_blocks:
            for up in block.upsamplers or []:
                for c in range(channels):
                    up.conv.weight[c, c, 1, 1] = 1.0
        gather(vae.decoder.conv_norm_out, vae.decoder.conv_out, 3)
    return vae


def build_unet():
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        sample_size=sketch_data.SIZE,
        in_channels=4,
        out_channels=4,
        layers_per_block=1,
        block_out_channels=tuple(HYPER["unet_channels"]),
        down_block_types=("DownBlock2D", "DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D", "UpBlock2D"),
        cross_attention_dim=HYPER["text_hidden"],
        attention_head_dim=64,
        norm_num_groups=32,
    )


def build_text_encoder(tokenizer):
    from transformers import CLIPTextConfig, CLIPTextModel

    return CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
            hidden_size=HYPER["text_hidden"],
            intermediate_size=HYPER["text_hidden"] * 2,
            num_attention_heads=4,
            num_hidden_layers=HYPER["text_layers"],
            vocab_size=len(tokenizer),
            max_position_embeddings=HYPER["max_tokens"],
        )
    )


def schedulers():
    from diffusers import DDPMScheduler, DPMSolverMultistepScheduler

    common = dict(
        num_train_timesteps=HYPER["train_timesteps"],
        beta_schedule=HYPER["beta_schedule"],
        beta_start=HYPER["beta_start"],
        beta_end=HYPER["beta_end"],
        prediction_type=HYPER["prediction_type"],
    )
    # dynamic thresholding keeps each step's estimate of the picture inside [-1, 1], as pixel-space models need
    return DDPMScheduler(**common), DPMSolverMultistepScheduler(
        **common, algorithm_type="dpmsolver++", solver_order=2, thresholding=True, sample_max_value=1.0
    )


def to_tensor(images) -> torch.Tensor:
    """Pictures at the working size as the model's 4-channel latents (RGB in [-1, 1], then a zero)."""
    array = np.stack([np.asarray(im, dtype=np.float32) for im in images]) / 127.5 - 1.0
    rgb = torch.from_numpy(array).permute(0, 3, 1, 2)
    return torch.cat([rgb, torch.zeros_like(rgb[:, :1])], dim=1)


def token_ids(tokenizer, captions: list[str]) -> torch.Tensor:
    return tokenizer(
        captions, padding="max_length", max_length=tokenizer.model_max_length, truncation=True, return_tensors="pt"
    ).input_ids


class Batches(torch.utils.data.IterableDataset):
    """Endless training batches: (pictures as latents, caption token ids).

    Without data workers the pictures come from one generator seeded with SEED; with workers (on a
    GPU the pictures must be drawn in parallel to keep up), worker i draws from SEED + 1000 (i + 1),
    and the loader takes their batches in turn, so a run is fixed by its seed and worker count."""

    def __init__(self, batch_size: int) -> None:
        super().__init__()
        self.batch_size = batch_size

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        rng = random.Random(SEED if info is None else SEED + 1000 * (info.id + 1))
        renderer = sketch_data.Renderer()
        subjects = [s for s in sketch_data.subjects() if renderer.draws(s.char)]
        tokenizer = build_tokenizer()
        while True:
            pairs = [sketch_data.sample(rng, renderer, subjects) for _ in range(self.batch_size)]
            captions = [("" if rng.random() < HYPER["caption_dropout"] else p[1]) for p in pairs]
            yield to_tensor([p[0] for p in pairs]), token_ids(tokenizer, captions)


def pipeline_of(unet, text_encoder, tokenizer, vae, scheduler):
    from diffusers import StableDiffusionPipeline

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


def repeat_command(card: dict) -> str:
    """The command that trains these weights again, read from the card's own record of the run."""
    h = card["hyperparameters"]
    words = ["python scripts/train_sketch.py", f"--steps {card['schedule_steps']}"]
    if card["steps"] != card["schedule_steps"]:
        words.append(f"--stop-after {card['steps']}")
    words += [
        f"--batch-size {h['batch_size']}",
        f"--learning-rate {h['learning_rate']:g}",
        f"--warmup-steps {h['warmup_steps']}",
        f"--ema-decay {h['ema_decay']:g}",
    ]
    if "data_workers" in h:
        words.append(f"--workers {h['data_workers']}")
    words.append("--device " + ("cuda" if card["device"].startswith("GPU") else "cpu"))
    return " ".join(words)


def card_text(card: dict) -> str:
    return "\n".join(
        [
            "# The sketch model: training card",
            "",
            f"Written by scripts/train_sketch.py. Repeat with `{repeat_command(card)}` (the same seed, "
            "data recipe and hyperparameters; on another device the weights differ by float rounding).",
            "",
            "```json",
            json.dumps(card, indent=2),
            "```",
            "",
        ]
    )


def export(out: Path, pipeline, card: dict) -> dict[str, str]:
    """Write the pipeline folder and its training card; return the SHA-256 of every file written."""
    from pressroom.store.assets import sha256_file

    staging = out.with_name(out.name + ".writing")
    if staging.exists():
        import shutil

        shutil.rmtree(staging)
    pipeline.to(getattr(torch, HYPER["saved_dtype"]))  # half the size; the engine loads it as float32
    pipeline.save_pretrained(staging, safe_serialization=True)
    hashes = {p.relative_to(staging).as_posix(): sha256_file(p) for p in sorted(staging.rglob("*")) if p.is_file()}
    (staging / "training_card.md").write_text(card_text({**card, "files": hashes}))
    if out.exists():
        import shutil

        shutil.rmtree(out)
    staging.rename(out)
    return hashes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=170)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--stop-after",
        type=int,
        default=None,
        help="export and stop after N steps of the --steps schedule (the learning rate follows --steps)",
    )
    parser.add_argument("--save-every", type=int, default=100, help="export the EMA weights every N steps")
    parser.add_argument("--log-every", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=HYPER["batch_size"], help="(the tests train a 1-step model)")
    parser.add_argument("--learning-rate", type=float, default=HYPER["learning_rate"])
    parser.add_argument("--warmup-steps", type=int, default=HYPER["warmup_steps"])
    parser.add_argument("--ema-decay", type=float, default=HYPER["ema_decay"])
    parser.add_argument(
        "--device",
        default="cuda" if torch.cuda.is_available() else "cpu",
        help="cuda (the default where there is one) or cpu",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes drawing the training pictures (default: none on the CPU, 12 on a GPU)",
    )
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    workers = args.workers if args.workers is not None else (12 if device.type == "cuda" else 0)
    HYPER.update(
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        warmup_steps=args.warmup_steps,
        ema_decay=args.ema_decay,
        data_workers=workers,
        precision="bfloat16 autocast" if device.type == "cuda" else "float32",
    )

    import diffusers
    import transformers

    torch.set_num_threads(HYPER["threads"])
    torch.manual_seed(SEED)
    noise_gen = torch.Generator(device).manual_seed(SEED + 1)
    started = time.time()
    renderer = sketch_data.Renderer()
    subjects = [s for s in sketch_data.subjects() if renderer.draws(s.char)]
    tokenizer = build_tokenizer()
    vae = build_autoencoder()
    torch.manual_seed(SEED + 2)
    unet = build_unet().to(device)
    text_encoder = build_text_encoder(tokenizer).to(device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    batches = iter(
        torch.utils.data.DataLoader(
            Batches(HYPER["batch_size"]),
            batch_size=None,
            num_workers=workers,
            pin_memory=device.type == "cuda",
            prefetch_factor=4 if workers else None,
        )
    )
    train_scheduler, sample_scheduler = schedulers()
    trained = list(unet.parameters()) + list(text_encoder.parameters())
    ema = [p.detach().clone() for p in trained]
    optimiser = torch.optim.AdamW(trained, lr=HYPER["learning_rate"], weight_decay=HYPER["weight_decay"])
    n_unet = sum(p.numel() for p in unet.parameters())
    n_text = sum(p.numel() for p in text_encoder.parameters())
    print(
        f"sketch: {len(subjects)} subjects, vocabulary {len(tokenizer)} tokens, UNet {n_unet / 1e6:.2f}M "
        f"and text encoder {n_text / 1e6:.2f}M parameters; {args.steps} steps of {HYPER['batch_size']}",
        flush=True,
    )

    def lr_at(step: int) -> float:
        if step < HYPER["warmup_steps"]:
            return HYPER["learning_rate"] * (step + 1) / HYPER["warmup_steps"]
        progress = (step - HYPER["warmup_steps"]) / max(1, args.steps - HYPER["warmup_steps"])
        low = HYPER["final_lr_fraction"]
        return HYPER["learning_rate"] * (low + (1 - low) * 0.5 * (1 + math.cos(math.pi * progress)))

    def card(step: int) -> dict:
        return {
            "model": "sketch",
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "steps": step,
            "schedule_steps": args.steps,
            "seconds": round(time.time() - started),
            "samples_seen": step * HYPER["batch_size"],
            "device": (
                f"GPU {torch.cuda.get_device_name(device)}, CUDA {torch.version.cuda}, "
                if device.type == "cuda"
                else "CPU, "
            )
            + f"{platform.machine()} ({platform.processor() or 'unknown'}), "
            f"{torch.get_num_threads()} threads, {os.cpu_count()} cores",
            "python": platform.python_version(),
            "torch": torch.__version__,
            "diffusers": diffusers.__version__,
            "transformers": transformers.__version__,
            "hyperparameters": HYPER,
            "parameters": {"unet": n_unet, "text_encoder": n_text},
            "data": {
                "font": str(sketch_data.FONT),
                "font_sha256": sketch_data.font_sha256(),
                "font_licence": "SIL Open Font License 1.1 (font), Apache-2.0 (artwork)",
                "working_size": sketch_data.SIZE,
                "subjects": len(subjects),
                "subjects_by_kind": {k: sum(1 for s in subjects if s.kind == k) for k in sketch_data.KINDS},
                "backgrounds": list(sketch_data.BACKGROUNDS),
                "scenes": list(sketch_data.SCENES),
                "positions": list(sketch_data.POSITIONS),
                "scales": sketch_data.SCALES,
                "colours": list(sketch_data.COLOURS) + list(sketch_data.GREYS),
                "held_out": "(subject, background, position) combinations with sketch_data.held_out true",
                "recipe": "sketch_data.sample: subject (15% from the shoes), background (75% colour, 25% scene), "
                "position, scale, 40% recoloured, small jitter; clauses sometimes left out; "
                "extra prompt words 25%",
            },
        }

    def save(step: int) -> None:
        import copy

        frozen_unet, frozen_text = (
            copy.deepcopy(unet).cpu(),
            copy.deepcopy(text_encoder).cpu(),
        )  # the live ones train on
        frozen = list(frozen_unet.parameters()) + list(frozen_text.parameters())
        with torch.no_grad():
            for p, e in zip(frozen, ema):
                p.copy_(e.cpu())
        pipeline = pipeline_of(frozen_unet, frozen_text, tokenizer, copy.deepcopy(vae), sample_scheduler)
        hashes = export(args.out, pipeline, card(step))
        size = sum((args.out / f).stat().st_size for f in hashes)
        print(f"saved step {step} to {args.out} ({size / 1e6:.1f} MB)", flush=True)

    unet.train()
    text_encoder.train()
    running = torch.zeros((), device=device)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")
    last = min(args.steps, args.stop_after or args.steps)
    for step in range(last):
        x0, ids = (tensor.to(device, non_blocking=True) for tensor in next(batches))
        t = torch.randint(0, HYPER["train_timesteps"], (len(x0),), generator=noise_gen, device=device)
        noise = torch.randn(x0.shape, generator=noise_gen, device=device)
        noisy = train_scheduler.add_noise(x0, noise, t)
        with autocast:
            hidden = text_encoder(ids)[0]
            predicted = unet(noisy, t, encoder_hidden_states=hidden).sample
        target = train_scheduler.get_velocity(x0, noise, t)
        per_sample = F.mse_loss(predicted.float(), target, reduction="none").mean(dim=(1, 2, 3))
        loss = per_sample.mean()  # plain v loss: the noisiest steps, where a picture's layout is set, count fully
        for group in optimiser.param_groups:
            group["lr"] = lr_at(step)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained, 1.0)
        optimiser.step()
        decay = min(HYPER["ema_decay"], (1 + step) / (10 + step))
        with torch.no_grad():
            torch._foreach_lerp_(ema, [p.detach() for p in trained], 1 - decay)
        running += loss.detach()
        if (step + 1) % args.log_every == 0:
            spent = time.time() - started
            print(
                f"step {step + 1}/{args.steps} loss {running.item() / args.log_every:.4f} lr {lr_at(step):.2e} "
                f"{spent:.0f}s elapsed, about {spent / (step + 1) * (last - step - 1):.0f}s to go",
                flush=True,
            )
            running.zero_()
        if (step + 1) % args.save_every == 0 and step + 1 < last:
            save(step + 1)
    save(last)
    print(f"done: {last} steps in {time.time() - started:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
