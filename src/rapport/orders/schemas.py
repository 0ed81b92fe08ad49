"""The shapes of orders and their items in the API.

Line totals and the order total are computed by the service from the items; a client
never sends them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from rapport.normalize import Currency
from rapport.orders.models import OrderStatus
from rapport.schemas import Moment, Money

OrderNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Channel = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)]
Quantity = Annotated[int, Field(ge=1, le=1_000_000)]
OrderSort = Literal[
    "id", "-id", "ordered_at", "-ordered_at", "total_minor", "-total_minor",
    "created_at", "-created_at",
]  # fmt: skip


class OrderItemCreate(BaseModel):
    """One line of an order: a product, how many, and at what price."""

    model_config = ConfigDict(extra="forbid")

    product_id: int = Field(description="An active product.")
    quantity: Quantity = 1
    unit_price_minor: Money | None = Field(
        default=None, description="The product's list price when left out."
    )
    discount_minor: Money = Field(
        default=0, description="Off the whole line; at most quantity × unit price."
    )


class OrderItemRead(BaseModel):
    """One line of an order, with its computed total."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    order_id: int
    product_id: int
    quantity: int
    unit_price_minor: int
    discount_minor: int
    line_total_minor: int = Field(description="quantity × unit price − discount.")


class _OrderFields(BaseModel):
    """The fields of an order that are optional when creating one."""

    model_config = ConfigDict(extra="forbid")

    number: OrderNumber | None = Field(
        default=None, description='Unique; one like "SO20260314A1B2C3" is made when left out.'
    )
    refunded_at: Moment | None = Field(
        default=None, description="Only for refunded orders; the time of the change when left out."
    )
    channel: Channel | None = None
    campaign_id: int | None = None
    deal_id: int | None = Field(default=None, description="A deal with the same customer.")
    owner_id: int | None = Field(default=None, description="The user responsible for it.")
    currency: Currency | None = Field(
        default=None, description="ISO 4217 code; the products' currency when left out."
    )
    external_id: ExternalId | None = None


class OrderCreate(_OrderFields):
    """A new order of a customer, with at least one item."""

    customer_id: int
    status: OrderStatus = OrderStatus.PAID
    ordered_at: Moment
    items: list[OrderItemCreate] = Field(min_length=1, max_length=1000)


class OrderUpdate(_OrderFields):
    """Changes to an order: only the fields sent change; ``items`` replaces all items."""

    status: OrderStatus | None = None
    ordered_at: Moment | None = None
    items: list[OrderItemCreate] | None = Field(default=None, min_length=1, max_length=1000)


class OrderRead(BaseModel):
    """An order with its items, as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    external_id: str | None
    customer_id: int
    status: OrderStatus
    channel: str | None
    campaign_id: int | None
    owner_id: int | None
    deal_id: int | None
    currency: str
    total_minor: int = Field(description="The sum of the items' line totals.")
    ordered_at: datetime
    refunded_at: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    items: list[OrderItemRead]


class OrderFilters(BaseModel):
    """What an order list can be filtered by; every filter given must hold."""

    customer_id: int | None = None
    status: list[OrderStatus] = Field(default=[], description="Any of these statuses.")
    channel: str | None = None
    owner_id: list[int] = Field(default=[], description="Any of these owners.")
    ordered_from: Moment | None = Field(default=None, description="Ordered at or after.")
    ordered_to: Moment | None = Field(default=None, description="Ordered before.")
    min_total: Money | None = Field(default=None, description="Total at least this.")
    max_total: Money | None = Field(default=None, description="Total at most this.")
