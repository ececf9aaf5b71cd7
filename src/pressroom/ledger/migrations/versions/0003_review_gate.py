"""The review gate: reviews with a result per checklist item, stored pre-checks, recipe flags.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from pressroom.ledger.triggers import refuse

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NOW = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("generation_id", sa.Integer, sa.ForeignKey("generations.id"), nullable=False, index=True),
        sa.Column("reviewer", sa.String(100), nullable=False),
        sa.Column("decision", sa.String(30), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("alt_text", sa.Text, nullable=False, server_default=""),
        sa.Column("stakes", sa.String(20), nullable=False, server_default=""),
        sa.Column("at", NOW, nullable=False),
    )
    op.create_table(
        "review_checks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("review_id", sa.Integer, sa.ForeignKey("reviews.id"), nullable=False, index=True),
        sa.Column("item", sa.String(40), nullable=False),
        sa.Column("result", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
    )
    # decisions are an audit trail: never changed, never deleted
    for table in ("reviews", "review_checks"):
        refuse(f"{table}_no_update", table, "UPDATE", "review decisions are an audit trail")
        refuse(f"{table}_no_delete", table, "DELETE", "review decisions are an audit trail")
    op.create_table(
        "prechecks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("generation_id", sa.Integer, sa.ForeignKey("generations.id"), nullable=False, index=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("result", sa.String(10), nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("looked_at", sa.Text, nullable=False, server_default=""),
        sa.Column("at", NOW, nullable=False),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # batch mode may rebuild the table there, dropping its trigger: keep its SQL to put it back
        immutable = op.get_bind().exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'recipes_immutable'").scalar_one()
    with op.batch_alter_table("recipes") as batch:
        batch.add_column(sa.Column("flag", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("flag_cleared_by", sa.String(100), nullable=True))
        batch.add_column(sa.Column("flag_cleared_reason", sa.Text, nullable=True))
    if sqlite:  # (PostgreSQL altered the table in place and kept its trigger)
        op.execute("DROP TRIGGER IF EXISTS recipes_immutable")
        op.execute(immutable)


def downgrade() -> None:
    with op.batch_alter_table("recipes") as batch:
        for column in ("flag_cleared_reason", "flag_cleared_by", "flag"):
            batch.drop_column(column)
    for table in ("prechecks", "review_checks", "reviews"):
        op.drop_table(table)
