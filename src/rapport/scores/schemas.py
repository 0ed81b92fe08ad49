"""The shapes of scores and scoring runs in the API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from rapport.customers.models import LifecycleStage


class ChurnReason(BaseModel):
    """One reason behind a churn risk: a code and its figures (docs/metrics.md lists the
    codes), and the same in English words."""

    code: str
    params: dict[str, Any]
    weight: float
    text: str


class CustomerScoresRead(BaseModel):
    """A customer's newest scores and the run that computed them."""

    model_config = ConfigDict(from_attributes=True)

    computed_at: datetime
    model_version: str
    lifecycle_stage: LifecycleStage | None
    rfm_recency: int | None
    rfm_frequency: int | None
    rfm_monetary: int | None
    rfm_segment: str | None
    cluster: str | None
    expected_purchases: float | None
    p_alive: float | None
    expected_spend: float | None
    clv: float | None
    churn_risk: float | None
    churn_reasons: list[ChurnReason] | None
    next_products: list[int] | None
    lead_score: float | None
    lookalike_score: float | None


class ScoringRunRead(BaseModel):
    """A scoring run: when, on which data, and each model's parameters and evaluation."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    version: str
    as_of: date
    started_at: datetime
    finished_at: datetime
    customers: int
    currency: str
    models: dict[str, Any]
    timings: dict[str, float]
