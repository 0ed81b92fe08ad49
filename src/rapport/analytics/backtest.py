"""Time-based backtests of a classifier on cut-offs: the model is fitted on labelled cases
at earlier cut-offs and judged on a later one whose outcome window it never saw, as it
will be used (docs/metrics.md, "Backtest").

For scoring on day D with a window of N days, the model learns from the cut-offs
D − N − k·step (k = 0 … cut-offs − 1), whose windows have ended by D: the newest of
them calibrates the probabilities, the others fit the model. The backtest repeats that
with D' = D − N: it learns from D' − N − k·step, as scoring on D' would have, and is
judged on D', whose window ends on D. The churn risk and the lead scores share it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from rapport.analytics.common import BadParameter
from rapport.analytics.models import classifier
from rapport.analytics.models.classifier import Classifier, Columns, ModelKind
from rapport.analytics.models.evaluation import Evaluation, evaluate

Choice = Literal["auto", "logistic", "boosting"]


@dataclass(frozen=True)
class Frame:
    """Labelled cases at one cut-off: their features, outcomes and, per baseline, a
    score to compare the model with (higher: more likely positive)."""

    day: date
    data: pd.DataFrame
    labels: np.ndarray[Any, np.dtype[np.bool_]]
    baselines: Mapping[str, np.ndarray[Any, np.dtype[np.float64]]] = field(default_factory=dict)
    probabilities: frozenset[str] = frozenset()  # baselines that are probabilities (Brier)


@dataclass(frozen=True)
class Schedule:
    """Cut-offs every ``step_days``, ``cutoffs`` of them, for an outcome window of
    ``horizon_days``."""

    horizon_days: int = 90
    step_days: int = 90
    cutoffs: int = 4

    def __post_init__(self) -> None:
        for name in ("horizon_days", "step_days"):
            if getattr(self, name) < 1:
                raise BadParameter(name, "must be at least 1")
        if self.cutoffs < 2:
            raise BadParameter("cutoffs", "give at least 2 (one fits, the newest calibrates)")

    def training_days(self, scoring: date) -> list[date]:
        """The cut-offs a model scoring on ``scoring`` learns from, oldest first."""
        first = scoring - timedelta(days=self.horizon_days)
        return [first - timedelta(days=k * self.step_days) for k in reversed(range(self.cutoffs))]


@dataclass(frozen=True)
class Backtest:
    """A model judged on the cut-off ``test_day`` after learning from ``training_days``."""

    test_day: date
    training_days: list[date]
    chosen: ModelKind  # the kind kept (the better ROC AUC, or the one asked for)
    models: dict[str, Evaluation]  # per kind fitted
    baselines: dict[str, Evaluation]  # per baseline score

    def to_dict(self) -> dict[str, Any]:
        """The figures as plain JSON values."""
        return {
            "test_day": self.test_day.isoformat(),
            "training_days": [d.isoformat() for d in self.training_days],
            "chosen": self.chosen,
            "models": {k: e.to_dict() for k, e in self.models.items()},
            "baselines": {k: e.to_dict() for k, e in self.baselines.items()},
        }


FrameAt = Callable[[date], Frame]
# A baseline score for the test frame learnt from the training frames.
FittedBaseline = Callable[[list[Frame], Frame], np.ndarray[Any, np.dtype[np.float64]]]


def fit_on(frames: list[Frame], kind: ModelKind, columns: Columns, max_rows: int) -> Classifier:
    """The ``kind`` model fitted on all but the newest of ``frames`` (oldest first) and
    calibrated on the newest."""
    fitting, newest = frames[:-1], frames[-1]
    data = pd.concat([f.data for f in fitting], ignore_index=True)
    labels = np.concatenate([f.labels for f in fitting])
    if not 0 < labels.sum() < len(labels):
        raise BadParameter("as_of", "too little history: the earlier cut-offs hold one outcome")
    return classifier.fit(kind, columns, data, labels, (newest.data, newest.labels), max_rows)


def backtest(frame_at: FrameAt, as_of: date, schedule: Schedule, columns: Columns,
             choice: Choice = "auto", max_rows: int = 100_000,
             fitted: Mapping[str, FittedBaseline] | None = None) -> Backtest:  # fmt: skip
    """Each kind of model (``choice``'s, or both) fitted as on ``as_of − horizon`` and
    judged on that cut-off, whose window has ended by ``as_of``; beside it, each of
    the test frame's baseline scores and each ``fitted`` baseline (learnt from the
    training frames)."""
    test_day = as_of - timedelta(days=schedule.horizon_days)
    days = schedule.training_days(test_day)
    frames = [frame_at(d) for d in days]
    test = frame_at(test_day)
    kinds: tuple[ModelKind, ...] = classifier.KINDS if choice == "auto" else (choice,)
    models: dict[str, Evaluation] = {}
    for kind in kinds:
        model = fit_on(frames, kind, columns, max_rows)
        models[kind] = evaluate(test.labels, model.probability(test.data))
    baselines = {
        name: evaluate(test.labels, score, probability=name in test.probabilities)
        for name, score in test.baselines.items()
    }
    for name, baseline in (fitted or {}).items():
        baselines[name] = evaluate(test.labels, baseline(frames, test),
                                   probability=name in test.probabilities)  # fmt: skip
    chosen = max(kinds, key=lambda k: models[k].roc_auc or 0.0)  # the first of equals
    return Backtest(test_day, days, chosen, models, baselines)
