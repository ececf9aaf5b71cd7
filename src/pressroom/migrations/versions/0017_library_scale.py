"""The library at scale: on SQLite each full-text row's rowid becomes its release id, so that the
ids of every match are read from the index alone (no lookup of the stored text per match).

Revision ID: 0017
Revises: 0013
Create Date: 2026-11-22
"""

from alembic import op

revision = "0017"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = "release_id, prompt, brief, tags, alt_text"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL's library table has release_id as its key already
    op.execute(f"CREATE VIRTUAL TABLE library_by_release USING fts5(release_id UNINDEXED, prompt, brief, tags, "
               f"alt_text, tokenize = 'porter unicode61')")
    op.execute(f"INSERT INTO library_by_release (rowid, {COLUMNS}) SELECT release_id, {COLUMNS} FROM library")
    op.execute("DROP TABLE library")
    op.execute("ALTER TABLE library_by_release RENAME TO library")


def downgrade() -> None:
    pass  # the rowids may stay as they are: nothing before 0017 reads them
