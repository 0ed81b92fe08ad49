"""Every customer's scores at a day: lifecycle stage, RFM, CLV and P(alive), churn risk with
its reasons, cluster, lead score and next products — computed from a ``Source`` by the
analyses and models, as one Arrow table with one row per customer.

Each step is an analysis of ``rapport.analytics`` giving a table keyed by
``customer_id`` and, for a fitted model, its parameters and evaluation; the steps'
tables are joined onto the customers. Writing them is ``rapport.scores.service``'s.
Definitions in docs/scoring.md.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Final

import numpy as np
import pyarrow as pa

from rapport.analytics.churn_risk import ChurnRiskParams, churn_risk
from rapport.analytics.clusters import ClusterParams, clusters
from rapport.analytics.clv import ClvParams, clv, holdout
from rapport.analytics.common import (
    BadParameter,
    NotEnoughData,
    as_of_timestamp,
    paid_orders,
    positions,
)
from rapport.analytics.leads import LeadScoreParams, lead_scores
from rapport.analytics.lifecycle import LifecycleParams, stages_on
from rapport.analytics.recommend import RecommendParams, evaluate, recommendations
from rapport.analytics.rfm import RfmParams, rfm_table
from rapport.analytics.source import Source
from rapport.customers.lifecycle import LifecycleThresholds

Models = dict[str, dict[str, Any]]  # model name → {"parameters": …, "evaluation": …}
# Columns held as JSON text: a churn reason's parameters differ by its code, which no
# Arrow type holds without adding every code's keys to every reason.
JSON_TEXT: Final = frozenset({"churn_reasons"})
LEAD_TRAINING_ROWS: Final = 30_000  # leads' trees are the slowest fit: a sample suffices
MIN_BUYERS: Final = 30  # fewer buyers leave the purchase model's four parameters unsettled


@dataclass(frozen=True)
class ScoringParams:
    """What the scores look at and how far ahead they look."""

    as_of: date | None = None  # the last day of data (yesterday when None)
    currency: str = "CNY"
    thresholds: LifecycleThresholds = field(default_factory=LifecycleThresholds)
    clv_horizon_days: int = 365
    annual_discount_rate: float = 0.10
    clv_holdout_days: int = 180  # the purchase model is checked on the last this many days
    churn_horizon_days: int = 90
    lead_horizon_days: int = 90  # a lead's score: converting within this many days
    recommendations: int = 10

    def __post_init__(self) -> None:
        for name in (
            "clv_horizon_days",
            "clv_holdout_days",
            "churn_horizon_days",
            "lead_horizon_days",
            "recommendations",
        ):
            if getattr(self, name) < 1:
                raise BadParameter(name, "must be at least 1")
        if not 0 <= self.annual_discount_rate < 1:
            raise BadParameter("annual_discount_rate", "must be at least 0 and below 1")


@dataclass
class Scores:
    """One row per customer (``customer_id`` first), the models behind them and the time
    each step took."""

    as_of: date
    table: pa.Table
    models: Models
    timings: dict[str, float]


@dataclass
class Step:
    """One step's columns keyed by ``customer_id``, and the models it fitted."""

    table: pa.Table
    models: Models = field(default_factory=dict)


StepFunction = Callable[[Source, ScoringParams, date], Step]


def lifecycle_step(source: Source, params: ScoringParams, as_of: date) -> Step:
    """Every customer's lifecycle stage at the end of ``as_of``."""
    stages = stages_on(source, LifecycleParams(params.thresholds), as_of)
    table = source.to_arrow(stages.rename(lifecycle_stage="stage"))
    return Step(table.select(["customer_id", "lifecycle_stage"]))


def rfm_step(source: Source, params: ScoringParams, as_of: date) -> Step:
    """Buyers' RFM quintiles and segment."""
    table = rfm_table(source, RfmParams(as_of=as_of, currency=params.currency))
    return Step(
        table.select(["customer_id", "r", "f", "m", "segment"]).rename_columns(
            ["customer_id", "rfm_recency", "rfm_frequency", "rfm_monetary", "rfm_segment"]
        )
    )


def value_step(source: Source, params: ScoringParams, as_of: date) -> Step:
    """Buyers' P(alive), expected purchases, expected spend and discounted CLV over the
    horizon (BG/NBD and Gamma-Gamma), with the purchase model's holdout check."""
    paid = paid_orders(source, as_of_timestamp(as_of), params.currency)
    buyers = source.to_arrow(paid.customer_id.nunique().name("buyers").as_table())
    count = int(buyers["buyers"][0].as_py() or 0)
    if count < MIN_BUYERS:
        raise NotEnoughData(f"{count} buyers; the purchase model needs {MIN_BUYERS}")
    wanted = ClvParams(as_of=as_of, currency=params.currency,
                       horizon_days=params.clv_horizon_days,
                       annual_discount_rate=params.annual_discount_rate)  # fmt: skip
    try:
        found = clv(source, wanted)
    except BadParameter as why:  # no repeat purchase yet: nothing to fit the spend on
        raise NotEnoughData(str(why)) from why
    try:
        checked = holdout(source, replace(wanted, holdout_days=params.clv_holdout_days), as_of)
    except (BadParameter, ValueError) as why:  # too few buyers before the holdout
        checked = {"skipped": str(why)}
    table = pa.table({
        "customer_id": found.customer_id, "p_alive": found.p_alive,
        "expected_purchases": found.expected_purchases,
        "expected_spend": found.expected_spend, "clv": found.clv,
    })  # fmt: skip
    evaluation = found.evaluation | {"holdout": checked, "distribution": found.distribution()}
    return Step(table, {"clv": {"parameters": found.parameters(), "evaluation": evaluation}})


def cluster_step(source: Source, params: ScoringParams, as_of: date) -> Step:
    """Buyers' cluster numbers (0 the most valuable); the personas go with the run."""
    found = clusters(source, ClusterParams(as_of=as_of, currency=params.currency))
    if found.k == 0:
        raise NotEnoughData("no buyers to cluster")
    table = pa.table({"customer_id": found.customer_id, "cluster": found.cluster.astype(str)})
    evaluation = found.evaluation() | {"personas": found.personas_json()}
    return Step(table, {"clusters": {"parameters": found.parameters(), "evaluation": evaluation}})


def recommend_step(source: Source, params: ScoringParams, as_of: date) -> Step:
    """Buyers' next products (item–item), with the leave-last-out hit rate in the run."""
    wanted = RecommendParams(as_of=as_of, k=params.recommendations)
    found = recommendations(source, wanted)
    if not len(found.customer_id):
        raise NotEnoughData("no buyers to recommend products to")
    lists = pa.array(found.lists(), type=pa.list_(pa.int64()))
    table = pa.table({"customer_id": found.customer_id, "next_products": lists})
    checked = evaluate(source, wanted).as_dict()
    return Step(table, {"recommendations": {"parameters": found.parameters(),
                                            "evaluation": checked}})  # fmt: skip


def churn_step(source: Source, params: ScoringParams, as_of: date) -> Step:
    """Active customers' risk of churning within the horizon, with their top reasons;
    the model and its backtest go with the run."""
    wanted = ChurnRiskParams(as_of=as_of, horizon_days=params.churn_horizon_days,
                             currency=params.currency, thresholds=params.thresholds)  # fmt: skip
    with _needs_history():
        found = churn_risk(source, wanted)
    reasons = pa.array([json.dumps(r, ensure_ascii=False) for r in found.reasons], pa.string())
    table = pa.table({"customer_id": found.customer_id, "churn_risk": found.probability,
                      "churn_reasons": reasons})  # fmt: skip
    return Step(table, {"churn": found.model()})


def lead_step(source: Source, params: ScoringParams, as_of: date) -> Step:
    """Open leads' probability of converting within the horizon and their likeness to the
    most valuable customers; both models and the backtest go with the run."""
    wanted = LeadScoreParams(as_of=as_of, horizon_days=params.lead_horizon_days,
                             max_training_rows=LEAD_TRAINING_ROWS)  # fmt: skip
    with _needs_history():
        found = lead_scores(source, wanted)
    table = pa.table({"customer_id": found.customer_id, "lead_score": found.probability,
                      "lookalike_score": found.lookalike})  # fmt: skip
    return Step(table, {"leads": found.model()})


@contextmanager
def _needs_history() -> Iterator[None]:
    """A model that needs more history than the data has is skipped, not an error."""
    try:
        yield
    except BadParameter as why:
        if why.field != "as_of":
            raise
        raise NotEnoughData(str(why)) from why


# In the order they run; the first gives every customer (the others only some).
STEPS: Final[dict[str, StepFunction]] = {
    "lifecycle": lifecycle_step,
    "rfm": rfm_step,
    "value": value_step,
    "clusters": cluster_step,
    "recommendations": recommend_step,
    "churn": churn_step,
    "leads": lead_step,
}


def compute(source: Source, params: ScoringParams, as_of: date) -> Scores:
    """Every customer's scores at the end of ``as_of``."""
    columns: dict[str, pa.ChunkedArray] = {}
    ids: np.ndarray[Any, np.dtype[np.int64]] | None = None
    models: Models = {}
    timings: dict[str, float] = {}
    for name, step in STEPS.items():
        started = time.perf_counter()
        try:
            result = step(source, params, as_of)
        except NotEnoughData as why:  # the step's scores stay empty; the others go on
            models[name] = {"skipped": str(why)}
            timings[name] = round(time.perf_counter() - started, 3)
            continue
        models |= result.models
        table = result.table
        if ids is None:  # the first step has every customer
            table = table.sort_by("customer_id")
            ids = table["customer_id"].to_numpy()
            columns["customer_id"] = table["customer_id"]
            rows = pa.array(np.arange(len(ids)))
        else:
            rows = _rows_of(ids, table["customer_id"].to_numpy())
        for column in table.column_names[1:]:
            columns[column] = table[column].take(rows)
        timings[name] = round(time.perf_counter() - started, 3)
    return Scores(as_of, pa.table(columns), models, timings)


def _rows_of(
    ids: np.ndarray[Any, np.dtype[np.int64]], keyed: np.ndarray[Any, np.dtype[np.int64]]
) -> pa.Array:
    """For each of the sorted ``ids``, the row of ``keyed`` holding it (null where none).

    By position rather than an Arrow join: Arrow's joins refuse list columns (reasons,
    products), and the ids are already sorted."""
    rows = np.full(len(ids), -1, dtype=np.int64)
    if len(ids):
        at, found = positions(ids, keyed)
        rows[at[found]] = np.flatnonzero(found)
    return pa.array(rows, mask=rows < 0)
