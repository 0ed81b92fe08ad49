"""Interactions with customers: calls, emails, meetings, visits, chats, notes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db import Base, BigId, SoftDeleteMixin, TimestampMixin, str_enum


class InteractionKind(StrEnum):
    """The medium of an interaction."""

    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    VISIT = "visit"
    CHAT = "chat"
    SMS = "sms"
    WECHAT = "wechat"
    NOTE = "note"


class Direction(StrEnum):
    """Who started the interaction."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Interaction(TimestampMixin, SoftDeleteMixin, Base):
    """One contact with a customer, or a note about them."""

    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_customer_id_occurred_at", "customer_id", "occurred_at"),
        Index("ix_interactions_user_id_occurred_at", "user_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deal_id: Mapped[int | None] = mapped_column(
        ForeignKey("deals.id", ondelete="SET NULL"), index=True
    )
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[InteractionKind] = mapped_column(str_enum(InteractionKind))
    direction: Mapped[Direction | None] = mapped_column(str_enum(Direction))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    duration_seconds: Mapped[int | None] = mapped_column(BigInteger)
    outcome: Mapped[str | None] = mapped_column(String(80))
    occurred_at: Mapped[datetime]
