"""The playbook: people and roles, the event log, briefs, styles, locked recipes, culls.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from pressroom.ledger.triggers import refuse

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NOW = sa.DateTime(timezone=True)

STARTER_STYLES = [
    ("editorial-photo", "editorial photograph, natural light, 35mm",
     "cartoon, illustration, lowres, watermark, text, extra fingers, deformed hands"),
    ("watercolor", "watercolor painting, soft washes, paper texture",
     "photo, 3d render, harsh lines, watermark, text"),
    ("flat-vector", "flat vector illustration, clean shapes, limited palette",
     "photo, noise, texture, gradient banding, watermark, text"),
    ("3d-render", "3d render, soft studio lighting, clean materials",
     "photo grain, blurry, lowres, watermark, text"),
    ("cinematic", "cinematic still, moody lighting, shallow depth of field",
     "flat lighting, cartoon, lowres, watermark, text"),
    ("product-studio", "product shot on a seamless background, softbox lighting",
     "clutter, people, hands, reflections of the photographer, watermark, text"),
]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("created_at", NOW, nullable=False),
    )
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("role", sa.String(20), primary_key=True),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", NOW, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("brief_id", sa.Integer, nullable=True, index=True),
        sa.Column("objects", sa.JSON, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    # the event log is append-only: the ledger itself refuses to change or delete an event
    refuse("events_no_update", "events", "UPDATE", "the event log is append-only")
    refuse("events_no_delete", "events", "DELETE", "the event log is append-only")
    op.create_table(
        "briefs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("pause_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("content_type", sa.String(20), nullable=False, server_default=""),
        sa.Column("stakes", sa.String(20), nullable=False, server_default=""),
        sa.Column("intended_use", sa.String(20), nullable=False, server_default=""),
        sa.Column("director", sa.String(100), nullable=False, server_default=""),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("missing", sa.JSON, nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("direction_generation_id", sa.Integer, sa.ForeignKey("generations.id"), nullable=True),
        sa.Column("direction_approved_by", sa.String(100), nullable=True),
        sa.Column("direction_approved_at", NOW, nullable=True),
    )
    op.create_table(
        "styles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("style", sa.Text, nullable=False),
        sa.Column("negative", sa.Text, nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", NOW, nullable=False),
    )
    styles = sa.table("styles", sa.column("name"), sa.column("style"), sa.column("negative"),
                      sa.column("note"), sa.column("created_at", NOW))
    seeded = datetime.now(timezone.utc)
    op.bulk_insert(styles, [
        dict(name=name, style=style, negative=negative, note="built in", created_at=seeded)
        for name, style, negative in STARTER_STYLES
    ])
    op.create_table(
        "recipes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("brief_id", sa.Integer, sa.ForeignKey("briefs.id"), nullable=True, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("recipes.id"), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("slot", sa.String(60), nullable=False),
        sa.Column("recipe", sa.JSON, nullable=False),
        sa.Column("hero_generation_id", sa.Integer, sa.ForeignKey("generations.id"), nullable=True),
        sa.Column("verdict", sa.String(20), nullable=False, server_default=""),
        sa.Column("card", sa.Text, nullable=False, server_default=""),
        sa.Column("locked_by", sa.String(100), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        sa.Column("template", sa.String(100), nullable=True, unique=True),
    )
    refuse("recipes_immutable", "recipes", "UPDATE", "a locked recipe is immutable: lock a new version",
           columns=("recipe", "slot", "version", "parent_id"), when="OLD.status = 'locked'")
    op.create_table(
        "rankings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("brief_id", sa.Integer, sa.ForeignKey("briefs.id"), nullable=False, index=True),
        sa.Column("generation_id", sa.Integer, sa.ForeignKey("generations.id"), nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("ranked_by", sa.String(100), nullable=False),
        sa.Column("at", NOW, nullable=False),
    )
    # every file in the asset store has a row; a file without one is an orphan of a crash
    op.create_table(
        "assets",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("ext", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
    )
    # (a ledger older than this revision is always SQLite; PostgreSQL wants every column grouped)
    ext = "ext" if op.get_bind().dialect.name == "sqlite" else "MIN(ext)"
    op.execute("INSERT INTO assets (sha256, ext, kind, created_at) "
               f"SELECT DISTINCT file_sha256, {ext}, 'image', MIN(created_at) FROM generations GROUP BY file_sha256")
    op.create_table(
        "culls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("generation_id", sa.Integer, sa.ForeignKey("generations.id"), nullable=False, index=True),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(60), nullable=False, server_default=""),
        sa.Column("culled_by", sa.String(100), nullable=False),
        sa.Column("at", NOW, nullable=False),
    )
    with op.batch_alter_table("generations") as batch:
        batch.add_column(sa.Column("brief_id", sa.Integer, sa.ForeignKey("briefs.id", name="fk_generations_brief"), nullable=True))
        batch.add_column(sa.Column("recipe_id", sa.Integer, sa.ForeignKey("recipes.id", name="fk_generations_recipe"), nullable=True))
        batch.add_column(sa.Column("parent_id", sa.Integer, sa.ForeignKey("generations.id", name="fk_generations_parent"), nullable=True))
        batch.add_column(sa.Column("play", sa.String(20), nullable=False, server_default="generate"))
        batch.add_column(sa.Column("style", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("slot_value", sa.Text, nullable=True))
        batch.add_column(sa.Column("status", sa.String(20), nullable=False, server_default="new"))
        batch.add_column(sa.Column("operator", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("operation", sa.String(20), nullable=False, server_default=""))
    op.create_index("ix_generations_brief", "generations", ["brief_id"])
    # a volume image is identified by (recipe version, slot value, seed): never made twice
    op.create_index("ux_generations_volume", "generations", ["recipe_id", "slot_value", "seed"], unique=True,
                    sqlite_where=sa.text("play = 'volume'"), postgresql_where=sa.text("play = 'volume'"))


def downgrade() -> None:
    op.drop_index("ux_generations_volume", "generations")
    op.drop_index("ix_generations_brief", "generations")
    with op.batch_alter_table("generations") as batch:
        for column in ("operation", "operator", "status", "slot_value", "style", "play", "parent_id",
                       "recipe_id", "brief_id"):
            batch.drop_column(column)
    for table in ("culls", "assets", "rankings", "recipes", "styles", "briefs", "events", "user_roles", "users"):
        op.drop_table(table)
