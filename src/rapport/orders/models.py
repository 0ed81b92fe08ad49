"""Orders and their line items."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rapport.db import Base, BigId, SoftDeleteMixin, TimestampMixin, str_enum


class OrderStatus(StrEnum):
    """Only paid orders count as purchases in the analyses."""

    PENDING = "pending"
    PAID = "paid"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


class Order(TimestampMixin, SoftDeleteMixin, Base):
    """A customer's order; its total is the sum of its items' line totals."""

    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_customer_id_ordered_at", "customer_id", "ordered_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(120), index=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus), default=OrderStatus.PAID)
    channel: Mapped[str | None] = mapped_column(String(40))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    deal_id: Mapped[int | None] = mapped_column(
        ForeignKey("deals.id", ondelete="SET NULL"), index=True
    )
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    ordered_at: Mapped[datetime] = mapped_column(index=True)
    refunded_at: Mapped[datetime | None]

    items: Mapped[list[OrderItem]] = relationship(
        order_by="OrderItem.id", lazy="selectin", viewonly=True
    )


class OrderItem(Base):
    """One product line of an order: quantity × unit price − discount."""

    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    quantity: Mapped[int] = mapped_column(default=1)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    line_total_minor: Mapped[int] = mapped_column(BigInteger)
