"""Distance from the brand palette: CIEDE2000 between the image's main colours and the brief's."""

from __future__ import annotations

from pressroom.checks import Context, Finding

NAME, ITEM = "palette", "palette"
COLOURS = 6
PASS, WARN = 12.0, 25.0


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def distance(image, palette: list[str]) -> float:
    """The mean CIEDE2000 from each main colour of the image to its nearest brand colour,
    weighted by how much of the image that colour covers."""
    import numpy as np
    from skimage.color import deltaE_ciede2000, rgb2lab

    small = image.convert("RGB").resize((64, 64))
    quantised = small.quantize(colors=COLOURS, method=0)  # median cut
    centres = np.asarray(quantised.getpalette()[: COLOURS * 3], dtype=float).reshape(-1, 3)
    counts = np.bincount(np.asarray(quantised).ravel(), minlength=len(centres))[: len(centres)].astype(float)
    used = counts > 0
    lab_image = rgb2lab(centres[used][None, :, :] / 255.0)[0]
    lab_brand = rgb2lab(np.asarray([hex_to_rgb(c) for c in palette], dtype=float)[None, :, :] / 255.0)[0]
    nearest = np.array([min(deltaE_ciede2000(colour, brand) for brand in lab_brand) for colour in lab_image])
    weights = counts[used] / counts[used].sum()
    return float((nearest * weights).sum())


def inputs(context: Context) -> tuple:
    """What the finding depends on besides the pixels (``run_all`` remembers it by these)."""
    return (context.brief is not None, *_palette(context))


def _palette(context: Context) -> list[str]:
    return context.brief.constraints.palette if context.brief else []


def run(context: Context) -> Finding:
    palette = _palette(context)
    if not palette:
        looked = "the brief's brand palette (none given)" if context.brief else "no brief, so no brand palette"
        return Finding(NAME, ITEM, "n/a", None, "no brand palette in the brief", looked)
    score = distance(context.image, palette)
    result = "pass" if score <= PASS else "warn" if score <= WARN else "fail"
    return Finding(
        NAME,
        ITEM,
        result,
        round(score, 2),
        f"mean CIEDE2000 to the brand palette {score:.1f} (pass <= {PASS}, warn <= {WARN})",
        f"{COLOURS} median-cut colours against {', '.join(palette)}",
    )
