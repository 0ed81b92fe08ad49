"""Churn risk: the probability that each active customer has churned ``horizon_days``
from now, with the reasons, from a classifier fitted on earlier cut-offs and
backtested on a later one (docs/metrics.md, "Churn risk").

The outcome is the lifecycle's: a customer active at the cut-off (last paid order fewer
than ``churned_days`` days ago) has churned by the end of the window when their last
paid order by then is ``churned_days`` or more days old, which is the churn rate's
"active at s and not active at e". Whose last order is fewer than ``churned_days −
horizon_days`` days old cannot churn in the window: their risk is 0 by definition and
the model neither learns from them nor scores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa

from rapport.analytics.backtest import Backtest, Choice, Frame, Schedule, backtest, fit_on
from rapport.analytics.common import BadParameter
from rapport.analytics.features import FEATURES, FeatureParams, churn_features, churn_labels
from rapport.analytics.models.classifier import Columns
from rapport.analytics.reasons import CHURN_REASONS, churn_reasons
from rapport.analytics.source import Source
from rapport.customers.lifecycle import LifecycleThresholds

COLUMNS: Final = Columns(
    numeric=FEATURES,
    logged=frozenset(FEATURES) - {"p_alive", "last_nps", "last_csat"},
)
Ints = np.ndarray[Any, np.dtype[np.int64]]
Floats = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True)
class ChurnRiskParams:
    """Risk of churning within ``horizon_days`` after the end of ``as_of`` (yesterday when
    None), by the lifecycle's ``thresholds``; the model learns from ``cutoffs``
    cut-offs ``step_days`` apart."""

    as_of: date | None = None
    horizon_days: int = 90
    currency: str = "CNY"
    thresholds: LifecycleThresholds = field(default_factory=LifecycleThresholds)
    step_days: int = 90
    cutoffs: int = 4
    model: Choice = "auto"  # the better of both in the backtest, or the one named
    reasons: int = 3
    recent_days: int = 90
    trend_days: int = 180
    max_training_rows: int = 100_000

    def __post_init__(self) -> None:
        if self.model not in ("auto", "logistic", "boosting"):
            raise BadParameter("model", "choose auto, logistic or boosting")
        if self.reasons < 0:
            raise BadParameter("reasons", "must be 0 or more")
        if self.max_training_rows < 100:
            raise BadParameter("max_training_rows", "must be at least 100")
        self.schedule()  # checks the days and cut-offs

    def schedule(self) -> Schedule:
        """The cut-offs the model learns from."""
        return Schedule(self.horizon_days, self.step_days, self.cutoffs)


@dataclass(frozen=True)
class ChurnRisk:
    """Per active customer at ``as_of`` (aligned arrays, by customer id): the probability
    of having churned by ``as_of + horizon_days`` and its reasons; the model's
    parameters and its backtest."""

    as_of: date
    horizon_days: int
    customer_id: Ints
    probability: Floats
    at_stake: np.ndarray[Any, np.dtype[np.bool_]]  # can churn in the window at all
    reasons: list[list[dict[str, Any]]]
    parameters: dict[str, Any]
    evaluation: dict[str, Any]

    def model(self) -> dict[str, Any]:
        """The model's parameters and evaluation, as stored with the scores."""
        return {"parameters": self.parameters, "evaluation": self.evaluation}


def churn_risk(source: Source, params: ChurnRiskParams) -> ChurnRisk:
    """Every active customer's churn risk with its reasons, the model fitted on the
    cut-offs before ``as_of`` and backtested one window earlier."""
    as_of = _as_of(params)
    cases = _Cases(source, params)
    tested = backtest(cases.frame, as_of, params.schedule(), COLUMNS, params.model,
                      params.max_training_rows)  # fmt: skip
    frames = [cases.frame(day) for day in params.schedule().training_days(as_of)]
    model = fit_on(frames, tested.chosen, COLUMNS, params.max_training_rows)
    ids, data, at_stake = cases.scoring(as_of)
    probability = np.zeros(len(ids))
    reasons: list[list[dict[str, Any]]] = [[] for _ in ids]
    if at_stake.any():
        scored = data[at_stake].reset_index(drop=True)
        probability[at_stake] = model.probability(scored)
        if params.reasons:
            weights = model.contributions(scored, CHURN_REASONS)
            settings = {"currency": params.currency, "recent_days": params.recent_days,
                        "trend_days": params.trend_days}  # fmt: skip
            found = churn_reasons(weights, scored, model.reference, settings, params.reasons)
            for row, listed in zip(np.flatnonzero(at_stake), found, strict=True):
                reasons[row] = listed
    parameters = model.parameters() | {
        "horizon_days": params.horizon_days, "churned_days": params.thresholds.churned_days,
        "training_days": [d.isoformat() for d in params.schedule().training_days(as_of)],
    }  # fmt: skip
    return ChurnRisk(as_of, params.horizon_days, ids, probability, at_stake, reasons,
                     parameters, tested.to_dict())  # fmt: skip


def churn_backtest(source: Source, params: ChurnRiskParams) -> Backtest:
    """The churn model fitted as on ``as_of − horizon_days`` and judged on the customers
    at stake then, beside P(alive) alone and recency alone."""
    return backtest(_Cases(source, params).frame, _as_of(params), params.schedule(), COLUMNS,
                    params.model, params.max_training_rows)  # fmt: skip


class _Cases:
    """The features and outcomes at each cut-off, each computed once."""

    def __init__(self, source: Source, params: ChurnRiskParams) -> None:
        self.source, self.params = source, params
        self.frame = cache(self._frame)

    def features(self, day: date) -> tuple[Ints, pd.DataFrame, np.ndarray[Any, Any], Any]:
        """The customers active at ``day``: ids, features, whether each is at stake, and
        whether each churned in the window after it."""
        p = self.params
        table = churn_features(self.source, FeatureParams(
            day, p.currency, p.recent_days, p.trend_days), p.horizon_days)  # fmt: skip
        labels = churn_labels(table, p.horizon_days, int(p.thresholds.churned_days))
        active = labels.active
        ids = table["customer_id"].to_numpy().astype(np.int64)[active]
        data = table.filter(pa.array(active)).drop_columns(["idle_after"]).to_pandas()
        return ids, data, labels.at_stake[active], labels.churned[active]

    def _frame(self, day: date) -> Frame:
        _, data, at_stake, churned = self.features(day)
        cases = data[at_stake].reset_index(drop=True)
        alive = cases["p_alive"].to_numpy(dtype=np.float64, na_value=np.nan)
        alive = np.where(np.isnan(alive), np.nanmedian(alive) if len(alive) else 0.5, alive)
        baselines = {
            "p_alive": 1 - alive,
            "recency": cases["days_since_purchase"].to_numpy(dtype=np.float64),
        }
        return Frame(day, cases, churned[at_stake], baselines)

    def scoring(self, day: date) -> tuple[Ints, pd.DataFrame, np.ndarray[Any, Any]]:
        ids, data, at_stake, _ = self.features(day)
        return ids, data, at_stake


def _as_of(params: ChurnRiskParams) -> date:
    return params.as_of or date.today() - timedelta(days=1)
