"""The shapes of quotas: a target for one user or one team over a period."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rapport.quotas.models import QuotaMetric


class QuotaCreate(BaseModel):
    """A new quota: a user or a team (exactly one), what it counts, the period, the target."""

    model_config = ConfigDict(extra="forbid")

    user_id: int | None = None
    team_id: int | None = None
    metric: QuotaMetric = QuotaMetric.REVENUE
    period_start: date
    period_end: date
    target: int = Field(ge=0, le=10**15, description="Minor units for revenue; deals otherwise.")
    currency: str | None = Field(default=None, min_length=3, max_length=3)

    @model_validator(mode="after")
    def _one_holder_and_an_ordered_period(self) -> QuotaCreate:
        if (self.user_id is None) == (self.team_id is None):
            raise ValueError("give either a user or a team")
        if self.period_end < self.period_start:
            raise ValueError("the period ends before it starts")
        return self
