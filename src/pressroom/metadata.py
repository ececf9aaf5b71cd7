"""Metadata written into every image, in the formats the ecosystem reads.

- ``parameters``: AUTOMATIC1111's text block (prompt, ``Negative prompt:`` line, then one line of
  ``Key: value`` pairs), read by A1111, Forge, Civitai and sd-parsers;
- ``pressroom``: the complete recipe as JSON, enough to reproduce the image with no card.
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

from . import samplers
from .recipes import Recipe

if TYPE_CHECKING:
    from PIL.Image import Image

RECIPE_CHUNK = "pressroom"
A1111_CHUNK = "parameters"


def _quote(value: str) -> str:
    return json.dumps(value) if any(c in value for c in ",:\n") else value


def a1111_parameters(recipe: Recipe) -> str:
    from . import __version__

    sampler = samplers.SAMPLERS.get(recipe.scheduler.name)
    fields = {
        "Steps": str(recipe.steps),
        "Sampler": sampler.a1111 if sampler else recipe.scheduler.class_name or recipe.scheduler.name,
        "Schedule type": sampler.schedule if sampler else "Automatic",
        "CFG scale": f"{recipe.guidance:g}",
        "Seed": str(recipe.seed),
        "Size": f"{recipe.width}x{recipe.height}",
        "Model hash": recipe.model.short_hash,
        "Model": recipe.model.name,
        "RNG": "CPU",
        "Version": f"pressroom {__version__}",
    }
    lines = [recipe.prompt]
    if recipe.negative:
        lines.append(f"Negative prompt: {recipe.negative}")
    lines.append(", ".join(f"{k}: {_quote(v)}" for k, v in fields.items()))
    return "\n".join(lines)


def recipe_json(recipe: Recipe) -> str:
    return recipe.model_dump_json(exclude_none=True)


def png_bytes(image: "Image", recipe: Recipe) -> bytes:
    """The image as PNG with both text chunks."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text(A1111_CHUNK, a1111_parameters(recipe))
    info.add_text(RECIPE_CHUNK, recipe_json(recipe))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def read_recipe(image: "Image") -> Recipe | None:
    """The recipe embedded by pressroom, or None for images from elsewhere."""
    text = getattr(image, "text", {}).get(RECIPE_CHUNK) or image.info.get(RECIPE_CHUNK)
    return Recipe.model_validate_json(text) if text else None
