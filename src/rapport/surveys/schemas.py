"""The shapes of surveys and of customers' answers to them in the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from rapport.schemas import Moment, Name, Text
from rapport.surveys.models import SurveyKind

Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
ScaleEnd = Annotated[int, Field(ge=-1000, le=1000)]
Channel = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
SurveySort = Literal[
    "id", "-id", "name", "-name", "created_at", "-created_at", "updated_at", "-updated_at"
]
SurveyResponseSort = Literal[
    "id", "-id", "responded_at", "-responded_at", "score", "-score", "created_at", "-created_at"
]
SCALE_HELP = "NPS 0–10, CSAT 1–5 and CES 1–7 are fixed (may be left out); custom needs both ends."


class SurveyCreate(BaseModel):
    """A new survey; the standard kinds bring their own scale."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    kind: SurveyKind
    question: Question = Field(description="One text; write both languages in it if needed.")
    scale_min: ScaleEnd | None = Field(default=None, description=SCALE_HELP)
    scale_max: ScaleEnd | None = Field(default=None, description=SCALE_HELP)
    is_active: bool = True


class SurveyUpdate(BaseModel):
    """Changes to a survey; kind and scale are fixed once it has answers."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    kind: SurveyKind | None = None
    question: Question | None = None
    scale_min: ScaleEnd | None = None
    scale_max: ScaleEnd | None = None
    is_active: bool | None = None


class SurveyRead(BaseModel):
    """A survey as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: SurveyKind
    question: str
    scale_min: int
    scale_max: int
    is_active: bool
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class SurveyFilters(BaseModel):
    """What a survey list can be filtered by."""

    kind: list[SurveyKind] = Field(default=[], description="Any of these kinds.")
    is_active: bool | None = None


class _ResponseFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: Text | None = None
    ticket_id: int | None = Field(default=None, description="A ticket of the same customer.")
    order_id: int | None = Field(default=None, description="An order of the same customer.")
    channel: Channel | None = None


class SurveyResponseCreate(_ResponseFields):
    """A customer's answer to a survey; the score must lie on the survey's scale."""

    survey_id: int
    customer_id: int
    score: int
    responded_at: Moment | None = Field(default=None, description="Default: now.")


class SurveyResponseUpdate(_ResponseFields):
    """Changes to an answer: only the fields sent change."""

    survey_id: int | None = None
    customer_id: int | None = None
    score: int | None = None
    responded_at: Moment | None = None


class SurveyResponseRead(BaseModel):
    """An answer as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    survey_id: int
    customer_id: int
    score: int
    comment: str | None
    ticket_id: int | None
    order_id: int | None
    channel: str | None
    responded_at: datetime
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class SurveyResponseFilters(BaseModel):
    """What a list of answers can be filtered by; every filter given must hold."""

    survey_id: int | None = None
    customer_id: int | None = None
    responded_from: Moment | None = Field(default=None, description="Answered at or after.")
    responded_to: Moment | None = Field(default=None, description="Answered before.")
    min_score: int | None = Field(default=None, description="Score at least.")
    max_score: int | None = Field(default=None, description="Score at most.")
