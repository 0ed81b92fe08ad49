"""Lead scores: the probability that each open lead converts (a first paid order or a won
deal) within ``horizon_days``, from the classifier and backtest the churn risk uses,
fitted on the leads open at earlier cut-offs; beside it, how much each lead looks like
the most valuable customers did as leads (``rapport.analytics.lookalikes``).
Definitions in docs/metrics.md ("Lead score").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any, Final

import numpy as np
import pandas as pd

from rapport.analytics.backtest import Backtest, Choice, Frame, Schedule, backtest, fit_on
from rapport.analytics.common import BadParameter, positions
from rapport.analytics.lead_features import (
    CATEGORIES,
    NUMBERS,
    LeadFeatureParams,
    lead_features,
)
from rapport.analytics.lookalikes import LookalikeParams, lookalikes
from rapport.analytics.models.classifier import Columns
from rapport.analytics.source import Source

COLUMNS: Final = Columns(
    numeric=NUMBERS,
    categorical=CATEGORIES,
    logged=frozenset({"age_days", "interactions", "interactions_recent",
                      "days_since_interaction", "sessions", "sessions_recent"}),
)  # fmt: skip
CHANNEL_RATE: Final = "channel_rate"  # the baseline: the lead's channel's past conversion
Ints = np.ndarray[Any, np.dtype[np.int64]]
Floats = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True)
class LeadScoreParams:
    """Leads open at the end of ``as_of`` (yesterday when None) converting within
    ``horizon_days``; the model learns from ``cutoffs`` cut-offs ``step_days`` apart."""

    as_of: date | None = None
    horizon_days: int = 90
    step_days: int = 90
    cutoffs: int = 4
    model: Choice = "auto"
    recent_days: int = 30
    max_training_rows: int = 100_000
    lookalike: LookalikeParams = field(default_factory=LookalikeParams)

    def __post_init__(self) -> None:
        if self.model not in ("auto", "logistic", "boosting"):
            raise BadParameter("model", "choose auto, logistic or boosting")
        if self.max_training_rows < 100:
            raise BadParameter("max_training_rows", "must be at least 100")
        self.schedule()

    def schedule(self) -> Schedule:
        """The cut-offs the model learns from."""
        return Schedule(self.horizon_days, self.step_days, self.cutoffs)


@dataclass(frozen=True)
class LeadScores:
    """Per open lead at ``as_of`` (aligned arrays, by customer id): the probability of
    converting within ``horizon_days``, the lookalike score and its rank; the models'
    parameters and the backtest."""

    as_of: date
    horizon_days: int
    customer_id: Ints
    probability: Floats
    lookalike: Floats  # P(top customer | profile) from the lookalike model
    lookalike_rank: Ints  # 1 = looks most like the top customers
    parameters: dict[str, Any]
    evaluation: dict[str, Any]

    def model(self) -> dict[str, Any]:
        """The models' parameters and evaluation, as stored with the scores."""
        return {"parameters": self.parameters, "evaluation": self.evaluation}


def lead_scores(source: Source, params: LeadScoreParams) -> LeadScores:
    """Every open lead's conversion probability and lookalike score."""
    as_of = _as_of(params)
    frame = cache(lambda day: _frame(source, params, day))
    tested = backtest(frame, as_of, params.schedule(), COLUMNS, params.model,
                      params.max_training_rows, {CHANNEL_RATE: channel_rate})  # fmt: skip
    frames = [frame(day) for day in params.schedule().training_days(as_of)]
    model = fit_on(frames, tested.chosen, COLUMNS, params.max_training_rows)
    table = lead_features(source, LeadFeatureParams(as_of, params.recent_days))
    ids = table["customer_id"].to_numpy().astype(np.int64)
    probability = model.probability(table.to_pandas()) if len(ids) else np.zeros(0)
    alike = lookalikes(source, as_of, params.lookalike)
    score = alike.score[positions(alike.customer_id, ids)[0]] if len(alike.score) else np.zeros(0)
    order = np.argsort(-score, kind="stable")
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(1, len(ids) + 1)
    parameters = {"conversion": model.parameters() | {"horizon_days": params.horizon_days},
                  "lookalike": alike.parameters}  # fmt: skip
    return LeadScores(as_of, params.horizon_days, ids, probability, score, rank, parameters,
                      tested.to_dict())  # fmt: skip


def lead_backtest(source: Source, params: LeadScoreParams) -> Backtest:
    """The lead model fitted as on ``as_of − horizon_days`` and judged on the leads open
    then, beside the channel's past conversion rate."""
    return backtest(lambda day: _frame(source, params, day), _as_of(params), params.schedule(),
                    COLUMNS, params.model, params.max_training_rows,
                    {CHANNEL_RATE: channel_rate})  # fmt: skip


def channel_rate(training: list[Frame], test: Frame) -> Floats:
    """Each test lead's channel's conversion rate among the training leads (all training
    leads' rate for a channel not seen there)."""
    data = pd.concat([f.data[["channel"]] for f in training], ignore_index=True)
    data["converted"] = np.concatenate([f.labels for f in training])
    overall = float(data["converted"].mean())
    rates = data.groupby("channel")["converted"].mean()
    mapped = test.data["channel"].map(rates).astype("float64")
    return np.asarray(mapped.fillna(overall), dtype=np.float64)


def _frame(source: Source, params: LeadScoreParams, day: date) -> Frame:
    table = lead_features(source, LeadFeatureParams(day, params.recent_days), params.horizon_days)
    data = table.drop_columns(["converted"]).to_pandas()
    return Frame(day, data, table["converted"].to_numpy(zero_copy_only=False).astype(bool),
                 probabilities=frozenset({CHANNEL_RATE}))  # fmt: skip


def _as_of(params: LeadScoreParams) -> date:
    return params.as_of or date.today() - timedelta(days=1)
