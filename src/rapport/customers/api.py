"""The customer routes of the JSON API: the shared record routes, plus merging."""

from __future__ import annotations

from fastapi import APIRouter

from rapport.api.crud import Operations, record_router
from rapport.api.deps import ActorDep, SessionDep
from rapport.api.errors import COMMON_RESPONSES, CONFLICT, NOT_FOUND
from rapport.customers import merge, service
from rapport.customers.models import Customer
from rapport.customers.schemas import (
    CustomerCreate,
    CustomerFilters,
    CustomerRead,
    CustomerSort,
    CustomerUpdate,
    MergeRequest,
)

router = record_router(
    "/customers",
    "customers",
    Operations(
        kind=service.RECORD,
        read=CustomerRead,
        create_schema=CustomerCreate,
        update_schema=CustomerUpdate,
        filters=CustomerFilters,
        sort=CustomerSort,
        create=service.create,
        update=service.update,
        search=service.list_page,
    ),
)

merge_router = APIRouter(prefix="/customers", tags=["customers"], responses=COMMON_RESPONSES)


@merge_router.post(
    "/{record_id}/merge",
    response_model=CustomerRead,
    responses={**NOT_FOUND, **CONFLICT},
    summary="Merge a duplicate into this customer",
)
def merge_customer(
    session: SessionDep, actor: ActorDep, record_id: int, data: MergeRequest
) -> Customer:
    """Move the duplicate's records to this customer, fill its empty fields, and delete it."""
    return merge.merge(
        session=session, actor=actor, survivor_id=record_id, duplicate_id=data.duplicate_id
    )
