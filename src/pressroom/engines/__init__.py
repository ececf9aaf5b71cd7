"""Engines: the only place that runs models. ``get()`` returns the process-wide engine."""

from __future__ import annotations

import os
from functools import lru_cache

# transformers reports optional vision backends at import time; pressroom needs none of them
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from .base import Engine, Job, Output

__all__ = ["Engine", "Job", "Output", "get"]


@lru_cache(maxsize=None)
def get(name: str = "diffusers") -> Engine:
    from ..errors import EngineError

    if name != "diffusers":
        raise EngineError(f"unknown engine {name!r}; the available engine is 'diffusers'")
    try:
        from .diffusers_local import DiffusersEngine
    except ImportError as exc:
        raise EngineError(
            f"the diffusers engine is not installed ({exc.name} missing): pip install 'pressroom[diffusers]'"
        ) from exc
    return DiffusersEngine()
