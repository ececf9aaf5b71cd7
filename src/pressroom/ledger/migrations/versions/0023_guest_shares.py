"""Client review by link: guest shares (a link's images, its guest, only its secret's SHA-256),
client decisions on the shared images, and which guest share a mark or a reply came through.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "guest_shares",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("brief_id", sa.Integer, sa.ForeignKey("briefs.id"), nullable=False),
        sa.Column("guest", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("images", sa.JSON, nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_by_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("expires_at", STAMP, nullable=False),
        sa.Column("revoked_at", STAMP, nullable=True),
    )
    op.create_index("ix_guest_shares_brief", "guest_shares", ["brief_id"])
    op.create_table(
        "client_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("share_id", sa.Integer, sa.ForeignKey("guest_shares.id"), nullable=False),
        sa.Column("generation_id", sa.Integer, sa.ForeignKey("generations.id"), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("guest", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("at", STAMP, nullable=False),
    )
    op.create_index("ix_client_decisions_generation", "client_decisions", ["generation_id"])
    op.add_column("marks", sa.Column("guest_share_id", sa.Integer, nullable=True))
    op.add_column("mark_replies", sa.Column("guest_share_id", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mark_replies") as batch:
        batch.drop_column("guest_share_id")
    with op.batch_alter_table("marks") as batch:
        batch.drop_column("guest_share_id")
    op.drop_index("ix_client_decisions_generation", "client_decisions")
    op.drop_table("client_decisions")
    op.drop_index("ix_guest_shares_brief", "guest_shares")
    op.drop_table("guest_shares")
