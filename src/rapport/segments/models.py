"""Saved customer segments and who was in them when."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db import Base, SoftDeleteMixin, TimestampMixin, str_enum


class SegmentKind(StrEnum):
    """How a segment's members are chosen."""

    RULES = "rules"
    RFM = "rfm"
    CLUSTER = "cluster"
    MANUAL = "manual"


class Segment(TimestampMixin, SoftDeleteMixin, Base):
    """A named set of customers defined by rules (or a model, or by hand)."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[SegmentKind] = mapped_column(str_enum(SegmentKind), default=SegmentKind.RULES)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    refreshed_at: Mapped[datetime | None]


class SegmentMembership(Base):
    """A customer's stay in a segment; ``left_at`` is empty while they are in it."""

    __tablename__ = "segment_memberships"
    __table_args__ = (
        Index("ix_segment_memberships_segment_id_left_at", "segment_id", "left_at"),
        Index("ix_segment_memberships_customer_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    entered_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
