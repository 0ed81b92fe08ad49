"""The product and product-category routes of the JSON API (the shared record routes)."""

from __future__ import annotations

from rapport.api.crud import Operations, record_router
from rapport.products import service
from rapport.products.schemas import (
    CategoryCreate,
    CategoryFilters,
    CategoryRead,
    CategorySort,
    CategoryUpdate,
    ProductCreate,
    ProductFilters,
    ProductRead,
    ProductSort,
    ProductUpdate,
)

router = record_router(
    "/products",
    "products",
    Operations(
        kind=service.RECORD,
        read=ProductRead,
        create_schema=ProductCreate,
        update_schema=ProductUpdate,
        filters=ProductFilters,
        sort=ProductSort,
        create=service.create,
        update=service.update,
    ),
)

categories_router = record_router(
    "/product-categories",
    "products",
    Operations(
        kind=service.CATEGORY_RECORD,
        read=CategoryRead,
        create_schema=CategoryCreate,
        update_schema=CategoryUpdate,
        filters=CategoryFilters,
        sort=CategorySort,
        create=service.create_category,
        update=service.update_category,
        delete=service.delete_category,
    ),
)
