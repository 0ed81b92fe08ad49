"""Sales pipelines, their stages, deals and every move of a deal between stages."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rapport.db import Base, SoftDeleteMixin, TimestampMixin, str_enum


class StageOutcome(StrEnum):
    """Open stages are steps of the sale; won and lost stages end it."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


class DealStatus(StrEnum):
    """Whether a deal is still being worked, or how it ended."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Pipeline(TimestampMixin, SoftDeleteMixin, Base):
    """A configurable sales process: an ordered list of stages."""

    __tablename__ = "pipelines"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    is_default: Mapped[bool] = mapped_column(default=False)

    stages: Mapped[list[Stage]] = relationship(
        order_by="Stage.position", lazy="selectin", viewonly=True
    )


class Stage(TimestampMixin, Base):
    """One step of a pipeline, with the probability that a deal there is won."""

    __tablename__ = "stages"
    __table_args__ = (UniqueConstraint("pipeline_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int]
    probability: Mapped[int] = mapped_column(default=0)  # percent, 0–100
    outcome: Mapped[StageOutcome] = mapped_column(str_enum(StageOutcome), default=StageOutcome.OPEN)
    # Days after which a deal sitting in this stage counts as stalled (None: never).
    rotting_days: Mapped[int | None]


class Deal(TimestampMixin, SoftDeleteMixin, Base):
    """A sales opportunity with one customer, moving through a pipeline."""

    __tablename__ = "deals"
    __table_args__ = (Index("ix_deals_owner_id_status", "owner_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(120), index=True)
    name: Mapped[str] = mapped_column(String(200))
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id", ondelete="RESTRICT"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id", ondelete="RESTRICT"), index=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    channel: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[DealStatus] = mapped_column(str_enum(DealStatus), default=DealStatus.OPEN)
    amount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    expected_close_on: Mapped[date | None]
    stage_entered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    lost_reason: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    items: Mapped[list[DealItem]] = relationship(
        order_by="DealItem.id", lazy="selectin", viewonly=True
    )


class DealItem(Base):
    """A product a deal is about, with the quantity and price offered."""

    __tablename__ = "deal_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    quantity: Mapped[int] = mapped_column(default=1)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)


class DealStageChange(Base):
    """A deal entering a stage: from where, when and by whom."""

    __tablename__ = "deal_stage_changes"
    __table_args__ = (Index("ix_deal_stage_changes_deal_id_changed_at", "deal_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id", ondelete="RESTRICT"))
    to_stage_id: Mapped[int] = mapped_column(
        ForeignKey("stages.id", ondelete="RESTRICT"), index=True
    )
    changed_at: Mapped[datetime]
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
