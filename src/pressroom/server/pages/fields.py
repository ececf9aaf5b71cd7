"""Reading a page form's values the way the service layer wants them: a blank field is "not
given", a wrong one a one-line refusal naming the field."""

from __future__ import annotations

import re

from pressroom.errors import InputError, PressroomError


def whole(text: str, name: str) -> int | None:
    """A whole number from a field, or None when it was left blank."""
    if not text.strip():
        return None
    if not text.strip().isdigit():
        raise InputError(f"{name} must be a whole number (got {text!r})", field=name)
    return int(text)


def fraction(text: str, name: str) -> float | None:
    """A number from a field, or None when it was left blank."""
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{name} must be a number like 0.35 (got {text!r})", field=name) from None


# how a page names the input an error is about (the service layer names its field)
LABELS = {
    "alt_text": "Alt text",
    "asset": "Asset",
    "brief": "Brief",
    "channel": "Channels",
    "check": "Checklist",
    "comment": "Comment",
    "count": "Images",
    "crops": "Crops",
    "decision": "Decision",
    "director": "Director",
    "due": "Due",
    "email": "Email address",
    "distance": "Viewing distance",
    "expect": "Expected image",
    "file": "File",
    "format": "Format",
    "tool": "Edited in",
    "generation": "Image",
    "generations": "Images",
    "job": "Job",
    "lora": "LoRAs",
    "mark": "Mark",
    "marks": "Marks",
    "mask": "Mask",
    "model": "Model",
    "name": "Name",
    "negative": "Negative prompt",
    "password": "Password",
    "per_style": "Images per style",
    "prompt": "Prompt",
    "reason": "Reason",
    "recipe": "Recipe",
    "reviewer": "Reviewer",
    "reference": "Reference image",
    "role": "Roles",
    "scheduler": "Sampler",
    "seed": "Seed",
    "seeds": "Seeds per value",
    "size": "Size",
    "slot": "Variable slot",
    "stakes": "Stakes",
    "steps": "Steps",
    "strength": "Strength",
    "styles": "Styles",
    "template": "Template",
    "text": "Text",
    "upscale": "Factor",
    "upscaler": "Upscaler",
    "url": "Server address",
    "vary": "Values",
    "width": "Width",
}


IMAGE_WORDS = ((re.compile(r"\bgenerations (\d+)"), r"images #\1"), (re.compile(r"\bgeneration (\d+)"), r"image #\1"))


def said(exc: PressroomError) -> str:
    """An error as a page says it: a message that starts with the field it is about starts with
    that field's label instead (``per_style asks for ...`` -> ``Images per style asks for ...``),
    and an image is called an image (``generation 27`` -> ``image #27``), as the pages name it."""
    text, field = str(exc), exc.field or ""
    for pattern, words in IMAGE_WORDS:
        text = pattern.sub(words, text)
    label = LABELS.get(field)
    if label and text.startswith(field) and not text[len(field) : len(field) + 1].isalnum():
        return label + text[len(field) :]
    return text
