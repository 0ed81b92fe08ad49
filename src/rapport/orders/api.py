"""The order routes of the JSON API: the shared record routes, with each order's items.

``Order`` has no ``items`` relationship, and the shared read, restore and recycle-bin
routes give back the bare row, which the session no longer holds when the response is
written. Those three are defined here to give the order with its items; the routes
defined here take the place of the shared ones with the same path and method.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from rapport.api.crud import Cursor, Limit, Operations, Page, record_router
from rapport.api.deps import ActorDep, SessionDep
from rapport.api.errors import COMMON_RESPONSES, CONFLICT, NOT_FOUND
from rapport.orders import service
from rapport.orders.schemas import OrderCreate, OrderFilters, OrderRead, OrderSort, OrderUpdate

_shared = record_router(
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
        search=service.list_page,
    ),
)

router = APIRouter(prefix="/orders", tags=["orders"], responses=COMMON_RESPONSES)


@router.get(
    "/deleted",
    response_model=Page[OrderRead],
    summary="The order records in the recycle bin",
    operation_id="list_deleted_order",
)
def list_deleted(
    session: SessionDep, actor: ActorDep, cursor: Cursor = None, limit: Limit = 50
) -> Page[OrderRead]:
    """The deleted orders ``actor`` may restore, with their items."""
    page = service.list_page(session=session, actor=actor, cursor=cursor, limit=limit, deleted=True)
    return Page[OrderRead](items=list(page.items), next_cursor=page.next_cursor)


@router.get(
    "/{record_id}",
    response_model=OrderRead,
    responses=NOT_FOUND,
    summary="Read an order",
    operation_id="read_order",
)
def read_order(session: SessionDep, actor: ActorDep, record_id: int) -> OrderRead:
    """The order with its items."""
    return service.get(session=session, actor=actor, record_id=record_id)


@router.post(
    "/{record_id}/restore",
    response_model=OrderRead,
    responses={**NOT_FOUND, **CONFLICT},
    summary="Bring an order back from the recycle bin",
    operation_id="restore_order",
)
def restore_order(session: SessionDep, actor: ActorDep, record_id: int) -> OrderRead:
    """The order back from the recycle bin, with its items."""
    return service.restore(session=session, actor=actor, record_id=record_id)


def _endpoints(routes: list[BaseRoute]) -> set[tuple[str, str]]:
    """The (path, method) pairs that ``routes`` answer."""
    return {
        (route.path, method)
        for route in routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }


_own = _endpoints(router.routes)
router.routes.extend(route for route in _shared.routes if not _endpoints([route]) & _own)
