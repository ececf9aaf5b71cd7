"""The review gate: reviews with a result per checklist item, stored pre-checks, recipe flags.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

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
        op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                   "BEGIN SELECT RAISE(ABORT, 'review decisions are an audit trail'); END")
        op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                   "BEGIN SELECT RAISE(ABORT, 'review decisions are an audit trail'); END")
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
    with op.batch_alter_table("recipes") as batch:
        batch.add_column(sa.Column("flag", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("flag_cleared_by", sa.String(100), nullable=True))
        batch.add_column(sa.Column("flag_cleared_reason", sa.Text, nullable=True))
    # batch mode rebuilt the table: put the immutability trigger back
    op.execute("DROP TRIGGER IF EXISTS recipes_immutable")
    op.execute("CREATE TRIGGER recipes_immutable BEFORE UPDATE OF recipe, slot, version, parent_id ON recipes "
               "WHEN OLD.status = 'locked' "
               "BEGIN SELECT RAISE(ABORT, 'a locked recipe is immutable: lock a new version'); END")


def downgrade() -> None:
    with op.batch_alter_table("recipes") as batch:
        for column in ("flag_cleared_reason", "flag_cleared_by", "flag"):
            batch.drop_column(column)
    for table in ("prechecks", "review_checks", "reviews"):
        op.drop_table(table)
