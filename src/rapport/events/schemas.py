"""The shapes of behaviour events in the API: what is sent to record one, what comes back.

Bulk recording takes the shapes of ``rapport.api.bulk``, each item an ``EventCreate``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from rapport.schemas import Moment

PROPERTIES_LIMIT = 16 * 1024  # bytes of the properties as compact UTF-8 JSON
_EVENT_NAME = re.compile(r"[a-z][a-z0-9_]*")

EventSort = Literal["id", "-id", "occurred_at", "-occurred_at"]


def _event_name(value: str) -> str:
    if not _EVENT_NAME.fullmatch(value):
        raise ValueError("use lower-case letters, digits and _, starting with a letter")
    return value


def _small_json(value: dict[str, Any]) -> dict[str, Any]:
    try:
        size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
    except (TypeError, ValueError) as exc:
        raise ValueError("must hold JSON values only") from exc
    if size > PROPERTIES_LIMIT:
        raise ValueError(f"must be at most {PROPERTIES_LIMIT // 1024} KB as JSON, not {size} bytes")
    return value


EventName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40),
    AfterValidator(_event_name),
]
Properties = Annotated[dict[str, Any], AfterValidator(_small_json)]


SessionId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
VisitorId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Page = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Channel = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]


class EventCreate(BaseModel):
    """Something a customer or an anonymous visitor did, in a session, at a time."""

    model_config = ConfigDict(extra="forbid")

    name: EventName = Field(
        description="What happened: page_view, product_view, add_to_cart, checkout, payment, "
        "payment_failed, login, download …"
    )
    session_id: SessionId = Field(description="The visit the event belongs to.")
    occurred_at: Moment
    customer_id: int | None = Field(default=None, description="Empty for anonymous visitors.")
    anonymous_id: VisitorId | None = Field(
        default=None, description="The visitor's id (a cookie) before they are known."
    )
    page: Page | None = None
    product_id: int | None = None
    order_id: int | None = Field(default=None, description="An order of the event's customer.")
    channel: Channel | None = None
    properties: Properties = Field(
        default_factory=dict, description="Anything else, as a JSON object of at most 16 KB."
    )


class EventRead(BaseModel):
    """An event as the API shows it; ``received_at`` is when Rapport recorded it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    session_id: str
    occurred_at: datetime
    received_at: datetime | None
    customer_id: int | None
    anonymous_id: str | None
    page: str | None
    product_id: int | None
    order_id: int | None
    channel: str | None
    properties: dict[str, Any]


class EventFilters(BaseModel):
    """What an event list can be filtered by; every filter given must hold."""

    customer_id: int | None = None
    anonymous_id: str | None = None
    name: list[str] = Field(default=[], description="Any of these event names.")
    session_id: str | None = None
    occurred_from: Moment | None = Field(default=None, description="Happened at or after.")
    occurred_to: Moment | None = Field(default=None, description="Happened before.")
