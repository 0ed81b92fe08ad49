"""Satisfaction surveys (NPS, CSAT, CES, custom) and customers' answers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db import Base, SoftDeleteMixin, TimestampMixin, str_enum


class SurveyKind(StrEnum):
    """The standard a survey's score follows (see docs/metrics.md)."""

    NPS = "nps"  # 0–10
    CSAT = "csat"  # 1–5
    CES = "ces"  # 1–7
    CUSTOM = "custom"


class Survey(TimestampMixin, SoftDeleteMixin, Base):
    """A question asked of customers, with the scale of its score."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[SurveyKind] = mapped_column(str_enum(SurveyKind))
    question: Mapped[str] = mapped_column(Text)
    scale_min: Mapped[int]
    scale_max: Mapped[int]
    is_active: Mapped[bool] = mapped_column(default=True)


class SurveyResponse(TimestampMixin, SoftDeleteMixin, Base):
    """One customer's answer to a survey, possibly about a ticket or an order."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        Index("ix_survey_responses_survey_id_responded_at", "survey_id", "responded_at"),
        Index("ix_survey_responses_customer_id_responded_at", "customer_id", "responded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str | None] = mapped_column(String(40))
    responded_at: Mapped[datetime]
