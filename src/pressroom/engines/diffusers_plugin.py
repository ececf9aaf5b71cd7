"""The plugin that registers the diffusers engine, light enough to load without torch.

Announced in pyproject.toml under the ``pressroom`` entry points like any third-party engine;
torch and diffusers are imported only when the engine is first made.
"""

from __future__ import annotations

from pressroom.engines import Engine, hookimpl


def make() -> Engine:
    from pressroom.errors import EngineError

    try:
        from pressroom.engines.diffusers_local import DiffusersEngine
    except ImportError as exc:
        raise EngineError(
            f"the diffusers engine is not installed ({exc.name} missing): pip install 'pressroom[diffusers]'"
        ) from exc
    return DiffusersEngine()


@hookimpl
def pressroom_register_engines(register) -> None:
    register("diffusers", make)
