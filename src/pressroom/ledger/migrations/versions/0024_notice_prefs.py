"""Notice preferences: how each person is told of each kind (inbox, e-mail, both, off), their daily
digest switch, and the due-date reminders, each written once.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("users", sa.Column("digest", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "notice_prefs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
    )
    op.create_index("ux_notice_prefs_user_kind", "notice_prefs", ["user_id", "kind"], unique=True)
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("brief_id", sa.Integer, sa.ForeignKey("briefs.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id"), nullable=False),
        sa.Column("at", STAMP, nullable=False),
    )
    op.create_index("ux_reminders_once", "reminders", ["user_id", "brief_id", "kind", "due"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_reminders_once", "reminders")
    op.drop_table("reminders")
    op.drop_index("ux_notice_prefs_user_kind", "notice_prefs")
    op.drop_table("notice_prefs")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("digest")
