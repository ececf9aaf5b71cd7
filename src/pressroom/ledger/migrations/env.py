"""Alembic environment: runs the revisions on the engine the studio hands over.

Every revision of one upgrade runs in one transaction, with the version stamp: DDL is
transactional on PostgreSQL, and on SQLite once the driver stops committing it on its own
(``db.connect(transactional_ddl=True)``, whose transactions also begin IMMEDIATE, so two
processes migrating at once run one after the other). On PostgreSQL an advisory lock does the
same. Whoever waited then finds the schema at head and has nothing to do.
"""

from alembic import context

MIGRATION_LOCK = 0x70726D67  # "prmg": held by the one process migrating a PostgreSQL ledger

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    context.configure(connection=connection, render_as_batch=True, transactional_ddl=True)
    context.run_migrations()
