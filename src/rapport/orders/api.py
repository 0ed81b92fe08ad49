"""The order routes of the JSON API: the shared record routes, each order with its items."""

from __future__ import annotations

from rapport.api.crud import Operations, record_router
from rapport.orders import service
from rapport.orders.schemas import OrderCreate, OrderFilters, OrderRead, OrderSort, OrderUpdate

router = record_router(
    "/orders",
    "orders",
    Operations(
        kind=service.RECORD,
        read=OrderRead,
        create_schema=OrderCreate,
        update_schema=OrderUpdate,
        filters=OrderFilters,
        sort=OrderSort,
        create=service.create,
        update=service.update,
    ),
)
