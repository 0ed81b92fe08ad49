"""saved views of the lists, and settings changed in the pages

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rapport.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", rapport.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", rapport.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_saved_views_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
    )
    with op.batch_alter_table("saved_views", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_views_created_at"), ["created_at"])
        batch_op.create_index(batch_op.f("ix_saved_views_user_id"), ["user_id"])
    op.create_table(
        "app_settings",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("created_at", rapport.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", rapport.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_settings")),
    )
    with op.batch_alter_table("app_settings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_app_settings_created_at"), ["created_at"])


def downgrade() -> None:
    with op.batch_alter_table("app_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_settings_created_at"))
    op.drop_table("app_settings")
    with op.batch_alter_table("saved_views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_views_user_id"))
        batch_op.drop_index(batch_op.f("ix_saved_views_created_at"))
    op.drop_table("saved_views")
