"""The shapes of customers in the API: what is sent to create or change one, what comes back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from rapport.customers.models import CustomerKind, Gender, LifecycleStage
from rapport.normalize import Birthday, Country, Email, LunarBirthday, Phone, WeChatId
from rapport.schemas import Label, Moment, Money, Name, Short, Text
from rapport.scores.schemas import CustomerScoresRead

CustomerSort = Literal["id", "-id", "created_at", "-created_at", "name", "-name"]


class _CustomerFields(BaseModel):
    """The fields a person may set; every one is optional when changing a customer."""

    model_config = ConfigDict(extra="forbid")

    name_latin: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = (
        Field(default=None, description="Romanised name; pinyin is filled in when left out.")
    )
    email: Email | None = None
    phone: Phone | None = Field(default=None, description="Stored in E.164 (+8613800138000).")
    wechat_id: WeChatId | None = None
    gender: Gender | None = None
    birthday: Birthday | None = None
    birthday_lunar: LunarBirthday | None = Field(
        default=None, description='Lunar birthday "MM-DD", "L" first for a leap month.'
    )
    language: Literal["zh_CN", "en"] | None = None
    country: Country | None = Field(default=None, description="ISO 3166-1 alpha-2 code.")
    province: Short | None = None
    city: Short | None = None
    district: Short | None = None
    street: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    postcode: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    company_id: int | None = Field(default=None, description="The company this person works at.")
    job_title: Label | None = None
    industry: Short | None = None
    employee_count: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    annual_revenue_minor: Money | None = None
    website: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    tax_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    channel: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    campaign_id: int | None = None
    owner_id: int | None = Field(default=None, description="The user responsible for it.")
    referred_by_id: int | None = Field(default=None, description="The customer who referred it.")
    lifecycle_stage_override: LifecycleStage | None = Field(
        default=None, description="A stage set by hand, shown instead of the computed one."
    )
    custom_fields: dict[str, Any] | None = Field(
        default=None, description="Values of the custom fields defined for customers."
    )
    notes: Text | None = None
    marketing_opt_out: bool | SkipJsonSchema[None] = Field(default=None)
    external_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = (
        None
    )


class CustomerCreate(_CustomerFields):
    """A new customer: a name is all that is required."""

    kind: CustomerKind = CustomerKind.PERSON
    name: Name


class CustomerUpdate(_CustomerFields):
    """Changes to a customer: only the fields sent are changed; null clears a field."""

    kind: CustomerKind | SkipJsonSchema[None] = Field(default=None)
    name: Name | SkipJsonSchema[None] = Field(default=None)


class CustomerRead(BaseModel):
    """A customer as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: CustomerKind
    name: str
    name_latin: str | None
    email: str | None
    phone: str | None
    wechat_id: str | None
    gender: Gender | None
    birthday: date | None
    birthday_lunar: str | None
    language: str | None
    country: str | None
    province: str | None
    city: str | None
    district: str | None
    street: str | None
    postcode: str | None
    company_id: int | None
    job_title: str | None
    industry: str | None
    employee_count: int | None
    annual_revenue_minor: int | None
    website: str | None
    tax_id: str | None
    channel: str | None
    campaign_id: int | None
    owner_id: int | None
    referred_by_id: int | None
    lifecycle_stage: LifecycleStage
    lifecycle_stage_override: LifecycleStage | None
    lifecycle_changed_at: datetime | None
    custom_fields: dict[str, Any]
    notes: str | None
    marketing_opt_out: bool
    marketing_opt_out_at: datetime | None
    external_id: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    scores: CustomerScoresRead | None = None  # from the newest scoring run (`rapport score`)


Share = Annotated[float, Field(ge=0, le=1)]


class CustomerFilters(BaseModel):
    """What a customer list can be filtered by; every filter given must hold."""

    q: str | None = Field(
        default=None,
        max_length=100,
        description="Search: the start of a name (Chinese or pinyin), email, phone or WeChat "
        "id, or of the name of the customer's company.",
    )
    kind: CustomerKind | None = None
    owner_id: list[int] = Field(default=[], description="Any of these owners.")
    lifecycle_stage: list[LifecycleStage] = Field(default=[], description="Any of these stages.")
    channel: str | None = None
    campaign_id: int | None = None
    company_id: int | None = None
    country: str | None = None
    province: str | None = None
    city: str | None = None
    tag_id: int | None = None
    marketing_opt_out: bool | None = None
    created_from: Moment | None = Field(default=None, description="Created at or after.")
    created_to: Moment | None = Field(default=None, description="Created before.")
    cf: list[str] = Field(
        default=[],
        description="Custom field conditions: `key:value`, `key>=value`, `key<value`, "
        "`key!=value` …",
    )
    churn_risk_min: Share | None = Field(
        default=None, description="Churn risk (0–1) at least this, in the newest scoring run."
    )
    churn_risk_max: Share | None = Field(default=None, description="Churn risk at most this.")
    clv_min: float | None = Field(default=None, description="Predicted CLV at least this.")
    clv_max: float | None = Field(default=None, description="Predicted CLV at most this.")
    p_alive_max: Share | None = Field(default=None, description="P(alive) at most this.")
    rfm_segment: list[str] = Field(default=[], description="Any of these RFM segments.")
    cluster: str | None = Field(default=None, description="This cluster number.")


class MergeRequest(BaseModel):
    """Merge another customer into this one (the survivor)."""

    model_config = ConfigDict(extra="forbid")

    duplicate_id: int = Field(description="The customer merged away; it goes to the recycle bin.")
