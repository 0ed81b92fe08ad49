"""events by anonymous visitor

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 12:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_events_anonymous_id", "events", ["anonymous_id"])


def downgrade() -> None:
    op.drop_index("ix_events_anonymous_id", table_name="events")
