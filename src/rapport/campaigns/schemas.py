"""The shapes of marketing campaigns in the API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from rapport.normalize import Currency
from rapport.schemas import Money, Name, Text

Channel = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
CampaignSort = Literal[
    "id", "-id", "name", "-name", "created_at", "-created_at", "updated_at", "-updated_at"
]


class CampaignCreate(BaseModel):
    """A new campaign on one acquisition channel."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    channel: Channel
    description: Text | None = None
    cost_minor: Money = 0
    currency: Currency | None = Field(default=None, description="Default: the CRM's currency.")
    starts_on: date | None = None
    ends_on: date | None = Field(default=None, description="The last day; not before starts_on.")


class CampaignUpdate(BaseModel):
    """Changes to a campaign: only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    channel: Channel | None = None
    description: Text | None = None
    cost_minor: Money | None = None
    currency: Currency | None = None
    starts_on: date | None = None
    ends_on: date | None = None


class CampaignRead(BaseModel):
    """A campaign as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    channel: str
    description: str | None
    cost_minor: int
    currency: str
    starts_on: date | None
    ends_on: date | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class CampaignFilters(BaseModel):
    """What a campaign list can be filtered by; every filter given must hold."""

    channel: str | None = None
    active_on: date | None = Field(
        default=None, description="Running on this day (an open end counts as running)."
    )
