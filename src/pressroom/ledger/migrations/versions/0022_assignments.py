"""Assignments: a brief's reviews given to named reviewers, each with a due date.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("brief_id", sa.Integer, sa.ForeignKey("briefs.id"), nullable=False),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("due", sa.Date, nullable=True),
        sa.Column("assigned_by_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("at", STAMP, nullable=False),
        sa.Column("ended_at", STAMP, nullable=True),
    )
    op.create_index("ix_assignments_brief", "assignments", ["brief_id"])


def downgrade() -> None:
    op.drop_index("ix_assignments_brief", "assignments")
    op.drop_table("assignments")
