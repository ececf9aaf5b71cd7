"""The model families at full size on a GPU: `python bench/families_gpu.py [--families sdxl,sd35,flux]`.

Each family's denoiser and autoencoder are built at their published full size with random weights
(from a fixed seed, straight on the GPU, in bfloat16; nothing is downloaded) and run through the
family's own diffusers pipeline as pressroom's engine runs it: one CPU generator per image, the
engine's determinism flags. Prompts enter as fixed random text embeddings of each family's shape,
so the text encoders (which run once per prompt) are not timed. For each family it prints:

- images per second, sequential (batch 1, one image after another) and batched (4 and 16 images a
  call), each after a warm-up call, at the same size and steps;
- how far each image of the batch of 4 is from its batch-of-one reproduction (the same seed, alone):
  the largest 8-bit pixel difference and how many of the 4 are identical.

`--tiny` runs the same code on toy-size configs on the CPU (to check the script, not to measure).
Results go to stdout and, with `--json FILE`, to a file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from pressroom.engines.diffusers_local import set_determinism  # noqa: E402

# Published configurations (the models' config.json files), abbreviated to what differs from the defaults.
FULL = {
    "sdxl": dict(
        unet=dict(
            sample_size=128,
            in_channels=4,
            out_channels=4,
            layers_per_block=2,
            block_out_channels=(320, 640, 1280),
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
            attention_head_dim=(5, 10, 20),
            transformer_layers_per_block=(1, 2, 10),
            cross_attention_dim=2048,
            use_linear_projection=True,
            addition_embed_type="text_time",
            addition_time_embed_dim=256,
            projection_class_embeddings_input_dim=2816,
        ),
        vae=dict(
            block_out_channels=(128, 256, 512, 512),
            latent_channels=4,
            layers_per_block=2,
            sample_size=1024,
            scaling_factor=0.13025,
            down_block_types=("DownEncoderBlock2D",) * 4,
            up_block_types=("UpDecoderBlock2D",) * 4,
        ),
        text=(77, 2048),
        pooled=1280,
        size=1024,
        steps=20,
    ),
    "sd35": dict(  # Stable Diffusion 3.5 Large
        transformer=dict(
            sample_size=128,
            patch_size=2,
            in_channels=16,
            out_channels=16,
            num_layers=38,
            attention_head_dim=64,
            num_attention_heads=38,
            joint_attention_dim=4096,
            caption_projection_dim=2432,
            pooled_projection_dim=2048,
            pos_embed_max_size=192,
            qk_norm="rms_norm",
        ),
        vae=dict(
            block_out_channels=(128, 256, 512, 512),
            latent_channels=16,
            layers_per_block=2,
            sample_size=1024,
            scaling_factor=1.5305,
            shift_factor=0.0609,
            use_quant_conv=False,
            use_post_quant_conv=False,
            down_block_types=("DownEncoderBlock2D",) * 4,
            up_block_types=("UpDecoderBlock2D",) * 4,
        ),
        text=(333, 4096),
        pooled=2048,
        size=1024,
        steps=20,
    ),
    "flux": dict(  # FLUX.1 [dev]; [schnell] is the same transformer without the guidance embedding
        transformer=dict(
            patch_size=1,
            in_channels=64,
            num_layers=19,
            num_single_layers=38,
            attention_head_dim=128,
            num_attention_heads=24,
            joint_attention_dim=4096,
            pooled_projection_dim=768,
            guidance_embeds=True,
            axes_dims_rope=(16, 56, 56),
        ),
        vae=dict(
            block_out_channels=(128, 256, 512, 512),
            latent_channels=16,
            layers_per_block=2,
            sample_size=1024,
            scaling_factor=0.3611,
            shift_factor=0.1159,
            use_quant_conv=False,
            use_post_quant_conv=False,
            down_block_types=("DownEncoderBlock2D",) * 4,
            up_block_types=("UpDecoderBlock2D",) * 4,
        ),
        text=(512, 4096),
        pooled=768,
        size=1024,
        steps=20,
    ),
}
TINY = {
    "sdxl": dict(
        unet=dict(
            sample_size=16,
            in_channels=4,
            out_channels=4,
            layers_per_block=1,
            block_out_channels=(32, 64),
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
            attention_head_dim=(2, 4),
            transformer_layers_per_block=(1, 2),
            cross_attention_dim=64,
            use_linear_projection=True,
            addition_embed_type="text_time",
            addition_time_embed_dim=8,
            projection_class_embeddings_input_dim=80,
        ),
        vae=dict(
            block_out_channels=(32, 64),
            latent_channels=4,
            layers_per_block=1,
            sample_size=32,
            down_block_types=("DownEncoderBlock2D",) * 2,
            up_block_types=("UpDecoderBlock2D",) * 2,
        ),
        text=(8, 64),
        pooled=32,
        size=32,
        steps=2,
    ),
    "sd35": dict(
        transformer=dict(
            sample_size=16,
            patch_size=2,
            in_channels=16,
            out_channels=16,
            num_layers=2,
            attention_head_dim=8,
            num_attention_heads=2,
            joint_attention_dim=32,
            caption_projection_dim=16,
            pooled_projection_dim=32,
            pos_embed_max_size=32,
            qk_norm="rms_norm",
        ),
        vae=dict(
            block_out_channels=(32, 64),
            latent_channels=16,
            layers_per_block=1,
            sample_size=32,
            scaling_factor=1.5,
            shift_factor=0.1,
            use_quant_conv=False,
            use_post_quant_conv=False,
            down_block_types=("DownEncoderBlock2D",) * 2,
            up_block_types=("UpDecoderBlock2D",) * 2,
        ),
        text=(8, 32),
        pooled=32,
        size=32,
        steps=2,
    ),
    "flux": dict(
        transformer=dict(
            patch_size=1,
            in_channels=64,
            num_layers=1,
            num_single_layers=1,
            attention_head_dim=16,
            num_attention_heads=2,
            joint_attention_dim=32,
            pooled_projection_dim=32,
            guidance_embeds=True,
            axes_dims_rope=(4, 6, 6),
        ),
        vae=dict(
            block_out_channels=(32, 64),
            latent_channels=16,
            layers_per_block=1,
            sample_size=32,
            scaling_factor=1.5,
            shift_factor=0.1,
            use_quant_conv=False,
            use_post_quant_conv=False,
            down_block_types=("DownEncoderBlock2D",) * 2,
            up_block_types=("UpDecoderBlock2D",) * 2,
        ),
        text=(8, 32),
        pooled=32,
        size=32,
        steps=2,
    ),
}


def build(family: str, spec: dict, device: str, dtype: torch.dtype):
    """The family's pipeline with random weights, built on ``device`` in ``dtype`` (no text encoders)."""
    import diffusers

    schedulers = {  # built off the GPU: a scheduler keeps its tables on the CPU
        "sdxl": diffusers.EulerDiscreteScheduler(timestep_spacing="leading", steps_offset=1),
        "sd35": diffusers.FlowMatchEulerDiscreteScheduler(shift=3.0),
        "flux": diffusers.FlowMatchEulerDiscreteScheduler(
            shift=3.0, use_dynamic_shifting=True, base_shift=0.5, max_shift=1.15
        ),
    }
    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            vae = diffusers.AutoencoderKL(**spec["vae"])
            if family == "sdxl":
                unet = diffusers.UNet2DConditionModel(**spec["unet"])
                return diffusers.StableDiffusionXLPipeline(
                    vae=vae,
                    unet=unet,
                    text_encoder=None,
                    text_encoder_2=None,
                    tokenizer=None,
                    tokenizer_2=None,
                    scheduler=schedulers[family],
                    force_zeros_for_empty_prompt=True,
                )
            if family == "sd35":
                transformer = diffusers.SD3Transformer2DModel(**spec["transformer"])
                return diffusers.StableDiffusion3Pipeline(
                    transformer=transformer,
                    vae=vae,
                    scheduler=schedulers[family],
                    text_encoder=None,
                    tokenizer=None,
                    text_encoder_2=None,
                    tokenizer_2=None,
                    text_encoder_3=None,
                    tokenizer_3=None,
                )
            transformer = diffusers.FluxTransformer2DModel(**spec["transformer"])
            return diffusers.FluxPipeline(
                transformer=transformer,
                vae=vae,
                text_encoder=None,
                tokenizer=None,
                text_encoder_2=None,
                tokenizer_2=None,
                scheduler=schedulers[family],
            )
    finally:
        torch.set_default_dtype(previous)


def embeddings(family: str, spec: dict, count: int, device: str, dtype: torch.dtype) -> dict:
    """Fixed random prompt (and, with classifier-free guidance, negative) embeddings for ``count`` images."""
    g = torch.Generator("cpu").manual_seed(7)
    tokens, width = spec["text"]
    text = torch.randn(1, tokens, width, generator=g).to(device, dtype).repeat(count, 1, 1)
    pooled = torch.randn(1, spec["pooled"], generator=g).to(device, dtype).repeat(count, 1)
    out = dict(prompt_embeds=text, pooled_prompt_embeds=pooled)
    if family != "flux":
        out.update(
            negative_prompt_embeds=torch.zeros_like(text), negative_pooled_prompt_embeds=torch.zeros_like(pooled)
        )
    return out


def images(pipeline, family: str, spec: dict, seeds: list[int], device: str, dtype: torch.dtype) -> np.ndarray:
    generators = [torch.Generator("cpu").manual_seed(seed) for seed in seeds]  # as the engine: one per image
    guidance = 3.5 if family == "flux" else 5.0
    out = pipeline(
        **embeddings(family, spec, len(seeds), device, dtype),
        num_inference_steps=spec["steps"],
        guidance_scale=guidance,
        width=spec["size"],
        height=spec["size"],
        generator=generators,
        output_type="np",
    ).images
    if not np.isfinite(out).all():  # random weights can overflow in half precision: no figure is worth that
        raise SystemExit(f"{family}: the images hold NaN or infinity; the figures would mean nothing")
    return (np.clip(out, 0, 1) * 255).round().astype(np.uint8)


def timed(call) -> tuple[float, object]:
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    start = time.perf_counter()
    result = call()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start, result


def measure(family: str, spec: dict, device: str, dtype: torch.dtype) -> dict:
    seconds, pipeline = timed(lambda: build(family, spec, device, dtype))
    pipeline.set_progress_bar_config(disable=True)
    pipeline.vae.enable_slicing()  # the autoencoder decodes image by image, whatever the batch
    params = sum(p.numel() for p in (pipeline.unet if family == "sdxl" else pipeline.transformer).parameters())
    result = {
        "family": family,
        "denoiser_parameters": params,
        "build_seconds": round(seconds, 1),
        "size": spec["size"],
        "steps": spec["steps"],
        "dtype": str(dtype).replace("torch.", ""),
    }
    print(f"{family}: denoiser {params / 1e9:.2f}B parameters, built in {seconds:.1f}s", flush=True)
    images(pipeline, family, spec, [0], device, dtype)  # warm-up
    singles = []
    spent = 0.0
    for seed in range(4):
        seconds, pixels = timed(lambda: images(pipeline, family, spec, [seed], device, dtype))
        spent += seconds
        singles.append(pixels[0])
    result["images_per_second"] = {"1": round(4 / spent, 4)}
    for batch in (4, 16):
        seconds, pixels = timed(lambda: images(pipeline, family, spec, list(range(batch)), device, dtype))
        result["images_per_second"][str(batch)] = round(batch / seconds, 4)
        if batch == 4:
            diffs = [int(np.abs(pixels[i].astype(int) - singles[i].astype(int)).max()) for i in range(4)]
            result["batch4_vs_single"] = {
                "max_pixel_difference": max(diffs),
                "identical": sum(d == 0 for d in diffs),
                "of": 4,
            }
        print(f"{family}: batch {batch}: {batch / seconds:.3f} images/s", flush=True)
    result["varied"] = bool(singles[0].std() > 0)  # not one flat colour
    result["speedup_16_vs_1"] = round(result["images_per_second"]["16"] / result["images_per_second"]["1"], 3)
    if torch.cuda.is_available():
        result["peak_gpu_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 1)
    pipeline = None  # frees the GPU memory before the next family
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--families", default="sdxl,sd35,flux")
    parser.add_argument("--steps", type=int, default=None, help="denoising steps (default: 20)")
    parser.add_argument("--tiny", action="store_true", help="toy-size configs on the CPU, to check the script")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    specs = TINY if args.tiny else FULL
    device = "cpu" if args.tiny or not torch.cuda.is_available() else "cuda"
    dtype = torch.float32 if device == "cpu" else torch.bfloat16
    flags = set_determinism()
    header = {
        "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
        "torch": torch.__version__,
        "determinism": flags,
    }
    import diffusers

    header["diffusers"] = diffusers.__version__
    print(json.dumps(header), flush=True)
    results = []
    for family in args.families.split(","):
        spec = dict(specs[family])
        if args.steps:
            spec["steps"] = args.steps
        results.append(measure(family, spec, device, dtype))
        print(json.dumps(results[-1]), flush=True)
        if args.json:
            args.json.write_text(json.dumps({**header, "results": results}, indent=2))
    print(f"{'family':6} {'params':>7} {'img/s b1':>9} {'b4':>7} {'b16':>7} {'x16/x1':>7} {'b4 vs 1':>12}")
    for r in results:
        ips, b4 = r["images_per_second"], r["batch4_vs_single"]
        print(
            f"{r['family']:6} {r['denoiser_parameters'] / 1e9:6.2f}B {ips['1']:9.3f} {ips['4']:7.3f} {ips['16']:7.3f} "
            f"{r['speedup_16_vs_1']:7.2f} {b4['identical']}/4 ≤{b4['max_pixel_difference']:>3}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
