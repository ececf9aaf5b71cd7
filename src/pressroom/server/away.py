"""The ledger away, as the server logs it: one line per outage, never a traceback.

A play meets the ledger away (its database server down or restarting, a connection cut, a
read-only ledger; ``ledger.db.away`` decides) as ``LedgerAway``. Every route and page lets it
through to the app's handler (``app.create_app``), which answers ``503`` with ``Retry-After`` and
notes it here. Nothing is wrong with the request and the server needs no restart: the pool renews
its connections once the database answers again, and the same request then succeeds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from pressroom.errors import LedgerAway

log = logging.getLogger("uvicorn.error")  # the server's own log, beside uvicorn's lines
QUIET_S = 60.0  # a refusal after this long without one is a new outage, logged again


class Outage:
    """One log line per outage (refusals apart by less than ``QUIET_S``), never a traceback."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last: float | None = None

    def met(self, exc: LedgerAway) -> None:
        now = time.monotonic()
        with self.lock:
            new = self.last is None or now - self.last > QUIET_S
            self.last = now
        if new:
            log.warning(
                "%s: requests that need it are answered 503 (Retry-After: %d) until it is back",
                exc.reason,
                exc.retry_after_s,
            )


OUTAGE = Outage()  # one per server process


def quietly(task: Callable) -> Callable:
    """A background task (what need not hold up an answer, such as a token's last use) that, with
    the ledger away, is left undone with the outage's log line instead of a traceback."""

    def run(*args, **kwargs) -> None:
        try:
            task(*args, **kwargs)
        except LedgerAway as exc:
            OUTAGE.met(exc)

    return run
