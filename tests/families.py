"""Tiny random-weight pipelines of each model family, built offline from configs (as diffusers' own
tests build theirs), saved as diffusers folders that `pressroom model add` registers.

Every family has the real latent factor (a four-block VAE: 8x), so the real size rules hold (SD3 and
FLUX: multiples of 16); the widths are toy-sized so a 64x64 image takes a fraction of a second.
"""

from __future__ import annotations

from pathlib import Path

from pressroom.engines.tiny import WORDS, build_tokenizer

SEED = 4242


def _vae(latent_channels: int, flow: bool):
    import torch
    from diffusers import AutoencoderKL

    torch.manual_seed(SEED + 1)
    extra = (
        dict(use_quant_conv=False, use_post_quant_conv=False, shift_factor=0.0609, scaling_factor=1.5035)
        if flow
        else {}
    )
    return AutoencoderKL(
        block_out_channels=(8, 8, 16, 16),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        latent_channels=latent_channels,
        layers_per_block=1,
        norm_num_groups=8,
        sample_size=64,
        **extra,
    )


def _clip(tokenizer, seed: int, projection: bool, hidden: int = 32):
    import torch
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    torch.manual_seed(seed)
    config = CLIPTextConfig(
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        hidden_size=hidden,
        intermediate_size=37,
        num_attention_heads=4,
        num_hidden_layers=2,
        layer_norm_eps=1e-5,
        vocab_size=len(tokenizer),
        max_position_embeddings=77,
        projection_dim=hidden,
    )
    return (CLIPTextModelWithProjection if projection else CLIPTextModel)(config)


def t5_tokenizer(max_length: int):
    from transformers import T5Tokenizer

    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -1.0)]
    pieces += [(c, -2.0) for c in "abcdefghijklmnopqrstuvwxyz0123456789,.-'"]
    pieces += [("\u2581" + w, -0.5) for w in WORDS]
    return T5Tokenizer(vocab=pieces, extra_ids=0, model_max_length=max_length)


def _t5(tokenizer, seed: int):
    import torch
    from transformers import T5Config, T5EncoderModel

    torch.manual_seed(seed)
    return T5EncoderModel(
        T5Config(
            vocab_size=len(tokenizer),
            d_model=32,
            d_kv=8,
            d_ff=37,
            num_layers=2,
            num_heads=4,
            pad_token_id=0,
            eos_token_id=1,
            decoder_start_token_id=0,
        )
    )


def sdxl():
    import torch
    from diffusers import EulerDiscreteScheduler, StableDiffusionXLPipeline, UNet2DConditionModel

    tokenizer = build_tokenizer()
    torch.manual_seed(SEED)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4),
        use_linear_projection=True,
        addition_embed_type="text_time",
        addition_time_embed_dim=8,
        transformer_layers_per_block=(1, 1),
        projection_class_embeddings_input_dim=80,
        cross_attention_dim=64,
        norm_num_groups=32,
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", steps_offset=1, timestep_spacing="leading"
    )
    return StableDiffusionXLPipeline(
        vae=_vae(4, False),
        text_encoder=_clip(tokenizer, SEED + 2, False),
        text_encoder_2=_clip(tokenizer, SEED + 3, True),
        tokenizer=tokenizer,
        tokenizer_2=build_tokenizer(),
        unet=unet,
        scheduler=scheduler,
    )


def sd3(t5: bool = True):
    import torch
    from diffusers import FlowMatchEulerDiscreteScheduler, SD3Transformer2DModel, StableDiffusion3Pipeline

    tokenizer = build_tokenizer()
    torch.manual_seed(SEED)
    # 16 latent channels, as the real SD3 (its inpainting pipeline insists on them)
    transformer = SD3Transformer2DModel(
        sample_size=32,
        patch_size=2,
        in_channels=16,
        num_layers=1,
        attention_head_dim=8,
        num_attention_heads=4,
        caption_projection_dim=32,
        joint_attention_dim=32,
        pooled_projection_dim=64,
        out_channels=16,
    )
    tokenizer_3 = t5_tokenizer(256) if t5 else None
    return StableDiffusion3Pipeline(
        transformer=transformer,
        scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0),
        vae=_vae(16, True),
        text_encoder=_clip(tokenizer, SEED + 2, True),
        tokenizer=tokenizer,
        text_encoder_2=_clip(tokenizer, SEED + 3, True),
        tokenizer_2=build_tokenizer(),
        text_encoder_3=_t5(tokenizer_3, SEED + 4) if t5 else None,
        tokenizer_3=tokenizer_3,
    )


def flux(dev: bool = True):
    """dev-like: guidance distilled (a guidance embedding); schnell-like: none, and its own shift."""
    import torch
    from diffusers import FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel

    tokenizer = build_tokenizer()
    tokenizer_2 = t5_tokenizer(512 if dev else 256)
    torch.manual_seed(SEED)
    transformer = FluxTransformer2DModel(
        patch_size=1,
        in_channels=16,
        num_layers=1,
        num_single_layers=1,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=32,
        pooled_projection_dim=32,
        axes_dims_rope=[4, 4, 8],
        guidance_embeds=dev,
    )
    scheduler = (
        FlowMatchEulerDiscreteScheduler(
            use_dynamic_shifting=True,
            base_shift=0.5,
            max_shift=1.15,
            base_image_seq_len=256,
            max_image_seq_len=4096,
            shift=3.0,
        )
        if dev
        else FlowMatchEulerDiscreteScheduler(shift=1.0)
    )
    return FluxPipeline(
        transformer=transformer,
        scheduler=scheduler,
        vae=_vae(4, True),
        text_encoder=_clip(tokenizer, SEED + 2, False),
        tokenizer=tokenizer,
        text_encoder_2=_t5(tokenizer_2, SEED + 4),
        tokenizer_2=tokenizer_2,
    )


BUILDERS = {
    "sdxl": sdxl,
    "sd3": lambda: sd3(True),
    "sd3-no-t5": lambda: sd3(False),
    "flux-dev": lambda: flux(True),
    "flux-schnell": lambda: flux(False),
}


def save(name: str, target: Path) -> Path:
    BUILDERS[name]().save_pretrained(target, safe_serialization=True)
    return target
