"""Images from elsewhere join a brief: an import names the image it filed (a brief's candidate has
no library file until it is released), a tool's name as long as a person types it, and the image's
reproducibility class.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.add_column(
            sa.Column(
                "generation_id",
                sa.Integer,
                sa.ForeignKey("generations.id", name="fk_imports_generation"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("reproducibility", sa.String(10), nullable=False, server_default="none"))
        batch.alter_column("release_id", existing_type=sa.Integer, nullable=True)
        batch.alter_column("tool", existing_type=sa.String(20), type_=sa.String(100))
    op.create_index("ix_imports_generation", "imports", ["generation_id"], unique=True)
    # the imports made before this revision: their image is the one their library file was filed from
    op.execute(
        "UPDATE imports SET generation_id = "
        "(SELECT releases.generation_id FROM releases WHERE releases.id = imports.release_id)"
    )
    op.execute("UPDATE imports SET reproducibility = 'recorded' WHERE tool <> ''")


def downgrade() -> None:
    op.drop_index("ix_imports_generation", "imports")
    with op.batch_alter_table("imports") as batch:
        batch.alter_column("tool", existing_type=sa.String(100), type_=sa.String(20))
        batch.alter_column("release_id", existing_type=sa.Integer, nullable=False)
        batch.drop_column("reproducibility")
        batch.drop_column("generation_id")
