"""A tiny IP-Adapter and a tiny ControlNet for the tiny model, random weights, built offline.

The ControlNet starts from the tiny UNet (``ControlNetModel.from_unet``) with its zero convolutions
made random, so its map changes the image; the IP-Adapter is the classic layout diffusers loads
(``image_proj`` and, for every cross-attention layer, ``to_k_ip`` and ``to_v_ip``) beside a tiny
CLIP vision encoder in ``image_encoder/``.
"""

from __future__ import annotations

from pathlib import Path


def _unet(base: Path):
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel.from_pretrained(base / "unet", local_files_only=True)


def controlnet(base: Path, target: Path, seed: int = 7) -> Path:
    import torch
    from diffusers import ControlNetModel

    torch.manual_seed(seed)
    model = ControlNetModel.from_unet(_unet(base), conditioning_embedding_out_channels=(8, 16, 32, 32))
    with torch.no_grad():
        for layer in [
            *model.controlnet_down_blocks,
            model.controlnet_mid_block,
            model.controlnet_cond_embedding.conv_out,
        ]:
            layer.weight.normal_(0, 0.2)
            layer.bias.zero_()
    model.save_pretrained(target)
    return target


def transformer_controlnet(base: Path, target: Path, seed: int = 9) -> Path:
    """A one-block ControlNet for a tiny SD3 or FLUX model, its output blocks made random."""
    import inspect

    import diffusers
    import torch

    transformer = getattr(diffusers, _class_of(base / "transformer")).from_pretrained(
        base / "transformer", local_files_only=True
    )
    cls = diffusers.FluxControlNetModel if "Flux" in type(transformer).__name__ else diffusers.SD3ControlNetModel
    accepted = inspect.signature(cls.__init__).parameters
    config = {k: v for k, v in transformer.config.items() if k in accepted}
    config.update(num_layers=1, **({"num_single_layers": 0} if cls is diffusers.FluxControlNetModel else {}))
    torch.manual_seed(seed)
    model = cls(**config)
    with torch.no_grad():
        for layer in model.controlnet_blocks:
            layer.weight.normal_(0, 0.2)
    model.save_pretrained(target)
    return target


def _class_of(folder: Path) -> str:
    import json

    return json.loads((folder / "config.json").read_text())["_class_name"]


def ip_adapter(base: Path, target: Path, seed: int = 8) -> Path:
    import torch
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    unet = _unet(base)
    torch.manual_seed(seed)
    CLIPVisionModelWithProjection(
        CLIPVisionConfig(
            hidden_size=32,
            projection_dim=32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            image_size=32,
            patch_size=8,
        )
    ).save_pretrained(target / "image_encoder")
    cross, channels = unet.config.cross_attention_dim, unet.config.block_out_channels
    weights = {
        "image_proj.proj.weight": torch.randn(cross * 4, 32) * 0.2,
        "image_proj.proj.bias": torch.zeros(cross * 4),
        "image_proj.norm.weight": torch.ones(cross),
        "image_proj.norm.bias": torch.zeros(cross),
    }
    key = 1  # diffusers numbers the cross-attention layers 1, 3, 5 ... in attn_processors order
    for name in unet.attn_processors:
        if name.endswith("attn1.processor"):
            continue
        block = name.split(".")[0]
        hidden = (
            channels[-1]
            if block == "mid_block"
            else list(reversed(channels))[int(name.split(".")[1])]
            if block == "up_blocks"
            else channels[int(name.split(".")[1])]
        )
        weights[f"ip_adapter.{key}.to_k_ip.weight"] = torch.randn(hidden, cross) * 0.3
        weights[f"ip_adapter.{key}.to_v_ip.weight"] = torch.randn(hidden, cross) * 0.3
        key += 2
    save_file(weights, target / "ip-adapter.safetensors")
    return target
