"""Run pressroom's command line in this process and SIGKILL it at a chosen point (for crash tests).

    python crashpoint.py MODULE:ATTRIBUTE:MATCH:N -- ARGS...

kills the process on the N-th call of MODULE.ATTRIBUTE (``os:replace``, ``pressroom.store.provenance:sign``,
``alembic.runtime.migration:HeadMaintainer.update_to_step``) among the calls that have an argument
containing MATCH (empty: every call), before the call runs. The kill is a real SIGKILL: no
``finally`` block, no atexit handler, no flush runs, as when a machine loses power or the OOM killer
strikes. A run that never reaches the point ends normally with the command's exit code.

With ``CRASHPOINT_HOLD=PATH`` in its environment the process, on reaching the point, first waits
until PATH exists (a test does something while it is held there, e.g. start a second worker), and
with ``CRASHPOINT_THEN=go`` as well it then goes on instead of being killed (a worker paused
mid-job at a known point). ``CRASHPOINT_REACHED=PATH`` makes the file PATH as the point is reached,
so that a test knows the process is there.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import time


def arm(spec: str) -> None:
    module_name, attribute, match, nth = spec.split(":")
    owner = importlib.import_module(module_name)
    *path, name = attribute.split(".")
    for part in path:
        owner = getattr(owner, part)
    original = getattr(owner, name)
    hold, then = os.environ.get("CRASHPOINT_HOLD"), os.environ.get("CRASHPOINT_THEN", "kill")
    reached = os.environ.get("CRASHPOINT_REACHED")
    seen = 0

    def wrapper(*args, **kwargs):
        nonlocal seen
        if not match or any(match in str(a) for a in (*args, *kwargs.values())):
            seen += 1
            if seen == int(nth):
                if reached:
                    open(reached, "w").close()
                while hold and not os.path.exists(hold):
                    time.sleep(0.02)
                if then != "go":
                    os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)


if __name__ == "__main__":
    spec, separator, *argv = sys.argv[1:]
    assert separator == "--", "usage: crashpoint.py MODULE:ATTRIBUTE:MATCH:N -- ARGS..."
    arm(spec)
    from pressroom.cli import main

    sys.exit(main(argv))
