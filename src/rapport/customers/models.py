"""Customers (people and companies), their tags."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, String, Table, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rapport.db import Base, SoftDeleteMixin, TimestampMixin, str_enum

if TYPE_CHECKING:
    from rapport.scores.models import CustomerScore


class CustomerKind(StrEnum):
    """A customer is a person or a company; people may belong to a company."""

    PERSON = "person"
    COMPANY = "company"


class Gender(StrEnum):
    """Gender as the customer gave it."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class LifecycleStage(StrEnum):
    """Where a customer stands, computed from their records (see docs/metrics.md)."""

    LEAD = "lead"
    PROSPECT = "prospect"
    FIRST_TIME = "first_time"
    REPEAT = "repeat"
    LOYAL = "loyal"
    AT_RISK = "at_risk"
    CHURNED = "churned"
    WON_BACK = "won_back"


customer_tags = Table(
    "customer_tags",
    Base.metadata,
    Column("customer_id", ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(TimestampMixin, Base):
    """A free label put on customers."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    color: Mapped[str | None] = mapped_column(String(7))


class Customer(TimestampMixin, SoftDeleteMixin, Base):
    """A person or company the team sells to or serves, from lead onwards."""

    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_owner_id_created_at", "owner_id", "created_at"),
        Index("ix_customers_province_city", "province", "city"),
        # Lists by stage, newest first, without sorting every customer of the stage.
        Index("ix_customers_lifecycle_stage_created_at", "lifecycle_stage", "created_at"),
        # Case-insensitive prefix search on names (Chinese and Latin).
        Index("ix_customers_lower_name", func.lower(text("name"))),
        Index("ix_customers_lower_name_latin", func.lower(text("name_latin"))),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CustomerKind] = mapped_column(str_enum(CustomerKind), default=CustomerKind.PERSON)
    external_id: Mapped[str | None] = mapped_column(String(120), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    # Romanised name (pinyin for Chinese names), for search and sorting.
    name_latin: Mapped[str | None] = mapped_column(String(200), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)  # E.164
    wechat_id: Mapped[str | None] = mapped_column(String(64), index=True)
    gender: Mapped[Gender | None] = mapped_column(str_enum(Gender))
    birthday: Mapped[date | None]
    # Lunar birthday as "MM-DD", with a leading "L" for a leap month ("L04-12").
    birthday_lunar: Mapped[str | None] = mapped_column(String(8))
    language: Mapped[str | None] = mapped_column(String(10))

    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    province: Mapped[str | None] = mapped_column(String(80))
    city: Mapped[str | None] = mapped_column(String(80))
    district: Mapped[str | None] = mapped_column(String(80))
    street: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(20))

    # B2B: a person's company and job; a company's own facts.
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    job_title: Mapped[str | None] = mapped_column(String(120))
    industry: Mapped[str | None] = mapped_column(String(80))
    employee_count: Mapped[int | None]
    annual_revenue_minor: Mapped[int | None] = mapped_column(BigInteger)
    website: Mapped[str | None] = mapped_column(String(200))
    tax_id: Mapped[str | None] = mapped_column(String(40))

    channel: Mapped[str | None] = mapped_column(String(40), index=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    referred_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )

    lifecycle_stage: Mapped[LifecycleStage] = mapped_column(
        str_enum(LifecycleStage), default=LifecycleStage.LEAD, index=True
    )
    lifecycle_stage_override: Mapped[LifecycleStage | None] = mapped_column(
        str_enum(LifecycleStage)
    )
    lifecycle_changed_at: Mapped[datetime | None]

    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[str | None] = mapped_column(Text)
    marketing_opt_out: Mapped[bool] = mapped_column(default=False)
    marketing_opt_out_at: Mapped[datetime | None]
    # Set when personal data was erased; the row stays so aggregates keep their figures.
    anonymised_at: Mapped[datetime | None]

    # The scores of the scoring runs kept (docs/scoring.md), newest first; loaded with
    # the customers (one query for a page of them: the API shows the newest with each).
    score_history: Mapped[list[CustomerScore]] = relationship(
        order_by="[CustomerScore.computed_at.desc(), CustomerScore.id.desc()]",
        lazy="selectin",
        viewonly=True,
    )

    @property
    def scores(self) -> CustomerScore | None:
        """The newest scores, if a scoring run has scored this customer."""
        return self.score_history[0] if self.score_history else None
