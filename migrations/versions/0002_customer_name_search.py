"""customer name search indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_customers_lower_name", "customers", [sa.text("lower(name)")])
    op.create_index("ix_customers_lower_name_latin", "customers", [sa.text("lower(name_latin)")])


def downgrade() -> None:
    op.drop_index("ix_customers_lower_name_latin", table_name="customers")
    op.drop_index("ix_customers_lower_name", table_name="customers")
