"""Alt text present (written by a reviewer with the decision)."""

from __future__ import annotations

from pressroom.checks import Context, Finding

NAME, ITEM = "alt-text", "alt-text"


def run(context: Context) -> Finding:
    text = context.alt_text.strip()
    if not text:
        return Finding(NAME, ITEM, "fail", 0.0, "no alt text yet; the reviewer writes it with the decision", "reviews")
    if len(text) < 10:
        return Finding(
            NAME, ITEM, "warn", float(len(text)), f"alt text {text!r} is too short to describe the image", "reviews"
        )
    return Finding(NAME, ITEM, "pass", float(len(text)), f"alt text: {text[:80]!r}", "reviews")
