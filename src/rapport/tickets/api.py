"""The ticket routes of the JSON API: the shared record routes."""

from __future__ import annotations

from rapport.api.crud import Operations, record_router
from rapport.tickets import service
from rapport.tickets.schemas import (
    TicketCreate,
    TicketFilters,
    TicketRead,
    TicketSort,
    TicketUpdate,
)

router = record_router(
    "/tickets",
    "tickets",
    Operations(
        kind=service.RECORD,
        read=TicketRead,
        create_schema=TicketCreate,
        update_schema=TicketUpdate,
        filters=TicketFilters,
        sort=TicketSort,
        create=service.create,
        update=service.update,
    ),
)
