"""Notices: a person's e-mail address, their inbox, and the outbox of mail and webhook posts.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("users", sa.Column("email", sa.String(254), nullable=True))
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("link", sa.String(300), nullable=False, server_default=""),
        sa.Column("at", STAMP, nullable=False),
        sa.Column("read_at", STAMP, nullable=True),
    )
    op.create_index("ix_notices_user_read", "notices", ["user_id", "read_at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("target", sa.String(254), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject", sa.Text, nullable=False, server_default=""),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id"), nullable=False),
        sa.Column("state", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_at", STAMP, nullable=False),
        sa.Column("claimed_at", STAMP, nullable=True),
        sa.Column("sent_at", STAMP, nullable=True),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", STAMP, nullable=False),
    )
    op.create_index("ix_outbox_state_next", "outbox", ["state", "next_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_state_next", "outbox")
    op.drop_table("outbox")
    op.drop_index("ix_notices_user_read", "notices")
    op.drop_table("notices")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
