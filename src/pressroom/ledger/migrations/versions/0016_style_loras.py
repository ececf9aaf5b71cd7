"""A style in the library carries its LoRAs: each by name, full SHA-256, weight and licence.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("styles") as batch:
        batch.add_column(sa.Column("loras", sa.JSON, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("styles") as batch:
        batch.drop_column("loras")
