"""Metadata written into every image, in the formats the ecosystem reads.

- ``parameters``: AUTOMATIC1111's text block (prompt, ``Negative prompt:`` line, then one line of
  ``Key: value`` pairs), read by A1111, Forge, Civitai and sd-parsers: a PNG text chunk, or the
  EXIF UserComment of a JPEG or WebP;
- ``pressroom``: the complete recipe as JSON, enough to reproduce the image with no card (PNG);
- XMP with IPTC's ``Iptc4xmpExt:DigitalSourceType`` and ``Iptc4xmpCore:AltTextAccessibility``
  (released files): an ``XML:com.adobe.xmp`` iTXt chunk in PNG, the XMP packet in JPEG/WebP.
C2PA signing (``provenance``) comes after all of these: changing them later breaks the signature.
"""

from __future__ import annotations

import io
import json
import re
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from pressroom.domain import samplers
from pressroom.domain.recipes import Recipe

if TYPE_CHECKING:
    from PIL.Image import Image

RECIPE_CHUNK = "pressroom"
A1111_CHUNK = "parameters"


def _quote(value: str) -> str:
    return json.dumps(value) if any(c in value for c in ",:\n") else value


# the words readers split the block on; inside a prompt they get a space before the colon, so a prompt
# cannot start a negative or a parameters line of its own (the recipe chunk keeps the exact text)
MARKERS = re.compile(r"(Negative prompt|Steps)(?=:)")


def _inert(text: str) -> str:
    return MARKERS.sub(r"\1 ", text)


def a1111_parameters(recipe: Recipe) -> str:
    from pressroom import __version__

    sampler, schedule = samplers.a1111_label(
        recipe.scheduler.name, recipe.scheduler.class_name, recipe.scheduler.config
    )
    fields = {
        "Steps": str(recipe.steps),
        "Sampler": sampler,
        "Schedule type": schedule,
        "CFG scale": f"{recipe.guidance:g}",
        "Seed": str(recipe.seed),
        "Size": f"{recipe.width}x{recipe.height}",
        "Model hash": recipe.model.short_hash,
        "Model": recipe.model.name,
        **(
            {"Lora hashes": ", ".join(f"{lora.name}: {lora.a1111_hash}" for lora in recipe.loras)}
            if recipe.loras
            else {}
        ),
        **_references(recipe),
        "RNG": "CPU",
        "Version": f"pressroom {__version__}",
    }
    # A1111 names a LoRA in the prompt as <lora:name:weight>; the recipe's prompt is the encoder's text
    tags = "".join(f" <lora:{lora.name}:{lora.weight:g}>" for lora in recipe.loras)
    lines = [_inert(recipe.prompt) + tags]
    if recipe.negative:
        lines.append(f"Negative prompt: {_inert(recipe.negative)}")
    lines.append(", ".join(f"{k}: {_quote(v)}" for k, v in fields.items()))
    return "\n".join(lines)


def _references(recipe: Recipe) -> dict[str, str]:
    """The reference images as A1111 records them: ``Denoising strength`` for img2img, and one
    ``ControlNet N`` unit per adapter as sd-webui-controlnet writes it (an IP-Adapter is one of its
    units too), the model named with the first 8 hex digits of its fingerprint."""
    fields, unit = {}, 0
    for reference in recipe.conditioning:
        if reference.role == "img2img":
            fields["Denoising strength"] = f"{reference.weight:g}"
            continue
        adapter = reference.adapter
        module = "ip-adapter_clip" if reference.role == "ip-adapter" else adapter.control
        parts = [
            f"Module: {module}",
            f"Model: {adapter.name} [{adapter.fingerprint[:8]}]",
            f"Weight: {reference.weight:g}",
        ]
        if reference.canny:
            parts += [f"Threshold A: {reference.canny[0]}", f"Threshold B: {reference.canny[1]}"]
        fields[f"ControlNet {unit}"] = ", ".join(parts)
        unit += 1
    return fields


def recipe_json(recipe: Recipe) -> str:
    return recipe.model_dump_json(exclude_none=True)


def png_bytes(image: Image, recipe: Recipe) -> bytes:
    """The image as PNG with both text chunks."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text(A1111_CHUNK, a1111_parameters(recipe))
    info.add_text(RECIPE_CHUNK, recipe_json(recipe))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def read_recipe(image: Image) -> Recipe | None:
    """The recipe embedded by pressroom, or None for images from elsewhere."""
    text = image.info.get(RECIPE_CHUNK)
    return Recipe.model_validate_json(text) if text else None


XMP_TEMPLATE = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
    xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    Iptc4xmpExt:DigitalSourceType="{source_type}">
   <Iptc4xmpCore:AltTextAccessibility>
    <rdf:Alt><rdf:li xml:lang="x-default">{alt_text}</rdf:li></rdf:Alt>
   </Iptc4xmpCore:AltTextAccessibility>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""

FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
EXIF_IFD, USER_COMMENT = 0x8769, 0x9286


def exif_user_comment(text: str) -> bytes:
    """An EXIF block holding ``text`` as the UserComment in its standard form: EXIF type UNDEFINED (7),
    the 8-byte character code ``UNICODE\\0``, then UTF-16 (big-endian, as the block's byte order and as
    piexif, A1111 and Forge read it). Pillow given bytes writes type BYTE, which piexif hands back as a
    tuple of numbers that A1111 then fails on; so the block is laid out here: a big-endian TIFF header,
    IFD0 with one entry pointing at the Exif IFD, and the Exif IFD with the one UserComment entry."""
    import struct

    data = b"UNICODE\x00" + text.encode("utf-16-be")
    exif_ifd = 8 + 2 + 12 + 4  # after the header and IFD0 (one entry, then the next-IFD offset)
    value_at = exif_ifd + 2 + 12 + 4
    header = b"MM" + struct.pack(">HI", 42, 8)
    ifd0 = struct.pack(">H", 1) + struct.pack(">HHII", EXIF_IFD, 4, 1, exif_ifd) + struct.pack(">I", 0)
    comment = struct.pack(">H", 1) + struct.pack(">HHII", USER_COMMENT, 7, len(data), value_at) + struct.pack(">I", 0)
    return b"Exif\x00\x00" + header + ifd0 + comment + data


def xmp_packet(source_type: str, alt_text: str, title: str) -> str:
    return XMP_TEMPLATE.format(source_type=escape(source_type), alt_text=escape(alt_text), title=escape(title))


def encode(image: Image, fmt: str, recipe: Recipe, *, xmp: str, quality: int = 95) -> bytes:
    """A released file: the A1111 parameters where the format allows, the recipe (PNG), then XMP."""
    from PIL.PngImagePlugin import PngInfo

    buffer = io.BytesIO()
    parameters = a1111_parameters(recipe)
    if fmt == "png":
        info = PngInfo()
        info.add_text(A1111_CHUNK, parameters)
        info.add_text(RECIPE_CHUNK, recipe_json(recipe))
        info.add_itxt("XML:com.adobe.xmp", xmp, zip=False)
        image.save(buffer, format="PNG", pnginfo=info)
    else:
        image.convert("RGB").save(
            buffer, format=FORMATS[fmt], quality=quality, exif=exif_user_comment(parameters), xmp=xmp.encode("utf-8")
        )
    return buffer.getvalue()


def read_xmp(image: Image) -> dict:
    """DigitalSourceType, alt text and title from an image's XMP packet (empty when absent)."""
    packet = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or b""
    text = packet.decode("utf-8", "replace") if isinstance(packet, bytes) else str(packet)
    source = re.search(r'DigitalSourceType="([^"]*)"', text) or re.search(
        r"<Iptc4xmpExt:DigitalSourceType>([^<]*)<", text
    )
    alt = re.search(r"<Iptc4xmpCore:AltTextAccessibility>.*?<rdf:li[^>]*>(.*?)</rdf:li>", text, re.S)
    from xml.sax.saxutils import unescape

    return {
        "digital_source_type": unescape(source.group(1)) if source else "",
        "alt_text": unescape(alt.group(1)) if alt else "",
    }


def read_parameters(image: Image) -> str:
    """The A1111 parameters text, from a PNG chunk or the EXIF UserComment."""
    text = image.info.get(A1111_CHUNK)
    if text:
        return text
    comment = image.getexif().get_ifd(EXIF_IFD).get(USER_COMMENT)
    if isinstance(comment, bytes) and comment.startswith(b"UNICODE\x00"):
        return comment[8:].decode("utf-16-be", "replace")
    return comment if isinstance(comment, str) else ""
