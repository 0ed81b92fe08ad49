"""The shapes of pipelines, stages, deals and stage changes in the API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from rapport.deals.models import DealStatus, StageOutcome
from rapport.normalize import Currency
from rapport.schemas import Label, Moment, Money, Name, Text

Probability = Annotated[int, Field(ge=0, le=100, description="Chance of winning, in percent.")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PipelineSort = Literal["id", "-id", "name", "-name"]
StageSort = Literal["id", "-id", "position", "-position"]
DealSort = Literal[
    "id", "-id", "created_at", "-created_at",
    "amount_minor", "-amount_minor", "name", "-name",
]  # fmt: skip


class StageCreate(BaseModel):
    """A stage; added at the end of its pipeline unless a free position is given."""

    model_config = ConfigDict(extra="forbid")

    pipeline_id: int | None = Field(default=None, description="Left out inside a new pipeline.")
    name: Label = Field(min_length=1)
    position: int | None = Field(default=None, ge=0)
    probability: Probability = 0
    outcome: StageOutcome = StageOutcome.OPEN
    rotting_days: int | None = Field(default=None, ge=1, le=3650)


class StageUpdate(BaseModel):
    """Changes to a stage (reorder stages with the pipeline's stage-order route)."""

    model_config = ConfigDict(extra="forbid")

    name: Label | SkipJsonSchema[None] = Field(default=None, min_length=1)
    probability: Probability | SkipJsonSchema[None] = Field(default=None)
    outcome: StageOutcome | SkipJsonSchema[None] = Field(default=None)
    rotting_days: int | None = Field(default=None, ge=1, le=3650)


class StageRead(BaseModel):
    """A stage of a pipeline."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    pipeline_id: int
    name: str
    position: int
    probability: int
    outcome: StageOutcome
    rotting_days: int | None


class StageFilters(BaseModel):
    """Stages of one pipeline."""

    pipeline_id: int | None = None


class PipelineCreate(BaseModel):
    """A pipeline, with its stages in order."""

    model_config = ConfigDict(extra="forbid")

    name: Label = Field(min_length=1)
    is_default: bool = False
    stages: list[StageCreate] = Field(default=[], max_length=50)


class PipelineUpdate(BaseModel):
    """Changes to a pipeline; making it the default unsets the previous default."""

    model_config = ConfigDict(extra="forbid")

    name: Label | SkipJsonSchema[None] = Field(default=None, min_length=1)
    is_default: bool | SkipJsonSchema[None] = Field(default=None)


class PipelineRead(BaseModel):
    """A pipeline and its stages in order."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    is_default: bool
    stages: list[StageRead] = []
    created_at: datetime
    deleted_at: datetime | None


class PipelineFilters(BaseModel):
    """Pipelines have no filters."""


class StageOrder(BaseModel):
    """Every stage id of the pipeline, in the new order."""

    model_config = ConfigDict(extra="forbid")

    stage_ids: list[int] = Field(min_length=1, max_length=50)


class DealItemIn(BaseModel):
    """A product a deal is about."""

    model_config = ConfigDict(extra="forbid")

    product_id: int
    quantity: int = Field(default=1, ge=1, le=1_000_000)
    unit_price_minor: Money | None = Field(default=None, description="Default: list price.")


class DealItemRead(BaseModel):
    """A product of a deal, with quantity and price."""

    model_config = ConfigDict(from_attributes=True)

    product_id: int
    quantity: int
    unit_price_minor: int


class _DealFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner_id: int | None = None
    campaign_id: int | None = None
    channel: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    amount_minor: Money | None = Field(default=None, description="Ignored when items are sent.")
    currency: Currency | SkipJsonSchema[None] = Field(
        default=None, description="Default: the default currency."
    )
    expected_close_on: date | None = None
    description: Text | None = None
    custom_fields: dict[str, Any] | None = None
    external_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = (
        None
    )
    items: list[DealItemIn] | None = Field(
        default=None, max_length=200, description="Products; the amount is then their total."
    )


class DealCreate(_DealFields):
    """A new deal with a customer; starts in the pipeline's first stage unless told."""

    name: Name
    customer_id: int
    pipeline_id: int | None = Field(default=None, description="Default: the default pipeline.")
    stage_id: int | None = Field(default=None, description="Default: the first stage.")


class DealUpdate(_DealFields):
    """Changes to a deal; a new stage_id moves it (see the move route for lost reasons)."""

    name: Name | SkipJsonSchema[None] = Field(default=None)
    customer_id: int | SkipJsonSchema[None] = Field(default=None)
    stage_id: int | SkipJsonSchema[None] = Field(default=None)
    lost_reason: Reason | None = None


class DealMove(BaseModel):
    """Move a deal to a stage of its pipeline; a lost stage needs a reason."""

    model_config = ConfigDict(extra="forbid")

    stage_id: int
    lost_reason: Reason | None = None


class DealRead(BaseModel):
    """A deal as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    pipeline_id: int
    stage_id: int
    customer_id: int
    owner_id: int | None
    campaign_id: int | None
    channel: str | None
    status: DealStatus
    amount_minor: int
    currency: str
    expected_close_on: date | None
    stage_entered_at: datetime | None
    closed_at: datetime | None
    lost_reason: str | None
    description: str | None
    custom_fields: dict[str, Any]
    external_id: str | None
    items: list[DealItemRead] = []
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class DealFilters(BaseModel):
    """What a deal list can be filtered by; every filter given must hold."""

    pipeline_id: int | None = None
    stage_id: list[int] = Field(default=[], description="Any of these stages.")
    status: list[DealStatus] = Field(default=[], description="Any of these statuses.")
    owner_id: list[int] = Field(default=[], description="Any of these owners.")
    customer_id: int | None = None
    min_amount: int | None = Field(default=None, description="Amount at least (minor units).")
    max_amount: int | None = Field(default=None, description="Amount at most (minor units).")
    close_from: date | None = Field(default=None, description="Expected to close on or after.")
    close_to: date | None = Field(default=None, description="Expected to close on or before.")
    created_from: Moment | None = None
    created_to: Moment | None = None
    cf: list[str] = Field(default=[], description="Custom field conditions, as for customers.")


class StageChangeRead(BaseModel):
    """A deal entering a stage."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    from_stage_id: int | None
    to_stage_id: int
    changed_at: datetime
    changed_by_id: int | None
