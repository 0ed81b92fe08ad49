"""scoring runs, and the scores' run, expected spend and lookalike score

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import rapport.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scoring_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("started_at", rapport.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", rapport.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("models", sa.JSON(), nullable=False),
        sa.Column("timings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_runs")),
        sa.UniqueConstraint("version", name=op.f("uq_scoring_runs_version")),
    )
    with op.batch_alter_table("scoring_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scoring_runs_started_at"), ["started_at"])
    with op.batch_alter_table("customer_scores", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.add_column(sa.Column("expected_spend", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("lookalike_score", sa.Double(), nullable=True))
        batch_op.create_index(batch_op.f("ix_customer_scores_run_id"), ["run_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_customer_scores_run_id_scoring_runs"),
            "scoring_runs",
            ["run_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("customer_scores", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_customer_scores_run_id_scoring_runs"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_customer_scores_run_id"))
        batch_op.drop_column("lookalike_score")
        batch_op.drop_column("expected_spend")
        batch_op.drop_column("run_id")
    with op.batch_alter_table("scoring_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scoring_runs_started_at"))
    op.drop_table("scoring_runs")
