"""Marks pinned to a region of an image (a point or a rectangle, in 0-1 fractions) with a comment.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "marks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("generation_id", sa.Integer, sa.ForeignKey("generations.id"), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("x", sa.Float, nullable=False),
        sa.Column("y", sa.Float, nullable=False),
        sa.Column("width", sa.Float, nullable=False),
        sa.Column("height", sa.Float, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("at", STAMP, nullable=False),
        sa.Column("resolved_at", STAMP, nullable=True),
        sa.Column("resolved_by_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    )
    op.create_index("ix_marks_generation_id", "marks", ["generation_id"])


def downgrade() -> None:
    op.drop_index("ix_marks_generation_id", "marks")
    op.drop_table("marks")
