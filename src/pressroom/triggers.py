"""Rules the ledger itself enforces, as triggers in SQLite and in PostgreSQL.

The migrations call ``refuse`` for each rule (an append-only table, a column that may not
change once a row is locked), so the database refuses the change whoever writes to it. Both
dialects raise an integrity error carrying the rule's message (SQLite's ``RAISE(ABORT, ...)``;
on PostgreSQL one plpgsql function raises SQLSTATE 23000 with the message it is given).

The SQL for SQLite must stay exactly what the revisions have always run: existing ledgers hold
it, and a rebuilt table gets it back.
"""

from __future__ import annotations

from alembic import op

POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION pressroom_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'integrity_constraint_violation'; END $$"
)


def refuse(name: str, table: str, operation: str, message: str, *, columns: tuple[str, ...] = (),
           when: str | None = None) -> None:
    """Create trigger ``name``: the ledger refuses ``operation`` (UPDATE or DELETE) on ``table``.

    ``columns`` limits an UPDATE rule to changes naming those columns; ``when`` is a condition
    on ``OLD`` (the same SQL in both dialects)."""
    event = f"{operation} OF {', '.join(columns)}" if columns else operation
    quoted = message.replace("'", "''")
    if op.get_bind().dialect.name == "sqlite":
        condition = f"WHEN {when} " if when else ""
        op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} {condition}"
                   f"BEGIN SELECT RAISE(ABORT, '{quoted}'); END")
        return
    op.execute(POSTGRES_FUNCTION)
    condition = f"WHEN ({when}) " if when else ""
    op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW {condition}"
               f"EXECUTE FUNCTION pressroom_refuse('{quoted}')")
