"""The consent ledger: what each customer agreed to, and when they withdrew."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db import Base, str_enum


class ConsentStatus(StrEnum):
    """Whether consent was given or withdrawn by this entry."""

    GIVEN = "given"
    WITHDRAWN = "withdrawn"


class Consent(Base):
    """One entry of the ledger; the newest entry per purpose and channel holds."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_customer_id_purpose_at", "customer_id", "purpose", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    # marketing, profiling, audience_export, data_transfer …
    purpose: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str | None] = mapped_column(String(40))  # email, sms, wechat, phone …
    status: Mapped[ConsentStatus] = mapped_column(str_enum(ConsentStatus))
    at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(40))  # web form, import, agent, api …
    note: Mapped[str | None] = mapped_column(Text)
