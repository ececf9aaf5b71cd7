"""Run pressroom's command line with its SQLite ledger read-only while a file exists (for tests).

    python readonly.py FLAG [CRASHPOINT_SPEC] -- ARGS...

Every connection the process takes from its pool first runs ``PRAGMA query_only``: on while the
file FLAG exists, off once it is gone. SQLite itself then refuses every write ("attempt to write a
readonly database", SQLITE_READONLY, as for a read-only file or file system) and reads go on.
chmod cannot do this here: the tests may run as root, whom file modes do not stop. With a
``crashpoint.py`` spec too, the process also pauses or dies there (``CRASHPOINT_*``).
"""

from __future__ import annotations

import os
import sys

from sqlalchemy import event
from sqlalchemy.pool import Pool


def arm(flag: str) -> None:
    @event.listens_for(Pool, "checkout")
    def read_only_while_flagged(dbapi_connection, _record, _proxy) -> None:
        if type(dbapi_connection).__module__ == "sqlite3":
            dbapi_connection.execute(f"PRAGMA query_only = {int(os.path.exists(flag))}")


if __name__ == "__main__":
    flag, *rest = sys.argv[1:]
    separator = rest.index("--")
    spec, argv = rest[:separator], rest[separator + 1 :]
    arm(flag)
    if spec:
        import crashpoint

        crashpoint.arm(*spec)
    from pressroom.cli import main

    sys.exit(main(argv))
