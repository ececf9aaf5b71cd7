"""The team's rates, defined once: every page, report and benchmark that shows one uses these.

- keep rate: kept ÷ made. Every image a play made counts as made, culled yet or not, so a run's
  keep rate climbs as it is culled and ends where the metrics page has it;
- iterations per final: made ÷ kept.
"""

from __future__ import annotations

KEEP_RATE = "kept ÷ made: every image made counts, culled yet or not"


def keep_rate(made: int, kept: int) -> float | None:
    return round(kept / made, 4) if made else None


def iterations_per_final(made: int, kept: int) -> float | None:
    return round(made / kept, 2) if kept else None
