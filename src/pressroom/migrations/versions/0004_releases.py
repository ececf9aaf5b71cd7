"""Release and the library: released files with their provenance, and a full-text index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

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
    op.execute("CREATE VIRTUAL TABLE library USING fts5(release_id UNINDEXED, prompt, brief, tags, alt_text, "
               "tokenize = 'porter unicode61')")


def downgrade() -> None:
    op.execute("DROP TABLE library")
    op.drop_table("releases")
