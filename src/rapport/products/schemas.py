"""The shapes of products and product categories in the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from rapport.normalize import Currency
from rapport.schemas import Money, Name, Text

CategoryName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)
]
Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
CategorySort = Literal["id", "-id", "name", "-name", "created_at", "-created_at"]
ProductSort = Literal[
    "id", "-id", "name", "-name", "sku", "-sku",
    "unit_price_minor", "-unit_price_minor", "created_at", "-created_at",
]  # fmt: skip


class CategoryCreate(BaseModel):
    """A new category, at the top or inside another."""

    model_config = ConfigDict(extra="forbid")

    name: CategoryName = Field(description="Unique among all categories.")
    parent_id: int | None = Field(default=None, description="The category this one sits in.")


class CategoryUpdate(BaseModel):
    """Changes to a category: only the fields sent change; a null parent makes it top-level."""

    model_config = ConfigDict(extra="forbid")

    name: CategoryName | None = None
    parent_id: int | None = None


class CategoryRead(BaseModel):
    """A product category."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    parent_id: int | None
    created_at: datetime
    updated_at: datetime


class CategoryFilters(BaseModel):
    """What a category list can be filtered by."""

    parent_id: int | None = Field(default=None, description="Only the categories inside this one.")


class _ProductFields(BaseModel):
    """The fields of a product that are optional when creating one."""

    model_config = ConfigDict(extra="forbid")

    description: Text | None = None
    category_id: int | None = None


class ProductCreate(_ProductFields):
    """A new product with its list price."""

    sku: Sku = Field(description="Stock-keeping unit; unique, also among deleted products.")
    name: Name
    unit_price_minor: Money
    currency: Currency | None = Field(
        default=None, description="ISO 4217 code; the default currency when left out."
    )
    is_active: bool = Field(default=True, description="Inactive products cannot be ordered.")


class ProductUpdate(_ProductFields):
    """Changes to a product: only the fields sent change; null clears an optional field."""

    sku: Sku | None = None
    name: Name | None = None
    unit_price_minor: Money | None = None
    currency: Currency | None = None
    is_active: bool | None = None


class ProductRead(BaseModel):
    """A product as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    sku: str
    name: str
    description: str | None
    category_id: int | None
    unit_price_minor: int
    currency: str
    is_active: bool
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class ProductFilters(BaseModel):
    """What a product list can be filtered by; every filter given must hold."""

    q: str | None = Field(
        default=None, max_length=100, description="The start of the SKU or name, any case."
    )
    category_id: int | None = None
    is_active: bool | None = None
