"""Marketing campaigns: where customers were acquired, and at what cost."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db import Base, SoftDeleteMixin, TimestampMixin


class Campaign(TimestampMixin, SoftDeleteMixin, Base):
    """A campaign on one acquisition channel, with its cost over a period."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(40), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    # Money is kept in minor units (fen, cents) so sums are exact on every engine.
    cost_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
