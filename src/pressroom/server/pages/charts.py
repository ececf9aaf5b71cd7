"""Charts drawn on the server as inline SVG: no chart library, no script.

A chart is a picture of figures the page also gives as text: the SVG carries a ``<title>`` and a
``<desc>`` that reads every figure out (its accessible name and description), and the page puts
the same figures in a table beside it, so a screen reader, a search and a test all get the numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 360, 180
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 14, 30  # room for the axis labels


def trend(
    chart_id: str,
    title: str,
    points: Sequence[tuple[str, float | None]],
    shown: Callable[[float], str],
    top: float | None = None,
) -> Markup:
    """A line through ``points`` (label, value) in order; a point without a value (None) is a gap.

    The vertical axis runs from 0 to ``top`` (else the largest value); ``shown`` writes a value as
    the page writes it, for the axis and the description."""
    values = [value for _, value in points if value is not None]
    ceiling = top if top is not None else max(values, default=0.0)
    ceiling = ceiling if ceiling > 0 else 1.0
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(points) - 1, 1)

    def x(index: int) -> float:
        return LEFT + (index * step if len(points) > 1 else inner_w / 2)

    def y(value: float) -> float:
        return TOP + inner_h * (1 - min(value, ceiling) / ceiling)

    said = "; ".join(f"{label}: {shown(value) if value is not None else 'no figure yet'}" for label, value in points)
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'aria-labelledby="{escape(chart_id)}-title" aria-describedby="{escape(chart_id)}-desc">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(said or "No brief yet.")}</desc>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + inner_h}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + inner_h}" x2="{WIDTH - RIGHT}" y2="{TOP + inner_h}"/>',
        f'<text class="tick" x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">{escape(shown(ceiling))}</text>',
        f'<text class="tick" x="{LEFT - 6}" y="{TOP + inner_h + 4}" text-anchor="end">{escape(shown(0.0))}</text>',
    ]
    run: list[str] = []  # consecutive points with values make one line; a gap ends it
    every = -(-len(points) // 12) or 1  # at most a dozen labels under the axis
    for index, (label, value) in enumerate([*points, ("", None)]):
        if value is None:
            if len(run) > 1:
                parts.append(f'<polyline class="line" points="{" ".join(run)}"/>')
            run = []
        else:
            run.append(f"{x(index):.1f},{y(value):.1f}")
            parts.append(f'<circle class="dot" cx="{x(index):.1f}" cy="{y(value):.1f}" r="3.5"/>')
        if index < len(points) and index % every == 0:
            parts.append(
                f'<text class="tick" x="{x(index):.1f}" y="{HEIGHT - 10}" text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
