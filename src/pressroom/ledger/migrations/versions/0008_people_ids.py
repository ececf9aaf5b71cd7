"""People by id everywhere a row names one: who culled, ranked, released, opened or directs a
brief, approved its direction, or cleared a recipe's flag.

Revision 0006 did it for the rows the gate's rules read; metrics and reports group by person too,
and a rename must not split one person into two. The name columns stay as the audit trail.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from pressroom.ledger.migrations.steps import drop_person_ids, person_ids

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = (
    ("culls", "culled_by", "culled_by_id"),
    ("rankings", "ranked_by", "ranked_by_id"),
    ("releases", "released_by", "released_by_id"),
    ("briefs", "created_by", "created_by_id"),
    ("briefs", "director", "director_id"),
    ("briefs", "direction_approved_by", "direction_approved_by_id"),
    ("recipes", "flag_cleared_by", "flag_cleared_by_id"),
)


def upgrade() -> None:
    person_ids(COLUMNS, {})


def downgrade() -> None:
    drop_person_ids(COLUMNS)
