"""Post: who took an image out to another tool, and the edited files brought back as new versions.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "post_handouts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("generation_id", sa.Integer, sa.ForeignKey("generations.id"), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("by_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("at", STAMP, nullable=False),
    )
    op.create_index("ix_post_handouts_generation", "post_handouts", ["generation_id"])
    op.create_table(
        "post_returns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("generation_id", sa.Integer, sa.ForeignKey("generations.id"), nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("generations.id"), nullable=False),
        sa.Column("tool", sa.String(200), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("ext", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("profile", sa.String(200), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("credentials", sa.Boolean, nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("by_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("at", STAMP, nullable=False),
    )
    op.create_index("ix_post_returns_generation", "post_returns", ["generation_id"], unique=True)
    op.create_index("ix_post_returns_parent", "post_returns", ["parent_id"])


def downgrade() -> None:
    op.drop_index("ix_post_returns_parent", "post_returns")
    op.drop_index("ix_post_returns_generation", "post_returns")
    op.drop_table("post_returns")
    op.drop_index("ix_post_handouts_generation", "post_handouts")
    op.drop_table("post_handouts")
