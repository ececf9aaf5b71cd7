"""Released JPEG and WebP carry the A1111 parameters in an EXIF UserComment that outside readers take:
piexif (as A1111 and Forge read it), sd-parsers and exiftool."""

import io
import json
import subprocess

import piexif
import piexif.helper
import pytest
from PIL import Image
from sd_parsers import ParserManager

from pressroom.domain.recipes import LoraRef, ModelRef, Recipe
from pressroom.store import metadata

PROMPT = "a red fox in snow, 35mm — «soft» light"  # outside ASCII: the UTF-16 form must carry it


def recipe() -> Recipe:
    return Recipe(
        prompt=PROMPT,
        negative="blurry, watermark",
        seed=1234,
        steps=5,
        guidance=6.5,
        width=64,
        height=96,
        model=ModelRef(name="tiny", files={"unet/w.safetensors": "a" * 64}),
        loras=[LoraRef(name="ink", sha256="b" * 64, weight=0.8, a1111_hash="0123456789ab")],
    )


@pytest.mark.parametrize("fmt", ["jpeg", "webp"])
def test_the_user_comment_is_type_undefined_with_its_character_code(tmp_path, fmt):
    data = metadata.encode(
        Image.new("RGB", (64, 96), (200, 30, 30)), fmt, recipe(), xmp=metadata.xmp_packet("t", "alt", "x")
    )
    path = tmp_path / f"out.{fmt}"
    path.write_bytes(data)
    parameters = metadata.a1111_parameters(recipe())
    # A1111's own reading: piexif.load, the UserComment as bytes, piexif.helper's decoding
    loaded = piexif.load(Image.open(path).info["exif"])
    raw = loaded["Exif"][piexif.ExifIFD.UserComment]
    assert isinstance(raw, bytes) and raw.startswith(b"UNICODE\x00")  # a tuple when written as type BYTE
    assert piexif.helper.UserComment.load(raw) == parameters
    assert 'Lora hashes: "ink: 0123456789ab"' in parameters and "<lora:ink:0.8>" in parameters.splitlines()[0]
    assert metadata.read_parameters(Image.open(path)) == parameters  # pressroom reads its own back
    tags = json.loads(
        subprocess.run(
            ["exiftool", "-j", "-v0", "-UserComment", str(path)], capture_output=True, text=True, check=True
        ).stdout
    )[0]
    assert tags["UserComment"].startswith(PROMPT) and "Seed: 1234" in tags["UserComment"]
    info = ParserManager().parse(path)
    assert info is not None and info.generator.value == "AUTOMATIC1111"
    [sampler] = info.samplers
    assert sampler.parameters["seed"] == "1234" and sampler.parameters["steps"] == "5"
    assert (
        sampler.prompts[0].value == PROMPT + " <lora:ink:0.8>"
        and sampler.negative_prompts[0].value == "blurry, watermark"
    )
    assert sampler.model.hash == recipe().model.short_hash
    assert Image.open(io.BytesIO(data)).size == (64, 96)
