"""The ledger's hash chain, and rules that keep an image's maker and a locked recipe's status.

Every row already in the ledger gets its link, in one pass (users, images, recipes, review
decisions, events); from then on each transaction appends the links of the rows it adds.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from pressroom.ledger import chain
from pressroom.ledger.triggers import RULES, refuse

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

KINDS = ("user", "generation", "recipe", "review", "event")  # the kinds chained then (more came later)
NEW_RULES = ("chain_no_update", "chain_no_delete", "generations_maker_fixed", "recipes_status_fixed")


def upgrade() -> None:
    op.create_table(
        "chain",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("ref", sa.Integer, nullable=True),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("prev", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("prev", name="uq_chain_prev"),  # two writers can never both follow one link
        sa.UniqueConstraint("hash", name="uq_chain_hash"),
    )
    op.create_index("ix_chain_kind_ref", "chain", ["kind", "ref"])
    chain.backfill(op.get_bind(), KINDS)
    for rule in RULES:
        if rule.name in NEW_RULES:
            refuse(rule.name, rule.table, rule.operation, rule.message, columns=rule.columns, when=rule.when)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for rule in RULES:
        if rule.name in NEW_RULES:
            op.execute(f"DROP TRIGGER IF EXISTS {rule.name}" + ("" if dialect == "sqlite" else f" ON {rule.table}"))
    op.drop_index("ix_chain_kind_ref", table_name="chain")
    op.drop_table("chain")
