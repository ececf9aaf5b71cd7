"""People by id: the maker of an image, the locker of a recipe, a reviewer and an event's actor.

Separation of duties compares people; comparing names breaks when a person is renamed, or when a
name is typed by someone else. The name columns stay as what the person was called at the time
(the audit trail shows it); every rule compares the ids.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from pressroom.ledger.migrations.steps import drop_person_ids, person_ids

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

# (table, name column, new id column)
COLUMNS = (
    ("generations", "operator", "maker_id"),
    ("recipes", "locked_by", "locked_by_id"),
    ("reviews", "reviewer", "reviewer_id"),
    ("events", "actor", "actor_id"),
)
# tables whose rows the ledger refuses to change: their triggers are lifted for the backfill only
GUARDED = {"reviews": "review decisions are an audit trail", "events": "the event log is append-only"}


def upgrade() -> None:
    person_ids(COLUMNS, GUARDED)
    op.add_column("events", sa.Column("channel", sa.String(10), nullable=False, server_default="cli"))
    # two locks of one brief at once must not both take the same version number
    op.create_index("ux_recipes_version", "recipes", ["brief_id", "version"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_recipes_version", table_name="recipes")
    op.drop_column("events", "channel")
    drop_person_ids(COLUMNS)
