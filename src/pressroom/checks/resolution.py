"""Resolution against the deliverable spec, and the print DPI at a target physical size."""

from __future__ import annotations

from pressroom.checks import Context, Finding

NAME, ITEM = "resolution", "proportions"
PRINT_DPI = 300


def run(context: Context) -> Finding:
    width, height = context.image.size
    notes, result = [], "pass"
    looked = f"{width}x{height} px"
    size = context.brief.deliverables.size if context.brief else ""
    if size:
        want_w, want_h = (int(v) for v in size.split("x"))
        looked += f" against the deliverable {size}"
        if width < want_w or height < want_h:
            scale = max(want_w / width, want_h / height)
            result = "warn"
            notes.append(f"needs {scale:.1f}x upscaling to reach {size}")
        if abs(width / height - want_w / want_h) > 0.01:
            notes.append(f"aspect {width / height:.3f} differs from {want_w / want_h:.3f}: the rendition will crop")
    score = None
    if context.print_size_in:
        inches_w, inches_h = context.print_size_in
        score = round(min(width / inches_w, height / inches_h), 1)
        notes.append(f"{score} dpi at {inches_w:g}x{inches_h:g} in")
        if score < PRINT_DPI:
            result = "warn"
    return Finding(NAME, ITEM, result, score, "; ".join(notes) or "meets the deliverable size", looked)
