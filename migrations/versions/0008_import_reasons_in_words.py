"""the gettext template and params of each refused import row's reason

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows refused before keep only their English reason, which the wizard shows as is.
    with op.batch_alter_table("import_row_errors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_template", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("reason_params", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("import_row_errors", schema=None) as batch_op:
        batch_op.drop_column("reason_params")
        batch_op.drop_column("reason_template")
