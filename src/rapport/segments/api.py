"""The segment routes of the JSON API: the shared record routes, plus the members list
and the members as an ad platform audience."""

from __future__ import annotations

import io
import tempfile
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from rapport.api import export
from rapport.api.crud import Cursor, Limit, Operations, Page, record_router
from rapport.api.deps import ActorDep, SessionDep
from rapport.api.errors import COMMON_RESPONSES, NOT_FOUND
from rapport.db import utcnow
from rapport.segments import audience, service
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


PlatformQuery = Annotated[
    audience.Platform,
    Query(description="The platform whose phone normalisation to hash: google (E.164 with "
          "+, the default) or meta (country code and digits, no +)."),
]  # fmt: skip
AudienceFormat = Annotated[Literal["csv"], Query(alias="format", description="Only csv.")]


def _count_header(description: str) -> dict[str, Any]:
    return {"description": description, "required": True, "schema": {"type": "integer"}}


AUDIENCE_HEADERS: Final = {
    "X-Audience-Members": _count_header("Current members visible to the user."),
    "X-Audience-Included": _count_header("Members in the file."),
    "X-Audience-Excluded-Opted-Out": _count_header("Left out: opted out of marketing."),
    "X-Audience-Excluded-No-Consent": _count_header(
        "Left out: the newest audience_export consent is not 'given' (or there is none)."
    ),
    "X-Audience-Excluded-No-Contact": _count_header("Left out: neither email nor phone."),
}


@members_router.get(
    "/{record_id}/audience",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "CSV with the columns email_sha256 and phone_sha256 (SHA-256 hex "
            "of the trimmed lower-case email and of the phone number; empty when missing), "
            "one line per member included; the headers count who was left out and why.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "headers": AUDIENCE_HEADERS,
        },
        **NOT_FOUND,
    },
    summary="The segment's customers as a customer-match audience for ad platforms",
)
def export_audience(
    session: SessionDep,
    actor: ActorDep,
    record_id: int,
    platform: PlatformQuery = "google",
    file_format: AudienceFormat = "csv",
) -> StreamingResponse:
    """The current members the user may see whose consent allows it (not opted out of
    marketing; the newest audience_export consent given), as hashed emails and phone
    numbers for Google Customer Match or Meta Custom Audiences."""
    members = audience.members(session=session, actor=actor, segment_id=record_id,
                               platform=platform)  # fmt: skip
    # Written in full first, so the counts can go in the headers; memory stays flat.
    file = tempfile.SpooledTemporaryFile(max_size=export.SPOOL_BYTES)  # noqa: SIM115
    try:
        text = io.TextIOWrapper(file, encoding="utf-8", newline="")
        counts = audience.write_csv(members=members, out=text)
        text.detach()  # flushes; ``file`` stays open
    except BaseException:
        file.close()
        raise
    name = f"segment-{record_id}-audience-{platform}-{utcnow():%Y%m%d-%H%M%S}.{file_format}"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Content-Length": str(export.size_of(file)),
        "X-Audience-Members": str(counts.members),
        "X-Audience-Included": str(counts.included),
        "X-Audience-Excluded-Opted-Out": str(counts.opted_out),
        "X-Audience-Excluded-No-Consent": str(counts.no_consent),
        "X-Audience-Excluded-No-Contact": str(counts.no_contact),
    }
    return StreamingResponse(export.file_chunks(file), media_type="text/csv; charset=utf-8",
                             headers=headers)  # fmt: skip
