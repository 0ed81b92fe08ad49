"""Sales quotas: targets per user or team for a period."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db import Base, TimestampMixin, str_enum


class QuotaMetric(StrEnum):
    """What a quota counts."""

    REVENUE = "revenue"  # target in minor units of the quota's currency
    DEALS_WON = "deals_won"  # target as a number of deals


class Quota(TimestampMixin, Base):
    """A target for exactly one user or one team over [period_start, period_end]."""

    __tablename__ = "quotas"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (team_id IS NULL)", name="one_holder"),
        CheckConstraint("period_end >= period_start", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), index=True
    )
    metric: Mapped[QuotaMetric] = mapped_column(str_enum(QuotaMetric))
    period_start: Mapped[date]
    period_end: Mapped[date]
    target: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
