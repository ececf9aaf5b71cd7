"""Rules the ledger itself enforces, as triggers in SQLite and in PostgreSQL.

The migrations call ``refuse`` for each rule (an append-only table, a column that may not
change once a row is locked), so the database refuses the change whoever writes to it. Both
dialects raise an integrity error carrying the rule's message (SQLite's ``RAISE(ABORT, ...)``;
on PostgreSQL one plpgsql function raises SQLSTATE 23000 with the message it is given).
``RULES`` lists every rule the newest schema holds: the audit checks each is in place (and
unchanged) and ``statements`` gives the SQL that puts one back.

The SQL for SQLite must stay exactly what the revisions have always run: existing ledgers hold
it, and a rebuilt table gets it back.
"""

from __future__ import annotations

from typing import NamedTuple

POSTGRES_BODY = "BEGIN RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'integrity_constraint_violation'; END"
POSTGRES_FUNCTION = (
    f"CREATE OR REPLACE FUNCTION pressroom_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ {POSTGRES_BODY} $$"
)


class Rule(NamedTuple):
    name: str
    table: str
    operation: str  # UPDATE or DELETE
    message: str
    columns: tuple[str, ...] = ()
    when: str | None = None


AUDIT_TRAIL = "review decisions are an audit trail"
APPEND_ONLY = "the event log is append-only"
RULES = (
    Rule("events_no_update", "events", "UPDATE", APPEND_ONLY),
    Rule("events_no_delete", "events", "DELETE", APPEND_ONLY),
    Rule(
        "recipes_immutable",
        "recipes",
        "UPDATE",
        "a locked recipe is immutable: lock a new version",
        ("recipe", "slot", "version", "parent_id"),
        "OLD.status = 'locked'",
    ),
    *(
        Rule(f"{table}_no_{operation.lower()}", table, operation, AUDIT_TRAIL)
        for table in ("reviews", "review_checks")
        for operation in ("UPDATE", "DELETE")
    ),
    # made with the hash chain (0009)
    Rule("chain_no_update", "chain", "UPDATE", "the ledger's hash chain is append-only"),
    Rule("chain_no_delete", "chain", "DELETE", "the ledger's hash chain is append-only"),
    Rule(
        "generations_maker_fixed",
        "generations",
        "UPDATE",
        "who made an image and from what is fixed once it is recorded",
        ("maker_id", "parent_id", "file_sha256", "pixel_sha256"),
    ),
    Rule(
        "recipes_status_fixed",
        "recipes",
        "UPDATE",
        "a locked recipe stays locked: lock a new version",
        ("status",),
        "OLD.status = 'locked'",
    ),
)


def statements(rule: Rule, dialect: str) -> list[str]:
    """The SQL that creates ``rule``'s trigger (PostgreSQL: the shared function first)."""
    event = f"{rule.operation} OF {', '.join(rule.columns)}" if rule.columns else rule.operation
    quoted = rule.message.replace("'", "''")
    if dialect == "sqlite":
        condition = f"WHEN {rule.when} " if rule.when else ""
        return [
            f"CREATE TRIGGER {rule.name} BEFORE {event} ON {rule.table} {condition}"
            f"BEGIN SELECT RAISE(ABORT, '{quoted}'); END"
        ]
    condition = f"WHEN ({rule.when}) " if rule.when else ""
    return [
        POSTGRES_FUNCTION,
        f"CREATE TRIGGER {rule.name} BEFORE {event} ON {rule.table} FOR EACH ROW "
        f"{condition}EXECUTE FUNCTION pressroom_refuse('{quoted}')",
    ]


def refuse(
    name: str, table: str, operation: str, message: str, *, columns: tuple[str, ...] = (), when: str | None = None
) -> None:
    """Create trigger ``name`` (in a migration): the ledger refuses ``operation`` (UPDATE or DELETE)
    on ``table``. ``columns`` limits an UPDATE rule to changes naming those columns; ``when`` is a
    condition on ``OLD`` (the same SQL in both dialects)."""
    from alembic import op

    for sql in statements(Rule(name, table, operation, message, columns, when), op.get_bind().dialect.name):
        op.execute(sql)


def missing(connection) -> list[tuple[Rule, str]]:
    """Each rule whose trigger is gone, disabled or not what it should be, with what is wrong."""
    found = []
    if connection.dialect.name == "sqlite":
        have = dict(connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all())
        for rule in RULES:
            if rule.name not in have:
                found.append((rule, "is gone"))
            elif have[rule.name] != statements(rule, "sqlite")[0]:
                found.append((rule, "was changed"))
        return found
    body = connection.exec_driver_sql("SELECT prosrc FROM pg_proc WHERE proname = 'pressroom_refuse'").scalar()
    have = {
        (name, table): (enabled, function)
        for name, table, enabled, function in connection.exec_driver_sql(
            "SELECT t.tgname, c.relname, t.tgenabled, p.proname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal"
        )
    }
    for rule in RULES:
        state = have.get((rule.name, rule.table))
        if state is None:
            found.append((rule, "is gone"))
        elif state[0] == "D":
            found.append((rule, "is disabled"))
        elif state[1] != "pressroom_refuse" or (body or "").strip() != POSTGRES_BODY:
            found.append((rule, "was changed"))
    return found


def restore(connection, rule: Rule) -> None:
    """Put ``rule``'s trigger back as it should be."""
    dialect = connection.dialect.name
    connection.exec_driver_sql(
        f"DROP TRIGGER IF EXISTS {rule.name}" + ("" if dialect == "sqlite" else f" ON {rule.table}")
    )
    for sql in statements(rule, dialect):
        connection.exec_driver_sql(sql)
