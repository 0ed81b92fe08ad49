"""The interaction routes of the JSON API: the shared record routes, plus bulk logging."""

from __future__ import annotations

from rapport.api.bulk import BULK_LIMIT, Atomic, BulkRequest, BulkResult
from rapport.api.crud import Operations, record_router
from rapport.api.deps import ActorDep, SessionDep
from rapport.interactions import service
from rapport.interactions.schemas import (
    InteractionCreate,
    InteractionFilters,
    InteractionRead,
    InteractionSort,
    InteractionUpdate,
)

router = record_router(
    "/interactions",
    "interactions",
    Operations(
        kind=service.RECORD,
        read=InteractionRead,
        create_schema=InteractionCreate,
        update_schema=InteractionUpdate,
        filters=InteractionFilters,
        sort=InteractionSort,
        create=service.create,
        update=service.update,
    ),
)


@router.post(
    "/bulk",
    response_model=BulkResult,
    summary=f"Log up to {BULK_LIMIT} interactions at once",
)
def bulk_create_interactions(
    session: SessionDep, actor: ActorDep, data: BulkRequest, atomic: Atomic = False
) -> BulkResult:
    """Log each valid item and report, by index, the id it got or what is wrong with it.

    Items are validated one by one, so a bad item does not stop the good ones (unless
    ``atomic``). Each error's path points into the body: ``body.items.3.occurred_at``.
    """
    return service.bulk_create(session=session, actor=actor, items=data.items, atomic=atomic)
