"""Every error pressroom raises on purpose, in one tree.

Each kind of problem maps to one exit code (the CLI) and one HTTP status (the server)::

    PressroomError                  exit 2   500  a deliberate, user-facing problem
    ├── InputError                  exit 2   400  a bad argument or value (names the field and the fix)
    │   ├── CardError                             a recipe card that cannot be read (field and line)
    │   └── StudioError                           no studio here, or one that cannot be created or opened
    ├── NotFound                    exit 3   404  an id, name or file that does not exist
    ├── Forbidden                   exit 4   403  the acting person may not do this (role, separation of duties)
    │   └── SignInRequired                   401  nobody signed in (no session, token, or a revoked one)
    ├── Conflict                    exit 5   409  someone else changed or holds it first (a concurrent writer)
    ├── Refused                     exit 6   422  a play's rule says no (volume before lock, mask over a third ...)
    │   ├── TooManyAttempts                  429  too many failed sign-ins for a name; wait and try again
    │   ├── BriefNotReady, LockRefused, VolumeRefused, FixRefused, ReleaseBlocked, JobStateError
    └── Unavailable                 exit 7   503  something pressroom depends on is missing or failing
        ├── ModelError                            a model that cannot be registered, found or loaded
        │   └── ModelMismatch                     weights whose SHA-256 differs from what a card recorded
        ├── EngineError                           the generation engine failed or is not installed
        ├── ProvenanceError                       signing or reading provenance failed
        ├── LedgerAway                            the ledger cannot be reached or written for now (503
        │                                         with Retry-After; workers wait for it)
        └── JobFailed                             a job waited for failed or was cancelled

A message names the field in plain words (``seed must be ...``); the CLI adds flag names where it
maps fields to flags, a web form marks the field. The CLI prints ``error: <message>`` and exits
with ``exit_code``; foreign exceptions (SQLAlchemy, diffusers, OS errors) are translated where
they enter, with ``raise ... from exc`` so the cause stays available to developers.
"""

from __future__ import annotations


class PressroomError(Exception):
    """Base of every deliberate pressroom error; its message is shown to the user as is."""

    exit_code = 2
    http_status = 500

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field  # the input the message is about, when there is one


class InputError(PressroomError):
    """An argument or value is wrong; the message names it and says how to fix it."""

    exit_code = 2
    http_status = 400


class CardError(InputError):
    """A recipe card is malformed; the message names the field and, where known, the line."""


class StudioError(InputError):
    """No studio was found, or it could not be created or opened."""


class NotFound(PressroomError):
    """A generation id, model name or file does not exist."""

    exit_code = 3
    http_status = 404


class Forbidden(PressroomError):
    """The acting person lacks the role a play needs, or may not act on this object."""

    exit_code = 4
    http_status = 403


class SignInRequired(Forbidden):
    """Nobody is signed in: no session or token, or one that expired or was revoked."""

    http_status = 401


class Conflict(PressroomError):
    """The change collides with one another writer made first (a name taken, a version taken)."""

    exit_code = 5
    http_status = 409


class Refused(PressroomError):
    """A play's rule refuses the action; the message says which rule and what to do instead."""

    exit_code = 6
    http_status = 422


class BriefNotReady(Refused):
    """The brief is a draft or paused: no play generates for it."""


class LockRefused(Refused):
    """A lock that the rules do not allow (no direction, a wrong aspect ...)."""


class VolumeRefused(Refused):
    """Volume before lock, or a run that would change more than the declared slot."""


class FixRefused(Refused):
    """A fix the rules refuse: a mask over a third of the image, nothing to fix ..."""


class ReleaseBlocked(Refused):
    """Nothing may be released: no approved image, or an approved image without alt text."""


class JobStateError(Refused):
    """A job that cannot be changed in its state (cancelling one that has finished)."""


class TooManyAttempts(Refused):
    """Too many failed sign-ins for one name in a short time."""

    http_status = 429


class Unavailable(PressroomError):
    """Something pressroom depends on (a model, the engine, the signer) is missing or failing."""

    exit_code = 7
    http_status = 503


class ModelError(Unavailable):
    """A model cannot be registered, found or loaded."""


class ModelMismatch(ModelError):
    """The weights found do not carry the SHA-256 recorded in a card or at registration."""


class EngineError(Unavailable):
    """The engine failed, or its optional dependencies are not installed."""


class ProvenanceError(Unavailable):
    """Signing a file or reading its provenance failed."""


class LedgerAway(Unavailable):
    """The ledger cannot be reached or written for now: its database server is down or restarting,
    its connection was cut, or it is read-only. Nothing is wrong with what was asked; the same
    request succeeds once the ledger is back (``ledger.db.away`` says which database errors these
    are). The server answers 503 with ``Retry-After: retry_after_s``; a worker waits and goes on.
    ``reason``: what is away and why, for a log line (the message adds what to do)."""

    retry_after_s = 5

    def __init__(self, message: str, *, field: str | None = None, reason: str | None = None) -> None:
        super().__init__(message, field=field)
        self.reason = reason or message


class JobFailed(Unavailable):
    """A job the command waited for failed or was cancelled; the message carries its last error."""
