"""The personal-data routes of the JSON API: the access/portability export and erasure.

Who may do what, and what erasure keeps, is written down in docs/privacy.md.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from rapport.api.deps import ActorDep, SessionDep
from rapport.api.errors import COMMON_RESPONSES, NOT_FOUND
from rapport.api.export import safe_cell
from rapport.customers import privacy

router = APIRouter(prefix="/customers", tags=["personal data"], responses=COMMON_RESPONSES)

Rows = list[dict[str, Any]]


class PersonalDataRead(BaseModel):
    """Everything held about one customer, one section per kind of record."""

    customer_id: int
    exported_at: datetime
    customer: dict[str, Any] = Field(description="The customer record, every field.")
    tags: Rows
    custom_fields: Rows = Field(description="key, label, label_zh and value of each.")
    consents: Rows
    orders: Rows
    order_items: Rows
    deals: Rows
    interactions: Rows
    tickets: Rows
    survey_responses: Rows
    events: Rows = Field(description="Theirs, and anonymous ones of the same visitor or visit.")
    tasks: Rows
    segment_memberships: Rows
    scores: Rows
    audit_log: Rows = Field(description="The customer record's change history.")


class EraseRequest(BaseModel):
    """Confirmation and the reason of an erasure (a data-subject request, say)."""

    model_config = ConfigDict(extra="forbid")

    confirm: bool = Field(description="Must be true: an erasure cannot be undone.")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]

    @field_validator("confirm")
    @classmethod
    def _confirmed(cls, value: bool) -> bool:
        if not value:
            raise ValueError("must be true: an erasure cannot be undone")
        return value


class ErasureRead(BaseModel):
    """What an erasure did."""

    model_config = ConfigDict(from_attributes=True)

    customer_id: int
    erased_at: datetime
    customer_ids: list[int] = Field(
        description="The customer, and the duplicates once merged into it, all erased."
    )
    scrubbed: dict[str, int] = Field(description="Records cleared of personal data, by kind.")
    audit_values: int = Field(description="Audit rows whose values were overwritten.")


def _csv(section: privacy.Section) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(section.columns)
    for row in section.rows:
        writer.writerow([safe_cell(row[c]) for c in section.columns])
    return "\ufeff" + out.getvalue()  # the BOM makes Excel read the file as UTF-8


def _zip(data: privacy.PersonalData) -> bytes:
    """A ZIP with one CSV per section, in memory: one customer's data is small."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for section in data.sections:
            archive.writestr(f"{section.name}.csv", _csv(section))
    return buffer.getvalue()


@router.get(
    "/{customer_id}/personal-data",
    response_model=PersonalDataRead,
    responses={
        **NOT_FOUND,
        200: {
            "content": {"application/zip": {}},
            "description": "JSON, or with `format=csv` a ZIP of one CSV per section.",
        },
    },
    summary="Everything held about a customer (access and portability)",
)
def export_personal_data(
    session: SessionDep,
    actor: ActorDep,
    customer_id: int,
    file_format: Annotated[
        Literal["json", "csv"], Query(alias="format", description="json, or csv for a ZIP.")
    ] = "json",
) -> Any:
    """The customer record, tags, custom fields, consents, orders with items, deals,
    interactions, tickets, survey answers, events, tasks, segment memberships, scores and
    the audit history; for admins, and for whoever may see the customer."""
    data = privacy.personal_data(session=session, actor=actor, customer_id=customer_id)
    if file_format == "csv":
        name = f"customer-{customer_id}-personal-data-{data.exported_at:%Y%m%d-%H%M%S}.zip"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(_zip(data), media_type="application/zip", headers=headers)
    sections = {s.name: s.rows for s in data.sections}
    return PersonalDataRead(
        customer_id=data.customer_id,
        exported_at=data.exported_at,
        customer=sections.pop("customer")[0],
        **sections,
    )


@router.post(
    "/{customer_id}/erase",
    response_model=ErasureRead,
    responses=NOT_FOUND,
    summary="Erase a customer's personal data, keeping the figures",
)
def erase_customer(
    session: SessionDep, actor: ActorDep, customer_id: int, data: EraseRequest
) -> privacy.Erasure:
    """Anonymise the customer and the records about them everywhere, search and audit
    values included; orders, scores and counts stay. Admins only."""
    return privacy.erase(session=session, actor=actor, customer_id=customer_id, reason=data.reason)
