"""The backtest's cut-offs by hand, and a backtest on frames drawn with a known relation."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from rapport.analytics.backtest import Frame, Schedule, backtest, fit_on
from rapport.analytics.common import BadParameter
from rapport.analytics.models.classifier import Columns

COLUMNS = Columns(numeric=("x",))


def test_training_days() -> None:
    """Scoring on 31 Oct with a 90-day window: the newest cut-off is 2 Aug (its window
    ends on 31 Oct), then every 30 days back."""
    days = Schedule(horizon_days=90, step_days=30, cutoffs=3).training_days(date(2026, 10, 31))
    assert days == [date(2026, 6, 3), date(2026, 7, 3), date(2026, 8, 2)]


def test_bad_schedules_are_refused() -> None:
    for field, kwargs in (("cutoffs", {"cutoffs": 1}), ("step_days", {"step_days": 0})):
        with pytest.raises(BadParameter) as error:
            Schedule(**kwargs)  # type: ignore[arg-type]
        assert error.value.field == field


def _frame(day: date) -> Frame:
    """500 cases with P(y) = logistic(2x − 1), x ~ N(0, 1), seeded by the day; the
    baseline score is x plus noise of sd 2 (weaker than the model)."""
    rng = np.random.default_rng(day.toordinal())
    x = rng.normal(size=500)
    y = rng.random(500) < 1 / (1 + np.exp(-(2 * x - 1)))
    return Frame(day, pd.DataFrame({"x": x}), y, {"noisy": x + rng.normal(0, 2, 500)})


def test_a_backtest_on_a_known_relation() -> None:
    """The model is judged on the frame of 2 Aug (as_of 31 Oct), fitted on 5 Mar and 4 Apr
    and calibrated on 4 May (scoring on 2 Aug would have done so): its AUC is the known
    relation's (about 0.85) and beats the noisy baseline; the fitted baseline is fed the
    training frames."""
    seen: list[list[date]] = []

    def share(training: list[Frame], test: Frame) -> np.ndarray:
        seen.append([f.day for f in training])
        return np.full(len(test.labels), np.mean(np.concatenate([f.labels for f in training])))

    schedule = Schedule(90, 30, 3)
    result = backtest(_frame, date(2026, 10, 31), schedule, COLUMNS, fitted={"rate": share})
    assert result.test_day == date(2026, 8, 2)
    assert result.training_days == [date(2026, 3, 5), date(2026, 4, 4), date(2026, 5, 4)]
    assert seen == [result.training_days]
    model = result.models[result.chosen]
    assert model.roc_auc is not None and model.roc_auc > 0.8
    assert model.roc_auc > result.baselines["noisy"].roc_auc + 0.1  # type: ignore[operator]
    assert result.baselines["rate"].roc_auc == 0.5
    assert set(result.to_dict()["models"]) == {"logistic", "boosting"}


def test_the_newest_frame_calibrates() -> None:
    frames = [_frame(date(2026, 1, d)) for d in (1, 2, 3)]
    model = fit_on(frames, "logistic", COLUMNS, 10_000)
    assert (model.rows, model.calibration_rows) == (1000, 500)
