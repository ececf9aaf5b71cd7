"""pressroom: AI image generation as a governed team function.

The public Python API. The CLI (``pressroom.cli``) is a thin layer over these names::

    from pressroom import Studio, plan, generate, export_card, read_card, reproduce

    studio = Studio.init("my-studio")
    rows = generate(studio, plan(studio, prompt="a red fox in snow", seed=7, count=2, width=64, height=64))
    card = export_card(studio, rows[0].id)
    print(reproduce(read_card(card), studio=studio).comparison.verdict)   # exact
"""

from __future__ import annotations

__version__ = "0.1.0"

# Names are imported on first use, so that `import pressroom` (and `pressroom --help`) stay fast.
_EXPORTS = {
    "Actor": ("context", "Actor"),
    "Context": ("context", "Context"),
    "PressroomError": ("errors", "PressroomError"),
    "Recipe": ("domain.recipes", "Recipe"),
    "Studio": ("store.studio", "Studio"),
    "export_card": ("plays.cards", "export"),
    "generate": ("jobs.generations", "generate"),
    "plan": ("jobs.generations", "plan"),
    "read_card": ("store.cards", "read"),
    "reproduce": ("plays.reproduction", "reproduce"),
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'pressroom' has no attribute {name!r}")
    from importlib import import_module

    module, attribute = _EXPORTS[name]
    value = getattr(import_module(f".{module}", __name__), attribute)
    globals()[name] = value
    return value
