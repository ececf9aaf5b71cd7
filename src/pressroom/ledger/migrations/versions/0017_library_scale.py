"""The library at scale: on SQLite each full-text row's rowid becomes its release id, so that the
ids of every match are read from the index alone (no lookup of the stored text per match); and
``imports``, one row per asset brought in by ``pressroom import`` (imports.py).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

COLUMNS = "release_id, prompt, brief, tags, alt_text"


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("release_id", sa.Integer, sa.ForeignKey("releases.id"), nullable=False, unique=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("pixel_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("tool", sa.String(20), nullable=False),
        sa.Column("parameters", sa.JSON, nullable=False),
        sa.Column("reproducible", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("imported_by_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_releases_pixel_sha256", "releases", ["pixel_sha256"])
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL's library table has release_id as its key already
    op.execute(f"CREATE VIRTUAL TABLE library_by_release USING fts5(release_id UNINDEXED, prompt, brief, tags, "
               f"alt_text, tokenize = 'porter unicode61')")
    op.execute(f"INSERT INTO library_by_release (rowid, {COLUMNS}) SELECT release_id, {COLUMNS} FROM library")
    op.execute("DROP TABLE library")
    op.execute("ALTER TABLE library_by_release RENAME TO library")


def downgrade() -> None:
    op.drop_index("ix_releases_pixel_sha256", "releases")
    op.drop_table("imports")  # the library's rowids may stay as they are: nothing before 0017 reads them
