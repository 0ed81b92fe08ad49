"""The event routes of the JSON API: record, bulk record, read, list, delete (admins), history.

Events are a behaviour log: there is no route to change one.
"""

from __future__ import annotations

from rapport.api.bulk import BULK_LIMIT, Atomic, BulkRequest, BulkResult
from rapport.api.crud import Operations, record_router
from rapport.api.deps import ActorDep, SessionDep
from rapport.events import service
from rapport.events.schemas import EventCreate, EventFilters, EventRead, EventSort

router = record_router(
    "/events",
    "events",
    Operations(
        kind=service.RECORD,
        read=EventRead,
        create_schema=EventCreate,
        update_schema=None,
        filters=EventFilters,
        sort=EventSort,
        create=service.create,
        delete=service.delete,
    ),
)


@router.post(
    "/bulk",
    response_model=BulkResult,
    summary=f"Record up to {BULK_LIMIT} events at once",
)
def bulk_create_events(
    session: SessionDep, actor: ActorDep, data: BulkRequest, atomic: Atomic = False
) -> BulkResult:
    """Record each valid item and report, by index, the id it got or what is wrong with it.

    Items are validated one by one, so a bad item does not stop the good ones (unless
    ``atomic``). Each error's path points into the body: ``body.items.3.occurred_at``.
    """
    return service.bulk_create(session=session, actor=actor, items=data.items, atomic=atomic)
