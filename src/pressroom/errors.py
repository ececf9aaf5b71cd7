"""Every error pressroom raises on purpose.

The tree::

    PressroomError                 a user-facing problem: one line, no traceback, exit code 2
    ├── StudioError                no studio here, or a studio that cannot be opened or created
    ├── InputError                 a bad argument or value (names the argument and the fix)
    ├── NotFound                   an id, name or file that does not exist
    ├── CardError                  a recipe card that cannot be read (names field and line)
    ├── ModelError                 a model that cannot be registered, found or loaded
    │   └── ModelMismatch          weights whose SHA-256 differs from what a card recorded
    └── EngineError                the generation engine failed or is not installed

The CLI prints ``error: <message>`` for any of these and exits with ``exit_code``.
Foreign exceptions (SQLAlchemy, diffusers, OS errors) are translated where they enter,
with ``raise ... from exc`` so the cause stays available to developers.
"""

from __future__ import annotations


class PressroomError(Exception):
    """Base of every deliberate pressroom error; its message is shown to the user as is."""

    exit_code = 2


class StudioError(PressroomError):
    """No studio was found, or it could not be created or opened."""


class InputError(PressroomError):
    """An argument or value is wrong; the message names it and says how to fix it."""


class NotFound(PressroomError):
    """A generation id, model name or file does not exist."""


class CardError(PressroomError):
    """A recipe card is malformed; the message names the field and, where known, the line."""


class ModelError(PressroomError):
    """A model cannot be registered, found or loaded."""


class ModelMismatch(ModelError):
    """The weights found do not carry the SHA-256 recorded in a card or at registration."""


class EngineError(PressroomError):
    """The engine failed, or its optional dependencies are not installed."""
