"""The shapes of service tickets in the API: what is sent to open or change one, what comes back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from rapport.schemas import Moment, Name, Short, Text
from rapport.tickets.models import TicketPriority, TicketStatus

Channel = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)]
TicketSort = Literal[
    "id", "-id", "opened_at", "-opened_at", "created_at", "-created_at",

]  # fmt: skip


class _TicketFields(BaseModel):
    """The fields a person may set; every one is optional when changing a ticket."""

    model_config = ConfigDict(extra="forbid")

    order_id: int | None = Field(default=None, description="An order of the same customer.")
    product_id: int | None = None
    assignee_id: int | None = Field(default=None, description="The user handling the ticket.")
    description: Text | None = None
    category: Short | None = None
    channel: Channel | None = None
    first_response_at: Moment | None = Field(
        default=None, description="When the customer first heard back; not before opened_at."
    )
    external_id: ExternalId | None = None


class TicketCreate(_TicketFields):
    """A new ticket about a customer; it opens now unless ``opened_at`` says otherwise."""

    customer_id: int
    subject: Name
    status: TicketStatus = TicketStatus.OPEN
    priority: TicketPriority = TicketPriority.NORMAL
    opened_at: Moment | None = Field(default=None, description="Default: now.")


class TicketUpdate(_TicketFields):
    """Changes to a ticket: only the fields sent change.

    Setting status ``resolved`` stamps ``resolved_at``, ``closed`` stamps ``closed_at``;
    back to ``open`` or ``pending`` (reopening) clears both.
    """

    customer_id: int | None = None
    subject: Name | None = None
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    opened_at: Moment | None = None


class TicketRead(BaseModel):
    """A ticket as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    order_id: int | None
    product_id: int | None
    assignee_id: int | None
    subject: str
    description: str | None
    status: TicketStatus
    priority: TicketPriority
    category: str | None
    channel: str | None
    opened_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    external_id: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class TicketFilters(BaseModel):
    """What a ticket list can be filtered by; every filter given must hold."""

    status: list[TicketStatus] = Field(default=[], description="Any of these statuses.")
    priority: list[TicketPriority] = Field(default=[], description="Any of these priorities.")
    category: str | None = None
    assignee_id: list[int] = Field(default=[], description="Any of these assignees.")
    customer_id: int | None = None
    opened_from: Moment | None = Field(default=None, description="Opened at or after.")
    opened_to: Moment | None = Field(default=None, description="Opened before.")
