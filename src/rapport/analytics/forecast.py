"""Demand forecast: per series (the total, or each of the top categories or products) the
history of units, revenue or orders per month or week and its forecast by exponential
smoothing with a backtest; per customer, the purchases the BG/NBD model expects in the
next period. Definitions in docs/metrics.md ("Demand forecast").

The history is one Ibis expression run where the data lives (paid orders and their
items, summed per series and period, the top series chosen there too); the models run
on the series as arrays (``analytics/models/smoothing.py``, ``models/bgnbd.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final, Literal

import ibis
import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from rapport.analytics.common import (
    BadParameter,
    as_date,
    next_period,
    paid_orders,
    period_start,
    start_timestamp,
    truncate,
)
from rapport.analytics.models import bgnbd, smoothing
from rapport.analytics.source import Source
from rapport.analytics.summary import SummaryParams, customer_summary

Level = Literal["total", "category", "product"]
Measure = Literal["units", "revenue", "orders"]
ForecastPeriod = Literal["month", "week"]
SEASON_LENGTH: Final = {"month": 12, "week": 52}  # periods in a year (a week-year drifts a day)
PERIOD_DAYS: Final = {"month": 30.4375, "week": 7.0}  # a month: 365.25 / 12 days
_NONE: Final = -1  # the key of products without a category, inside the query
MAX_TOP: Final = 100  # each series is fitted a dozen times: keep the work bounded


@dataclass(frozen=True)
class ForecastParams:
    """Complete periods up to ``as_of`` (today when None), forecast ``horizon`` ahead."""

    level: Level = "total"
    measure: Measure = "units"
    period: ForecastPeriod = "month"
    horizon: int = 6
    as_of: date | None = None
    currency: str | None = "CNY"  # orders in this currency only; None: every currency
    top: int = 20  # series for the category and product levels, by history total
    confidence: float = 0.8  # of the prediction band

    def __post_init__(self) -> None:
        choices = {
            "level": ("total", "category", "product"),
            "measure": ("units", "revenue", "orders"),
            "period": ("month", "week"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise BadParameter(name, f"choose one of {', '.join(allowed)}")
        most = 2 * SEASON_LENGTH[self.period]
        if not 1 <= self.horizon <= most:
            raise BadParameter("horizon", f"give 1 to {most} periods (two seasons)")
        if not 1 <= self.top <= MAX_TOP:
            raise BadParameter("top", f"give 1 to {MAX_TOP} series")
        if not 0 < self.confidence < 1:
            raise BadParameter("confidence", "give a level between 0 and 1, such as 0.8")
        if self.currency is None and self.measure == "revenue":
            raise BadParameter("currency", "revenue is summed in one currency: name it")


@dataclass(frozen=True)
class SeriesHistory:
    """One series' values per complete period, from its first period with a sale."""

    key: int | None  # product or category id; None for the total and uncategorised
    name: str | None  # the product's or category's name
    periods: tuple[date, ...]  # first days
    values: NDArray[np.float64]


@dataclass(frozen=True)
class SeriesForecast:
    """One series' history, forecast with its band, the model and its backtest."""

    history: SeriesHistory
    periods: tuple[date, ...]  # first days of the forecast periods
    forecast: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    model: str  # simple, trend, damped_trend, holt_winters_additive/_multiplicative, naive, none
    fit: dict[str, smoothing.Figure]
    backtest: smoothing.Backtest | None  # None with too short a history


@dataclass(frozen=True)
class ForecastResult:
    """Every series' forecast; ``end`` is the first day after the last complete period."""

    params: ForecastParams
    end: date
    series: list[SeriesForecast]

    def parameters(self) -> dict[str, Any]:
        """The inputs and each series' model and fitted parameters, JSON-ready."""
        p = self.params
        return {
            "level": p.level, "measure": p.measure, "period": p.period, "horizon": p.horizon,
            "as_of": p.as_of.isoformat() if p.as_of else None, "currency": p.currency,
            "top": p.top, "confidence": p.confidence, "end": self.end.isoformat(),
            "series": [{"key": s.history.key, "model": s.model, "fit": s.fit}
                       for s in self.series],
        }  # fmt: skip

    def evaluation(self) -> dict[str, Any]:
        """Each series' backtest figures (None where the history was too short), JSON-ready."""
        return {"series": [{"key": s.history.key,
                            "backtest": s.backtest.figures() if s.backtest else None}
                           for s in self.series]}  # fmt: skip


def history_expr(source: Source, params: ForecastParams, end: date) -> Any:
    """(key, bucket, value) per series and period with a sale before ``end``, for the
    total or the ``top`` series by their summed values, as an Ibis expression."""
    paid = paid_orders(source, start_timestamp(end), params.currency)
    orders = paid.select(order_id="id", ordered_at="ordered_at", total_minor="total_minor")
    from_items = params.level != "total" or params.measure == "units"
    if not from_items:
        rows = orders.mutate(key=ibis.literal(0, "int64"), amount=orders.total_minor)
    else:
        items = source.table("order_items").select(
            "order_id", "product_id", "quantity", "line_total_minor"
        )
        rows = items.inner_join(orders, "order_id")
        if params.level == "category":
            products = source.table("products").select(product_id="id", category="category_id")
            rows = rows.left_join(products, "product_id").drop("product_id_right")
            key = rows.category.cast("int64").fill_null(_NONE)
        else:
            key = rows.product_id if params.level == "product" else ibis.literal(0, "int64")
        amount = rows.quantity if params.measure == "units" else rows.line_total_minor
        rows = rows.mutate(key=key.cast("int64"), amount=amount)
    rows = rows.mutate(bucket=truncate(rows.ordered_at, params.period))
    if params.measure == "orders":
        # An order holding several of a series' items counts once.
        value = rows.order_id.nunique() if from_items else rows.count()
    else:
        value = rows.amount.sum()
    grouped = rows.group_by(["key", "bucket"]).aggregate(value=value)
    if params.level != "total":
        totals = grouped.group_by("key").aggregate(total=grouped.value.sum())
        top = totals.order_by([ibis.desc("total"), "key"]).limit(params.top).select("key")
        grouped = grouped.semi_join(top, "key")
    return grouped.order_by(["key", "bucket"])


def series_history(source: Source, params: ForecastParams) -> tuple[date, list[SeriesHistory]]:
    """(the first day after the last complete period, each series' history), the series
    in order of their summed values, largest first (ties by key)."""
    end = _history_end(params.as_of or date.today(), params.period)
    rows = source.to_arrow(history_expr(source, params, end)).to_pylist()
    by_key: dict[int, dict[date, float]] = {}
    for row in rows:
        by_key.setdefault(int(row["key"]), {})[as_date(row["bucket"])] = float(row["value"])
    names = _names(source, params.level, [k for k in by_key if k != _NONE])
    out = []
    # The order the query chose the top series in: largest total first, ties by key.
    for key, values in sorted(by_key.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
        periods = _periods(min(values), end, params.period)
        series = np.array([values.get(day, 0.0) for day in periods], dtype=np.float64)
        plain = None if params.level == "total" or key == _NONE else key
        out.append(SeriesHistory(plain, names.get(key), tuple(periods), series))
    return end, out


def demand_forecast(source: Source, params: ForecastParams) -> ForecastResult:
    """Each series' history, its forecast for the next ``horizon`` periods with the
    ``confidence`` band, the model chosen and its backtest against seasonal-naive."""
    end, histories = series_history(source, params)
    season = SEASON_LENGTH[params.period]
    ahead = tuple(_periods(end, None, params.period, count=params.horizon))
    out = []
    for history in histories:
        made = smoothing.forecast(history.values, season=season, horizon=params.horizon,
                                  confidence=params.confidence)  # fmt: skip
        tested = smoothing.backtest(history.values, season=season, horizon=params.horizon,
                                    confidence=params.confidence)  # fmt: skip
        out.append(SeriesForecast(history, ahead if len(made.forecast) else (),
                                  made.forecast, made.lower, made.upper, made.model,
                                  made.fit, tested))  # fmt: skip
    return ForecastResult(params, end, out)


@dataclass(frozen=True)
class CustomerDemandParams:
    """Buyers up to the end of ``as_of`` (today when None); the next ``period`` after it."""

    period: ForecastPeriod = "month"
    as_of: date | None = None
    currency: str = "CNY"

    def __post_init__(self) -> None:
        if self.period not in PERIOD_DAYS:
            raise BadParameter("period", f"choose one of {', '.join(PERIOD_DAYS)}")


@dataclass(frozen=True)
class CustomerDemand:
    """Each buyer's expected purchases (days with a paid order) in the ``horizon_days``
    after ``as_of``, aligned with ``customer_id``."""

    params: CustomerDemandParams
    as_of: date
    horizon_days: float
    customer_id: NDArray[np.int64]
    expected_purchases: NDArray[np.float64]
    model: bgnbd.BgNbd

    def parameters(self) -> dict[str, Any]:
        """The inputs and the fitted BG/NBD parameters, JSON-ready."""
        m = self.model
        return {"model": "bgnbd", "period": self.params.period, "as_of": self.as_of.isoformat(),
                "currency": self.params.currency, "horizon_days": self.horizon_days,
                "r": m.r, "alpha": m.alpha, "a": m.a, "b": m.b}  # fmt: skip

    def evaluation(self) -> dict[str, Any]:
        """The fit's log-likelihood, customers and the expected purchases summed."""
        return {"log_likelihood": self.model.log_likelihood, "customers": self.model.customers,
                "expected_total": float(self.expected_purchases.sum())}  # fmt: skip


def customer_demand(
    source: Source, params: CustomerDemandParams, *, summary: pa.Table | None = None
) -> CustomerDemand:
    """Each buyer's expected purchases in the next period by the BG/NBD model fitted on
    every buyer; ``summary`` is the per-customer summary at ``as_of`` in ``currency``
    when already computed (its buyers are used)."""
    as_of = params.as_of or date.today()
    if summary is None:
        summary = customer_summary(
            source, SummaryParams(as_of=as_of, currency=params.currency, buyers_only=True)
        )
    buyers = summary.filter(summary["frequency"].is_valid())
    if not buyers.num_rows:
        raise BadParameter("as_of", "no customer bought by this day in this currency")
    rows = np.stack([buyers[c].to_numpy().astype(np.float64)
                     for c in ("frequency", "recency_days", "t_days")], axis=1)  # fmt: skip
    # Customers sharing (x, t_x, T) are one row with a weight: the fit and the
    # prediction cost grows with distinct rows, not customers.
    distinct, inverse = np.unique(rows, axis=0, return_inverse=True)
    weights = np.bincount(inverse.ravel(), minlength=len(distinct)).astype(np.float64)
    x, t_x, t = distinct.T
    model = bgnbd.fit(x, t_x, t, weights)
    days = PERIOD_DAYS[params.period]
    expected = model.expected_purchases(x, t_x, t, days)[inverse.ravel()]
    ids = buyers["customer_id"].to_numpy().astype(np.int64)
    return CustomerDemand(params, as_of, days, ids, expected, model)


def _history_end(as_of: date, period: ForecastPeriod) -> date:
    """The first day after the last period wholly on or before ``as_of``: the period
    holding ``as_of`` counts only when ``as_of`` is its last day."""
    current = period_start(as_of, period)
    following = next_period(current, period)
    return following if following == as_of + timedelta(days=1) else current


def _periods(first: date, end: date | None, period: ForecastPeriod,
             count: int | None = None) -> list[date]:  # fmt: skip
    """The first days of the periods from ``first``: up to ``end`` (excluded), or
    ``count`` of them."""
    days: list[date] = []
    day = first
    while (end is not None and day < end) or (count is not None and len(days) < count):
        days.append(day)
        day = next_period(day, period)
    return days


def _names(source: Source, level: Level, keys: list[int]) -> dict[int, str]:
    """The names of the products or categories ``keys``."""
    if level == "total" or not keys:
        return {}
    table = source.table("products" if level == "product" else "product_categories")
    named = table.filter(table.id.isin(keys)).select("id", "name")
    return {int(r["id"]): str(r["name"]) for r in source.to_arrow(named).to_pylist()}
