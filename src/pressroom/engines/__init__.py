"""Engines: the only place that runs models, found by name in a registry of plugins.

Engines come from pluggy plugins announced under the ``pressroom`` entry-point group. A plugin
implements the ``pressroom_register_engines(register)`` hook and calls ``register(name,
factory)`` for each engine it brings; ``factory()`` makes the engine. The built-in engines,
``diffusers`` (``diffusers_plugin``) and ``fake`` (``fake``), are announced in pressroom's own
``pyproject.toml`` exactly as a third party would announce theirs::

    [project.entry-points.pressroom]
    comfyui = "pressroom_comfyui"      # a module with a @hookimpl pressroom_register_engines

Finding engines imports no torch: a factory imports its engine's heavy libraries when called.
``get(name)`` returns the process's one engine of that name, made on first use; ``close()``
frees what every made engine holds.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache

import pluggy

# transformers reports optional vision backends at import time; pressroom needs none of them
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from pressroom.engines import tiny  # noqa: E402, F401 - registers the built-in tiny model's builder
from pressroom.engines.base import Engine, Job, Output  # noqa: E402

GROUP = "pressroom"  # the entry-point group and the pluggy project name
hookspec = pluggy.HookspecMarker(GROUP)
hookimpl = pluggy.HookimplMarker(GROUP)
Factory = Callable[[], Engine]

__all__ = ["Engine", "Factory", "Job", "Output", "close", "get", "hookimpl", "names", "plugins"]


class Hooks:
    @hookspec
    def pressroom_register_engines(self, register: Callable[[str, Factory], None]) -> None:
        """Call ``register(name, factory)`` for each engine this plugin brings."""


@cache
def plugins() -> pluggy.PluginManager:
    """The process's plugin manager, loaded from the ``pressroom`` entry points once."""
    manager = pluggy.PluginManager(GROUP)
    manager.add_hookspecs(Hooks)
    manager.load_setuptools_entrypoints(GROUP)
    return manager


def factories() -> dict[str, Factory]:
    from pressroom.errors import EngineError

    found: dict[str, Factory] = {}

    def register(name: str, factory: Factory) -> None:
        if name in found:
            raise EngineError(f"two plugins register an engine named {name!r}; uninstall one of them")
        found[name] = factory

    plugins().hook.pressroom_register_engines(register=register)
    return found


def names() -> list[str]:
    return sorted(factories())


_made: dict[str, Engine] = {}


def get(name: str = "diffusers") -> Engine:
    """The process's engine called ``name``, made on first use."""
    from pressroom.errors import EngineError

    if name not in _made:
        available = factories()
        if name not in available:
            known = ", ".join(sorted(available)) or "none (reinstall pressroom: its entry points are missing)"
            raise EngineError(f"unknown engine {name!r}; the available engines are: {known}")
        _made[name] = available[name]()
    return _made[name]


def close() -> None:
    """Close every engine made in this process (its pipelines and memory); ``get`` makes them anew."""
    while _made:
        _made.popitem()[1].close()
