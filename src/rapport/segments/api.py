"""The segment routes of the JSON API: the shared record routes, plus the members list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from rapport.api.crud import Cursor, Limit, Operations, Page, record_router
from rapport.api.deps import ActorDep, SessionDep
from rapport.api.errors import COMMON_RESPONSES, NOT_FOUND
from rapport.segments import service
from rapport.segments.schemas import (
    MemberRead,
    MemberSort,
    SegmentCreate,
    SegmentFilters,
    SegmentRead,
    SegmentSort,
    SegmentUpdate,
)

router = record_router(
    "/segments",
    "segments",
    Operations(
        kind=service.RECORD,
        read=SegmentRead,
        create_schema=SegmentCreate,
        update_schema=SegmentUpdate,
        filters=SegmentFilters,
        sort=SegmentSort,
        create=service.create,
        update=service.update,
    ),
)
members_router = APIRouter(prefix="/segments", tags=["segments"], responses=COMMON_RESPONSES)
Current = Annotated[
    bool | None,
    Query(description="true: only customers still in the segment; false: only those who left."),
]


@members_router.get(
    "/{record_id}/members",
    response_model=Page[MemberRead],
    responses=NOT_FOUND,
    summary="The customers in a segment, now and before",
)
def list_members(
    session: SessionDep,
    actor: ActorDep,
    record_id: int,
    current: Current = None,
    sort: MemberSort = "id",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[MemberRead]:
    """One page of the segment's memberships (customer, entered, left), of the customers
    the user may see; others are left out without a trace."""
    page = service.list_members(session=session, actor=actor, segment_id=record_id,
                                current=current, sort=sort, cursor=cursor, limit=limit)  # fmt: skip
    items = [MemberRead.model_validate(member) for member in page.items]
    return Page[MemberRead](items=items, next_cursor=page.next_cursor)
