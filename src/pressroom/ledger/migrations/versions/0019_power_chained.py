"""The facts that grant power join the hash chain: each person's admin right and password (as a
digest of its hash), API tokens, sign-in sessions and invites; failed sign-ins keep the address
they came from, for the per-address limit.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from pressroom.ledger import chain

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

KINDS = ("account", "token", "session", "invite")  # the kinds this revision chains


def upgrade() -> None:
    op.add_column("sign_in_failures", sa.Column("address", sa.String(64), nullable=False, server_default=""))
    op.create_index("ix_sign_in_failures_address_at", "sign_in_failures", ["address", "at"])
    chain.backfill(op.get_bind(), KINDS)


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_address_at", "sign_in_failures")
    with op.batch_alter_table("sign_in_failures") as batch:
        batch.drop_column("address")
