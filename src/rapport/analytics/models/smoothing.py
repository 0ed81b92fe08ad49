"""Exponential smoothing of one demand series (Hyndman & Athanasopoulos, "Forecasting:
Principles and Practice", 3rd ed., ch. 8): the ETS model chosen by AICc among those the
history allows, its forecast with a prediction band, and a backtest against the
seasonal-naive forecast.

Models are statsmodels' ``ETSModel`` with additive errors: simple, trend and damped
trend; with at least two full seasons of history also Holt-Winters with additive or
(strictly positive series only) multiplicative seasonality. The one with the least AICc
is chosen, every initial state counted as a parameter. Non-seasonal models estimate
their initial states; seasonal ones start from statsmodels' heuristic (a moving-average
decomposition of the first two seasons: estimating 12 or 52 more states is slow and,
for 52, unstable), which can only lower their likelihood, so the choice leans, if
anything, to the non-seasonal models. Shorter than ``MIN_SMOOTHING`` periods (or
constant): the naive forecast. Definitions in docs/metrics.md ("Demand forecast").
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm
from threadpoolctl import threadpool_limits

Floats = NDArray[np.float64]
Figure = float | int | bool | str | None
MIN_SMOOTHING: Final = 6  # periods of history below which the naive forecast is used
MIN_NAIVE: Final = 2  # one period-to-period change: the least the naive band needs
_SIMULATIONS: Final = 1000  # paths for the band of a multiplicative model
_CANDIDATES: Final[dict[str, dict[str, Any]]] = {
    "simple": {"trend": None},
    "trend": {"trend": "add"},
    "damped_trend": {"trend": "add", "damped_trend": True},
    "holt_winters_additive": {"trend": "add", "seasonal": "add"},
    "holt_winters_multiplicative": {"trend": "add", "seasonal": "mul"},
}


@dataclass(frozen=True)
class SmoothingForecast:
    """The next ``horizon`` values of a series and their band, by the chosen model."""

    model: str  # a key of _CANDIDATES, "naive", or "none" (history too short)
    forecast: Floats
    lower: Floats
    upper: Floats
    fit: dict[str, Figure]  # the model's parameters and fit figures (JSON-ready)


@dataclass(frozen=True)
class Backtest:
    """The last ``held_out`` values forecast from the history before them, by the same
    procedure (model choice included) and by the seasonal-naive forecast."""

    held_out: int
    actual: Floats
    model: str  # the model the procedure chose on the shortened history
    forecast: Floats
    baseline: str  # "seasonal_naive", or "naive" with less than one season to copy
    baseline_forecast: Floats
    mape: float | None  # % over the held-out periods with a non-zero actual
    baseline_mape: float | None
    mae: float
    baseline_mae: float
    counted: int  # held-out periods with a non-zero actual (those MAPE averages)

    def figures(self) -> dict[str, Figure]:
        """The backtest's figures, JSON-ready."""
        return {"held_out": self.held_out, "model": self.model, "baseline": self.baseline,
                "mape": self.mape, "baseline_mape": self.baseline_mape, "mae": self.mae,
                "baseline_mae": self.baseline_mae, "counted": self.counted}  # fmt: skip


def forecast(y: ArrayLike, *, season: int, horizon: int, confidence: float) -> SmoothingForecast:
    """The forecast of the ``horizon`` periods after ``y`` by the ETS model with the least
    AICc, with the central ``confidence`` prediction band; never below zero (demand)."""
    values = np.asarray(y, dtype=np.float64)
    if len(values) < MIN_NAIVE:
        empty = np.zeros(0)
        return SmoothingForecast("none", empty, empty, empty, {"periods": len(values)})
    if len(values) < MIN_SMOOTHING or np.ptp(values) == 0:
        return _naive(values, horizon, confidence)
    seasonal = len(values) >= 2 * season
    names = [n for n in _CANDIDATES if seasonal or "seasonal" not in _CANDIDATES[n]]
    if values.min() <= 0:  # multiplicative seasonality divides by the level
        names = [n for n in names if n != "holt_winters_multiplicative"]
    # One BLAS thread: these optimisations are tiny, and threads fighting over them made
    # each fit up to nine times slower (measured on two busy cores).
    with threadpool_limits(limits=1, user_api="blas"):
        fits = [f for f in (_fit(values, n, season) for n in names) if f is not None]
    if not fits:
        return _naive(values, horizon, confidence)
    name, result, aicc, converged = min(fits, key=lambda f: f[2])
    n = len(values)
    # The band: exact for the additive models (FPP3 table 8.8); the quantiles of 1,000
    # simulated paths, with a fixed seed, for multiplicative seasonality (no closed form).
    frame = result.get_prediction(start=n, end=n + horizon - 1, method=None,
                                  simulate_repetitions=_SIMULATIONS,
                                  rng=np.random.default_rng(0)).summary_frame(
        alpha=1 - confidence)  # fmt: skip
    mean, lower, upper = (np.maximum(frame[c].to_numpy(dtype=np.float64), 0.0)
                          for c in ("mean", "pi_lower", "pi_upper"))  # fmt: skip
    return SmoothingForecast(name, mean, lower, upper, _figures(result, aicc, season, converged))


def seasonal_naive(y: ArrayLike, *, season: int, horizon: int) -> tuple[str, Floats]:
    """("seasonal_naive", each next period's value one season earlier), or ("naive", the
    last value repeated) when ``y`` is shorter than a season (FPP3 § 5.2)."""
    values = np.asarray(y, dtype=np.float64)
    n = len(values)
    if n >= season:
        return "seasonal_naive", values[n - season + np.arange(horizon) % season]
    return "naive", np.full(horizon, values[-1])


def mape(actual: ArrayLike, predicted: ArrayLike) -> tuple[float | None, int]:
    """(100 · mean |actual − predicted| / |actual| over the periods whose actual is not
    zero, how many those are); None when every actual is zero (undefined there)."""
    a, p = np.asarray(actual, dtype=np.float64), np.asarray(predicted, dtype=np.float64)
    counted = a != 0
    if not counted.any():
        return None, 0
    return float(100 * np.mean(np.abs(a[counted] - p[counted]) / np.abs(a[counted]))), int(
        counted.sum()
    )


def backtest(y: ArrayLike, *, season: int, horizon: int, confidence: float) -> Backtest | None:
    """The last ``horizon`` values of ``y`` held out and forecast from the rest; None when
    fewer than ``MIN_NAIVE`` values would remain."""
    values = np.asarray(y, dtype=np.float64)
    train, actual = values[:-horizon], values[-horizon:]
    if len(train) < MIN_NAIVE:
        return None
    model = forecast(train, season=season, horizon=horizon, confidence=confidence)
    baseline, copied = seasonal_naive(train, season=season, horizon=horizon)
    model_mape, counted = mape(actual, model.forecast)
    baseline_mape, _ = mape(actual, copied)
    return Backtest(
        horizon, actual, model.model, model.forecast, baseline, copied, model_mape,
        baseline_mape, float(np.mean(np.abs(actual - model.forecast))),
        float(np.mean(np.abs(actual - copied))), counted,
    )  # fmt: skip


def _fit(y: Floats, name: str, season: int) -> tuple[str, Any, float, bool] | None:
    """(name, the fitted ``ETSModel``, its AICc, whether its optimiser converged), or
    None when the history is too short for its parameters or its likelihood is not
    finite (overflow on a hopeless candidate)."""
    import pandas as pd
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    spec = dict(_CANDIDATES[name])
    seasonal = "seasonal" in spec
    if seasonal:
        spec["seasonal_periods"] = season
    init = "heuristic" if seasonal else "estimated"
    # A pandas series: statsmodels' prediction code reads an index from its input.
    model = ETSModel(pd.Series(y), error="add", initialization_method=init, **spec)
    # Smoothing parameters, every initial state (estimated or not) and the variance.
    # (Seasonal models all have a trend: a level, a slope and ``season`` states.)
    k = len(model.param_names) + (2 + season if seasonal else 0) + 1
    if len(y) - k - 1 <= 0:  # AICc is undefined
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = model.fit(disp=False)
    # Expected from the optimiser: non-convergence (reported in the figures) and
    # overflow on hopeless candidates (their likelihood is not finite: dropped).
    # Anything else goes on as statsmodels raised it.
    converged = True
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            converged = False
        elif not issubclass(w.category, RuntimeWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if not np.isfinite(result.llf):
        return None
    n = len(y)
    aicc = -2 * float(result.llf) + 2 * k + 2 * k * (k + 1) / (n - k - 1)
    return name, result, aicc, converged


def _figures(result: Any, aicc: float, season: int, converged: bool) -> dict[str, Figure]:
    """The fitted model's smoothing parameters and fit figures."""

    def get(attribute: str) -> float | None:
        value = getattr(result, attribute, None)
        return None if value is None else float(value)

    return {
        "smoothing_level": get("smoothing_level"),
        "smoothing_trend": get("smoothing_trend"),
        "smoothing_seasonal": get("smoothing_seasonal"),
        "damping_trend": get("damping_trend"),
        "season_length": season if result.has_seasonal else None,
        "initialization": result.model.initialization_method,
        "sigma": float(np.sqrt(result.mse)),
        "log_likelihood": float(result.llf),
        "aicc": aicc,
        "periods": int(result.nobs),
        "converged": converged,
    }


def _naive(y: Floats, horizon: int, confidence: float) -> SmoothingForecast:
    """The last value repeated, the band that of a random walk: ± z σ √h, σ the root mean
    square of the period-to-period changes (FPP3 § 5.5)."""
    sigma = float(np.sqrt(np.mean(np.diff(y) ** 2)))
    z = float(norm.ppf((1 + confidence) / 2))
    half = z * sigma * np.sqrt(np.arange(1, horizon + 1))
    point = np.full(horizon, y[-1])
    fit: dict[str, Figure] = {"sigma": sigma, "periods": len(y)}
    return SmoothingForecast("naive", point, np.maximum(point - half, 0.0), point + half, fit)
