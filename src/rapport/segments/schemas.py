"""The shapes of saved segments and of their memberships in the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rapport.schemas import Name, Text
from rapport.segments.models import SegmentKind

SegmentSort = Literal[
    "id", "-id", "name", "-name", "created_at", "-created_at", "updated_at", "-updated_at"
]
MemberSort = Literal["id", "-id", "entered_at", "-entered_at"]
DEFINITION_HELP = (
    'A JSON object. For a rules segment: {"all": [...]} or {"any": [...]} of conditions '
    '{"field": "paid_orders", "op": ">=", "value": 5}; op is one of =, !=, <, <=, >, >=, '
    "in, not_in (value a list), contains, starts_with, is_null, not_null (no value)."
)


class SegmentCreate(BaseModel):
    """A new segment, owned by its creator unless another owner is given."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    description: Text | None = None
    kind: SegmentKind = SegmentKind.RULES
    definition: dict[str, Any] | None = Field(
        default=None, description=DEFINITION_HELP + ' Default: {"all": []} (everyone) for rules.'
    )
    owner_id: int | None = None


class SegmentUpdate(BaseModel):
    """Changes to a segment: only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Text | None = None
    kind: SegmentKind | None = None
    definition: dict[str, Any] | None = Field(default=None, description=DEFINITION_HELP)
    owner_id: int | None = None


class SegmentRead(BaseModel):
    """A segment as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None
    kind: SegmentKind
    definition: dict[str, Any]
    owner_id: int | None
    refreshed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class SegmentFilters(BaseModel):
    """What a segment list can be filtered by; every filter given must hold."""

    kind: list[SegmentKind] = Field(default=[], description="Any of these kinds.")
    owner_id: list[int] = Field(default=[], description="Any of these owners.")


class MemberRead(BaseModel):
    """A customer's stay in a segment; ``left_at`` is null while they are still in it."""

    model_config = ConfigDict(from_attributes=True)

    customer_id: int
    entered_at: datetime
    left_at: datetime | None
