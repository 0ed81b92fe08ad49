"""Exponential smoothing of one series: series generated with a known level, trend and
seasonality are forecast within a stated tolerance of the truth by a seasonal model;
the backtest's MAPE by hand; short histories fall back as documented."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.stats import norm

from rapport.analytics.models.smoothing import backtest, forecast, mape, seasonal_naive

SEASONAL = {"holt_winters_additive", "holt_winters_multiplicative"}


Arrays = tuple[np.ndarray, np.ndarray]


def generated(n: int, seed: int, *, horizon: int = 12, trend: float = 2.0,
              amplitude: float = 40.0, sd: float = 8.0) -> Arrays:  # fmt: skip
    """(n noisy monthly values, the noise-free truth of the ``horizon`` after them):
    200 + trend·t + amplitude·sin(2πt/12) + N(0, sd²)."""
    t = np.arange(n + horizon)
    truth = 200 + trend * t + amplitude * np.sin(2 * np.pi * t / 12)
    noisy = truth[:n] + np.random.default_rng(seed).normal(0, sd, n)
    return noisy, truth[n:]


def test_a_trended_additive_season_is_forecast_within_six_percent() -> None:
    """Six years of months, σ = 8 on a level of 200–370: Holt-Winters is chosen, every
    forecast of the next year is within 6 % of the truth and their mean absolute error
    is below σ (on seeds 0–4: at most 3.7 % and 6.1); the 80 % band, for a new value,
    holds the truth at least 10 times out of 12."""
    y, truth = generated(72, seed=3)
    made = forecast(y, season=12, horizon=12, confidence=0.8)
    assert made.model in SEASONAL
    assert np.abs(made.forecast - truth) / truth == pytest.approx(np.zeros(12), abs=0.06)
    assert np.mean(np.abs(made.forecast - truth)) < 8.0
    assert np.sum((made.lower <= truth) & (truth <= made.upper)) >= 10
    assert made.fit["sigma"] == pytest.approx(8.0, rel=0.25)
    assert made.fit["season_length"] == 12 and made.fit["converged"] is True


def test_a_season_growing_with_the_level_is_multiplicative() -> None:
    """(200 + 3t)(1 + 0.35 sin(2πt/12)) with 3 % noise: multiplicative Holt-Winters is
    chosen (on seeds 0–4 each time) and every forecast is within 6 % of the truth (at
    most 5 % on those seeds); its band comes from simulated paths with a fixed seed, so
    the same data give the same band."""
    t = np.arange(84)
    truth = (200 + 3 * t) * (1 + 0.35 * np.sin(2 * np.pi * t / 12))
    y = truth[:72] * (1 + np.random.default_rng(1).normal(0, 0.03, 72))
    made = forecast(y, season=12, horizon=12, confidence=0.8)
    assert made.model == "holt_winters_multiplicative"
    assert np.max(np.abs(made.forecast - truth[72:]) / truth[72:]) < 0.06
    again = forecast(y, season=12, horizon=12, confidence=0.8)
    assert np.array_equal(again.lower, made.lower) and np.array_equal(again.upper, made.upper)


def test_a_series_without_season_or_trend_gets_simple_smoothing() -> None:
    """Four years of 100 + N(0, 10²): no seasonal model pays for its initial states
    (AICc); simple exponential smoothing forecasts within σ = 10 of 100 (seeds 0–5: at
    most 8.2 away; its level follows recent values when α > 0, here 0.19)."""
    y = 100 + np.random.default_rng(0).normal(0, 10, 48)
    made = forecast(y, season=12, horizon=6, confidence=0.8)
    assert made.model == "simple"
    assert made.forecast == pytest.approx(np.full(6, 100.0), abs=10.0)


def test_mape_by_hand() -> None:
    """Actual (10, 0, 20, 40), predicted (12, 5, 15, 40): the zero actual is left out;
    |−2|/10 = 0.2, |5|/20 = 0.25, 0 → 100 · 0.45 / 3 = 15 % over 3 periods."""
    assert mape([10, 0, 20, 40], [12, 5, 15, 40]) == (pytest.approx(15.0), 3)
    assert mape([0, 0], [1, 2]) == (None, 0)


def test_seasonal_naive_by_hand() -> None:
    """History 1…6 with a season of 4: the next 6 are the values one (then two) seasons
    back: 3, 4, 5, 6, 3, 4. Shorter than a season: the last value."""
    assert seasonal_naive([1, 2, 3, 4, 5, 6], season=4, horizon=6) == (
        "seasonal_naive",
        pytest.approx([3, 4, 5, 6, 3, 4]),
    )
    assert seasonal_naive([1, 2, 3], season=4, horizon=2) == ("naive", pytest.approx([3, 3]))


def test_backtest_by_hand() -> None:
    """y = 10, 20, 30, 40, 12, 22, 33, 0 with a season of 4, two held out: the rest
    (six values) is forecast naively (under ``MIN_SMOOTHING``? no: six is enough for
    smoothing), the seasonal-naive copies 30 and 40. MAPE of the baseline over the one
    non-zero actual: |33 − 30| / 33 = 9.09 %; MAE (3 + 40) / 2 = 21.5. The model's
    figures are those of ``forecast`` on the six values."""
    y = [10.0, 20, 30, 40, 12, 22, 33, 0]
    tested = backtest(y, season=4, horizon=2, confidence=0.8)
    assert tested is not None
    assert tested.baseline == "seasonal_naive"
    assert tested.baseline_forecast == pytest.approx([30, 40])
    assert tested.baseline_mape == pytest.approx(100 * 3 / 33)
    assert tested.baseline_mae == pytest.approx(21.5)
    assert tested.counted == 1
    direct = forecast(y[:6], season=4, horizon=2, confidence=0.8)
    assert tested.model == direct.model
    assert tested.forecast == pytest.approx(direct.forecast)
    assert tested.mape == pytest.approx(100 * abs(33 - direct.forecast[0]) / 33)
    assert tested.mae == pytest.approx(np.mean(np.abs([33, 0] - direct.forecast)))


def test_the_model_beats_seasonal_naive_on_a_trended_season() -> None:
    """200 + 5t + 30 sin(2πt/12) + N(0, 5²) over five years, the last six months held
    out: seasonal-naive lags the trend by a year (60 units on ~480), the model does not;
    its MAPE is under a third of seasonal-naive's (seeds 0–4: 0.8–1.1 % against
    11.7–13.6 %)."""
    y, _ = generated(60, seed=2, trend=5.0, amplitude=30.0, sd=5.0)
    tested = backtest(y, season=12, horizon=6, confidence=0.8)
    assert tested is not None and tested.mape is not None and tested.baseline_mape is not None
    assert tested.model in SEASONAL and tested.baseline == "seasonal_naive"
    assert tested.mape < tested.baseline_mape / 3
    assert tested.baseline_mape > 10


def test_short_histories_fall_back() -> None:
    """One value: no forecast. Two to five, or a constant series: the naive forecast,
    the band ± z σ √h with σ the root mean square change. 6 to 23 months: a
    non-seasonal model. From 24 months (two seasons) seasonal models are candidates;
    with 14 initial states to pay for in AICc, a clear season wins from 36 on."""
    assert forecast([5.0], season=12, horizon=3, confidence=0.8).model == "none"
    naive = forecast([4.0, 0.0, 3.0], season=12, horizon=2, confidence=0.8)
    sigma = np.sqrt((16 + 9) / 2)
    z = norm.ppf(0.9)
    assert naive.model == "naive" and naive.forecast == pytest.approx([3, 3])
    assert naive.upper == pytest.approx([3 + z * sigma, 3 + z * sigma * np.sqrt(2)])
    assert naive.lower == pytest.approx([0, 0])  # never below zero
    assert forecast([7.0] * 30, season=12, horizon=2, confidence=0.8).model == "naive"
    y, _ = generated(23, seed=0)
    assert forecast(y, season=12, horizon=3, confidence=0.8).model in {
        "simple",
        "trend",
        "damped_trend",
    }
    y, _ = generated(36, seed=0, sd=2.0)
    assert forecast(y, season=12, horizon=3, confidence=0.8).model in SEASONAL
    assert backtest([1.0, 2.0, 3.0], season=12, horizon=2, confidence=0.8) is None


def test_intermittent_demand_raises_no_warning_and_stays_non_negative() -> None:
    """Mostly zeros (Poisson 0.3 a month): statsmodels' warnings are handled, nothing
    escapes (warnings are errors here), and no forecast or bound is below zero."""
    y = np.random.default_rng(5).poisson(0.3, 40).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        made = forecast(y, season=12, horizon=6, confidence=0.95)
    assert made.model != "none"
    assert (made.forecast >= 0).all() and (made.lower >= 0).all()
    assert (made.upper >= made.forecast).all()
