"""Scores computed onto customers by the analytics and models, and the runs that made them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from rapport.customers.models import LifecycleStage
from rapport.db import Base, BigId, str_enum


class ScoringRun(Base):
    """One scoring of every customer: when, on which data, and how good each model was.

    ``models`` maps a model's name (``bgnbd``, ``gamma_gamma``, ``churn`` …) to its fitted
    ``parameters`` and its ``evaluation`` figures (backtests, holdout errors), as they
    stood when the scores were written (docs/scoring.md)."""

    __tablename__ = "scoring_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    as_of: Mapped[date]
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime]
    customers: Mapped[int]  # customers scored
    currency: Mapped[str] = mapped_column(String(3))
    models: Mapped[dict[str, Any]] = mapped_column(JSON)
    timings: Mapped[dict[str, float]] = mapped_column(JSON)  # seconds per step


class CustomerScore(Base):
    """One customer's scores from one scoring run; the newest row is the current one."""

    __tablename__ = "customer_scores"
    __table_args__ = (
        Index("ix_customer_scores_customer_id_computed_at", "customer_id", "computed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("scoring_runs.id", ondelete="CASCADE"), index=True
    )
    computed_at: Mapped[datetime] = mapped_column(index=True)
    model_version: Mapped[str] = mapped_column(String(40))
    lifecycle_stage: Mapped[LifecycleStage | None] = mapped_column(str_enum(LifecycleStage))
    rfm_recency: Mapped[int | None]  # quintile 1–5
    rfm_frequency: Mapped[int | None]
    rfm_monetary: Mapped[int | None]
    rfm_segment: Mapped[str | None] = mapped_column(String(40))
    cluster: Mapped[str | None] = mapped_column(String(80))
    expected_purchases: Mapped[float | None]
    p_alive: Mapped[float | None]
    expected_spend: Mapped[float | None]  # per purchase, major units of the currency
    clv: Mapped[float | None]  # in major units of the default currency
    churn_risk: Mapped[float | None]
    churn_reasons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    next_products: Mapped[list[int] | None] = mapped_column(JSON)
    lead_score: Mapped[float | None]
    lookalike_score: Mapped[float | None]
