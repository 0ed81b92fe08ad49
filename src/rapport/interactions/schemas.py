"""The shapes of interactions in the API: what is sent to log or change one, what comes back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from rapport.interactions.models import Direction, InteractionKind
from rapport.schemas import Moment, Short, Text

InteractionSort = Literal[
    "id", "-id", "occurred_at", "-occurred_at", "created_at", "-created_at",

]  # fmt: skip

Subject = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Seconds = Annotated[int, Field(ge=0, le=10_000_000)]


class _InteractionFields(BaseModel):
    """The fields that are optional both when logging and when changing an interaction."""

    model_config = ConfigDict(extra="forbid")

    user_id: int | None = Field(
        default=None, description="Who had the contact; you, when left out."
    )
    deal_id: int | None = Field(default=None, description="A deal of the same customer.")
    ticket_id: int | None = Field(default=None, description="A ticket of the same customer.")
    direction: Direction | None = None
    subject: Subject | None = None
    body: Text | None = None
    duration_seconds: Seconds | None = None
    outcome: Short | None = None


class InteractionCreate(_InteractionFields):
    """A contact with a customer (or a note about them): customer, kind and time required."""

    customer_id: int
    kind: InteractionKind
    occurred_at: Moment


class InteractionUpdate(_InteractionFields):
    """Changes to an interaction: only the fields sent are changed; null clears a field."""

    customer_id: int | None = None
    kind: InteractionKind | None = None
    occurred_at: Moment | None = None


class InteractionRead(BaseModel):
    """An interaction as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    user_id: int | None
    deal_id: int | None
    ticket_id: int | None
    kind: InteractionKind
    direction: Direction | None
    subject: str | None
    body: str | None
    duration_seconds: int | None
    outcome: str | None
    occurred_at: datetime
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class InteractionFilters(BaseModel):
    """What an interaction list can be filtered by; every filter given must hold."""

    customer_id: int | None = None
    user_id: list[int] = Field(default=[], description="Any of these users.")
    kind: list[InteractionKind] = Field(default=[], description="Any of these kinds.")
    direction: Direction | None = None
    deal_id: int | None = None
    ticket_id: int | None = None
    occurred_from: Moment | None = Field(default=None, description="Happened at or after.")
    occurred_to: Moment | None = Field(default=None, description="Happened before.")
