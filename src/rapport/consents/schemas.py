"""The shapes of the consent ledger in the API: an entry to add, entries and states shown."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from rapport.consents.models import ConsentStatus
from rapport.schemas import Moment, Text


class ConsentPurpose(StrEnum):
    """What a customer agrees to (docs/privacy.md defines each)."""

    MARKETING = "marketing"  # being sent offers and news
    PROFILING = "profiling"  # scores, segments and predictions about them
    AUDIENCE_EXPORT = "audience_export"  # hashed contact data given to ad platforms
    DATA_TRANSFER = "data_transfer"  # personal data sent abroad or to third parties


class ConsentChannel(StrEnum):
    """The channel a consent is limited to; no channel means every channel."""

    EMAIL = "email"
    SMS = "sms"
    WECHAT = "wechat"
    PHONE = "phone"


Source = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class ConsentCreate(BaseModel):
    """A new ledger entry: the customer gave or withdrew consent for a purpose."""

    model_config = ConfigDict(extra="forbid")

    purpose: ConsentPurpose
    channel: ConsentChannel | None = Field(
        default=None, description="Leave out (null) for every channel."
    )
    status: ConsentStatus
    at: Moment | None = Field(
        default=None, description="When the customer gave or withdrew it; default now, never later."
    )
    source: Source = Field(description="Where it was recorded: web_form, import, agent, api …")
    note: Text | None = None


class ConsentRead(BaseModel):
    """One entry of the ledger."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    purpose: str
    channel: str | None
    status: ConsentStatus
    at: datetime
    source: str
    note: str | None


class ConsentState(BaseModel):
    """What holds now for one purpose and channel: the newest entry's status."""

    purpose: str
    channel: str | None = Field(description="null: the entry applies to every channel.")
    status: ConsentStatus
    at: datetime
    consent_id: int = Field(description="The ledger entry that holds.")
