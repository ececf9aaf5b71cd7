"""Steps more than one revision takes (a revision's own schema stays written out in it)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pressroom.ledger.triggers import refuse


def person_ids(columns: tuple[tuple[str, str, str], ...], guarded: dict[str, str]) -> None:
    """Add ``(table, name column, id column)``: an id column referring to ``users`` beside a column
    that names a person, filled from the names that match a user today.

    The name column stays as what the person was called at the time; rules compare the ids.
    ``guarded`` tables (table -> message) refuse updates: their trigger is lifted for the backfill only."""
    sqlite = op.get_context().dialect.name == "sqlite"
    for table, name_column, id_column in columns:
        if sqlite:  # ADD COLUMN with REFERENCES, no table rebuild
            op.execute(f"ALTER TABLE {table} ADD COLUMN {id_column} INTEGER REFERENCES users (id)")
        else:
            op.add_column(table, sa.Column(id_column, sa.Integer, sa.ForeignKey("users.id"), nullable=True))
        op.create_index(f"ix_{table}_{id_column}", table, [id_column])
        if table in guarded:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update" + ("" if sqlite else f" ON {table}"))
        op.execute(
            f"UPDATE {table} SET {id_column} = (SELECT users.id FROM users "
            f"WHERE users.name = {table}.{name_column}) WHERE {name_column} <> ''"
        )
        if table in guarded:
            refuse(f"{table}_no_update", table, "UPDATE", guarded[table])


def drop_person_ids(columns: tuple[tuple[str, str, str], ...]) -> None:
    for table, _name_column, id_column in reversed(columns):
        op.drop_index(f"ix_{table}_{id_column}", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column(id_column)
