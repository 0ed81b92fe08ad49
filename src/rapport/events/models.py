"""Behaviour events: page and product views, carts, checkouts, payments, logins …"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from rapport.db import Base, BigId


class Event(Base):
    """Something a known or anonymous visitor did, in a session, at a time."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_customer_id_occurred_at", "customer_id", "occurred_at"),
        Index("ix_events_name_occurred_at", "name", "occurred_at"),
        Index("ix_events_session_id", "session_id"),
        # A visitor's events before they were known (personal-data export and erasure).
        Index("ix_events_anonymous_id", "anonymous_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    anonymous_id: Mapped[str | None] = mapped_column(String(64))
    session_id: Mapped[str] = mapped_column(String(64))
    # page_view, product_view, add_to_cart, checkout, payment, payment_failed, login, download …
    name: Mapped[str] = mapped_column(String(40))
    page: Mapped[str | None] = mapped_column(String(300))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    channel: Mapped[str | None] = mapped_column(String(40))
    properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime | None]
