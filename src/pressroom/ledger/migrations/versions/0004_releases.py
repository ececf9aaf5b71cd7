"""Release and the library: released files with their provenance, and a full-text index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("brief_id", sa.Integer, sa.ForeignKey("briefs.id"), nullable=True, index=True),
        sa.Column("generation_id", sa.Integer, sa.ForeignKey("generations.id"), nullable=False, index=True),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("releases.id"), nullable=True),
        sa.Column("rendition", sa.String(60), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("pixel_sha256", sa.String(64), nullable=False),
        sa.Column("phash", sa.String(16), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("recipe", sa.JSON, nullable=False),
        sa.Column("alt_text", sa.Text, nullable=False),
        sa.Column("source_type", sa.Text, nullable=False),
        sa.Column("released_by", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("generation_id", "rendition", "format", name="uq_release_rendition"),
    )
    # the full-text index of the library (read and written by pressroom.fulltext): FTS5 with the
    # Porter stemmer on SQLite; on PostgreSQL the same columns and an English tsvector with a GIN index
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE library USING fts5(release_id UNINDEXED, prompt, brief, tags, alt_text, "
                   "tokenize = 'porter unicode61')")
        return
    op.create_table(
        "library",
        sa.Column("release_id", sa.Integer, sa.ForeignKey("releases.id"), primary_key=True, autoincrement=False),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("brief", sa.Text, nullable=False),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("alt_text", sa.Text, nullable=False),
        sa.Column("document", postgresql.TSVECTOR, sa.Computed(
            "to_tsvector('english', prompt || ' ' || brief || ' ' || tags || ' ' || alt_text)", persisted=True)),
    )
    op.create_index("ix_library_document", "library", ["document"], postgresql_using="gin")


def downgrade() -> None:
    op.execute("DROP TABLE library")
    op.drop_table("releases")
