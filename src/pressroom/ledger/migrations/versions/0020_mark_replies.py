"""Marks as conversations: replies to a mark, by anyone who may see the image.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mark_replies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("mark_id", sa.Integer, sa.ForeignKey("marks.id"), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_mark_replies_mark_id", "mark_replies", ["mark_id"])


def downgrade() -> None:
    op.drop_index("ix_mark_replies_mark_id", "mark_replies")
    op.drop_table("mark_replies")
