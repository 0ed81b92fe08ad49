"""Customer survival and churn drift: how long customers stay, and where those who left
stopped (definitions in docs/metrics.md).

A customer's lifetime runs from the day of their first paid order. They *churn* on the
day of their last paid order + ``inactive_days`` (the churn rule of ``retention``): when
that day is no later than ``as_of`` the lifetime ends there, an observed event;
otherwise it is censored at ``as_of``, the customer still active. Lifetimes are whole
days. Kaplan–Meier curves are fitted with lifelines on the distinct (lifetime, churned,
group) rows weighted by their customers, so the fit grows with distinct lifetimes, not
with customers; everything per customer runs in the engine.

The Kaplan–Meier (product-limit) estimate: with d_i customers churning on day t_i and
n_i at risk just before it (lifetime ≥ t_i, censored or not),

    S(t) = ∏_{t_i ≤ t} (1 − d_i / n_i)

Its interval is lifelines' exponential Greenwood interval, S^exp(±z·√V) with
V = Σ d_i / (n_i (n_i − d_i)) / (ln S)².
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal

import ibis
import numpy as np

from rapport.analytics.common import BadParameter, as_of_timestamp, paid_orders, with_breakdown
from rapport.analytics.source import Source
from rapport.analytics.stats import wilson

_EPOCH: Final = date(1970, 1, 1)
Level = Literal["product", "category"]


@dataclass(frozen=True)
class SurvivalParams:
    """Lifetimes up to ``as_of`` (today when None), churn after ``inactive_days``."""

    as_of: date | None = None
    inactive_days: int = 180  # the setting RAPPORT_CHURN_INACTIVE_DAYS by default
    by: str | None = None  # a customer field (see common.BREAKDOWNS)
    every: int | None = None  # the curve at days 0, every, 2·every … (at each churn day when None)
    confidence: float = 0.95


@dataclass(frozen=True)
class SurvivalPoint:
    """The curve on one day of customers' lifetimes."""

    day: int
    survival: float  # % still active after ``day`` days
    low: float  # its interval, %
    high: float
    at_risk: int  # customers whose lifetime reaches ``day`` (churned on it or later, or censored)


@dataclass(frozen=True)
class SurvivalCurve:
    """One group's Kaplan–Meier curve."""

    group: str
    customers: int
    churned: int
    median_days: int | None  # first day the curve is at 50 % or below; None if it never is
    points: list[SurvivalPoint]


def survival(source: Source, params: SurvivalParams) -> list[SurvivalCurve]:
    """The Kaplan–Meier survival curve of each group's customers, in group order."""
    from lifelines import KaplanMeierFitter

    _check(params.inactive_days, params.confidence)
    if params.every is not None and params.every < 1:
        raise BadParameter("every", "give a number of days of at least 1")
    lives = with_breakdown(source, _lifetimes(source, _as_of(params.as_of), params.inactive_days),
                           params.by)  # fmt: skip
    distinct = lives.group_by(["group", "duration", "churned"]).aggregate(customers=ibis._.count())
    data = source.to_arrow(distinct.order_by(["group", "duration", "churned"]))
    groups = np.asarray(data["group"].to_pylist(), dtype=object)
    all_durations = np.asarray(data["duration"].to_pylist(), dtype=float)
    all_events = np.asarray(data["churned"].to_pylist(), dtype=bool)
    all_weights = np.asarray(data["customers"].to_pylist(), dtype=float)
    curves = []
    for group in dict.fromkeys(groups.tolist()):
        rows = groups == group
        durations, events = all_durations[rows], all_events[rows]
        weights = all_weights[rows]
        fitter = KaplanMeierFitter()
        fitter.fit(durations, events, weights=weights, alpha=1 - params.confidence)
        curves.append(SurvivalCurve(
            str(group), int(weights.sum()), int(weights[events].sum()), _median(fitter),
            _points(fitter, durations, events, weights, params.every),
        ))  # fmt: skip
    return curves


@dataclass(frozen=True)
class SurvivalRow:
    """One point of one group's curve with the group's totals: the curves as one table."""

    group: str
    customers: int
    churned: int
    median_days: int | None
    day: int
    survival: float
    low: float
    high: float
    at_risk: int


def survival_rows(curves: list[SurvivalCurve]) -> list[SurvivalRow]:
    """Every point of ``curves``, group by group."""
    return [SurvivalRow(c.group, c.customers, c.churned, c.median_days, p.day, p.survival,
                        p.low, p.high, p.at_risk) for c in curves for p in c.points]  # fmt: skip


def _median(fitter: Any) -> int | None:
    """The first day the curve is at 50 % or below (lifelines multiplies the steps as a
    sum of logarithms, so a curve at exactly one half may come out a hair above it)."""
    curve = fitter.survival_function_.iloc[:, 0].to_numpy(dtype=float)
    below = np.flatnonzero(curve <= 0.5 + 1e-9)
    return int(fitter.survival_function_.index[below[0]]) if below.size else None


def _points(fitter: Any, durations: np.ndarray[Any, Any], events: np.ndarray[Any, Any],
            weights: np.ndarray[Any, Any], every: int | None) -> list[SurvivalPoint]:  # fmt: skip
    """The fitted curve on day 0 and each churn day, or on every ``every``-th day."""
    times = fitter.survival_function_.index.to_numpy(dtype=float)
    curve = fitter.survival_function_.iloc[:, 0].to_numpy(dtype=float)
    low = fitter.confidence_interval_.iloc[:, 0].to_numpy(dtype=float)
    high = fitter.confidence_interval_.iloc[:, 1].to_numpy(dtype=float)
    if every is None:
        days = sorted({0, *(int(d) for d in durations[events])})
    else:
        days = list(range(0, int(durations.max()) + 1, every))
    order = np.argsort(durations, kind="stable")
    ends = durations[order]
    # customers whose lifetime is at least ends[j]: the weights from j on
    reaching = np.append(np.cumsum(weights[order][::-1])[::-1], 0.0)
    points = []
    for day in days:
        i = int(np.searchsorted(times, day, side="right")) - 1  # the last step at or before
        s, lo, hi = (1.0, 1.0, 1.0) if i < 0 else (curve[i], low[i], high[i])
        at_risk = int(reaching[int(np.searchsorted(ends, day, side="left"))])
        points.append(SurvivalPoint(day, float(100 * s), float(100 * lo), float(100 * hi), at_risk))
    return points


@dataclass(frozen=True)
class DriftParams:
    """Who had churned by ``as_of`` (today when None) and where they stopped."""

    as_of: date | None = None
    inactive_days: int = 180  # the setting RAPPORT_CHURN_INACTIVE_DAYS by default
    purchase_buckets: int = 5  # purchases 1 … N−1, then "N+"
    min_customers: int = 20  # a product or category bought last by fewer is left out
    confidence: float = 0.95


@dataclass(frozen=True)
class PurchaseDriftRow:
    """Churned and staying customers by how many paid orders they have."""

    purchases: str  # "1", "2" … and "5+" for the last bucket
    churned: int  # churned customers whose last paid order was their ``purchases``-th
    stayed: int  # active customers with ``purchases`` paid orders so far
    churned_share: float | None  # % of all churned customers
    stayed_share: float | None  # % of all active customers
    rate: float | None  # churn rate among customers with this many, %
    low: float | None
    high: float | None


@dataclass(frozen=True)
class LastItemRow:
    """Churn among customers whose last paid order held a product (or category)."""

    id: int | None  # product or category id; None for products without a category
    name: str | None
    churned: int
    stayed: int
    customers: int
    rate: float  # churned / customers, %
    low: float
    high: float
    lift: float | None  # rate / the churn rate of all customers with a paid order


def purchase_drift(source: Source, params: DriftParams) -> list[PurchaseDriftRow]:
    """Churned and active customers by their number of paid orders, 1 to ``N+``."""
    _check(params.inactive_days, params.confidence)
    if params.purchase_buckets < 2:
        raise BadParameter("purchase_buckets", "give at least 2 buckets")
    lives = _lifetimes(source, _as_of(params.as_of), params.inactive_days)
    lives = lives.mutate(bucket=ibis.least(lives.orders, params.purchase_buckets))
    counts = lives.group_by(["bucket", "churned"]).aggregate(customers=ibis._.count())
    found = {(int(r["bucket"]), bool(r["churned"])): int(r["customers"])
             for r in source.to_arrow(counts).to_pylist()}  # fmt: skip
    buckets = range(1, params.purchase_buckets + 1)
    churned = [found.get((b, True), 0) for b in buckets]
    stayed = [found.get((b, False), 0) for b in buckets]
    out = []
    for b, k, s in zip(buckets, churned, stayed, strict=True):
        n = k + s
        low, high = wilson(k, n, params.confidence) if n else (None, None)
        label = f"{b}+" if b == params.purchase_buckets else str(b)
        out.append(PurchaseDriftRow(label, k, s, _share(k, sum(churned)), _share(s, sum(stayed)),
                                    _share(k, n), low, high))  # fmt: skip
    return out


def last_item_drift(
    source: Source, params: DriftParams, level: Level = "product"
) -> list[LastItemRow]:
    """Churn by the products (or categories) of each customer's last paid order, highest
    churn rate first, for those bought last by at least ``min_customers`` customers."""
    _check(params.inactive_days, params.confidence)
    if level not in ("product", "category"):
        raise BadParameter("level", "choose product or category")
    if params.min_customers < 1:
        raise BadParameter("min_customers", "give a number of at least 1")
    as_of = _as_of(params.as_of)
    lives = _lifetimes(source, as_of, params.inactive_days)
    everyone = lives.aggregate(customers=ibis._.count(), churned=ibis._.churned.sum())
    overall = source.to_arrow(everyone).to_pylist()[0]
    total, lost = int(overall["customers"]), int(overall["churned"] or 0)
    paid = _paid(source, as_of)
    latest = ibis.window(group_by="customer_id",
                         order_by=[ibis.desc("ordered_at"), ibis.desc("id")])  # fmt: skip
    last = paid.mutate(rank=ibis.row_number().over(latest)).filter(ibis._.rank == 0)
    last = last.select("customer_id", order_id="id").inner_join(
        lives.select("customer_id", "churned"), "customer_id")  # fmt: skip
    items = source.table("order_items").select("order_id", "product_id")
    products = source.table("products").select(product_id="id", product="name",
                                                category_id="category_id")  # fmt: skip
    hits = last.inner_join(items, "order_id").left_join(products, "product_id")
    if level == "product":
        hits = hits.select("customer_id", "churned", key="product_id", label="product")
    else:
        categories = source.table("product_categories").select(category_id="id", label="name")
        hits = hits.left_join(categories, "category_id").select(
            "customer_id", "churned", "label", key="category_id")  # fmt: skip
    per = hits.distinct().group_by(["key", "label"]).aggregate(
        customers=ibis._.count(), churned=ibis._.churned.sum())  # fmt: skip
    per = per.filter(per.customers >= params.min_customers)
    overall_rate = lost / total if total else 0.0
    out = []
    for r in source.to_arrow(per).to_pylist():
        n, k = int(r["customers"]), int(r["churned"])
        low, high = wilson(k, n, params.confidence)
        out.append(LastItemRow(None if r["key"] is None else int(r["key"]), r["label"], k,
                               n - k, n, 100 * k / n, low, high,
                               (k / n) / overall_rate if overall_rate else None))  # fmt: skip
    out.sort(key=lambda row: (-row.rate, -row.customers, row.id is None, row.id or 0))
    return out


def _lifetimes(source: Source, as_of: date, inactive_days: int) -> Any:
    """One row per customer with a paid order up to ``as_of``: ``orders`` (their number),
    ``churned`` and ``duration`` (days from the first to churn, or to ``as_of``)."""
    paid = _paid(source, as_of)
    per = paid.group_by("customer_id").aggregate(
        first=paid.ordered_at.min(), last=paid.ordered_at.max(), orders=paid.count()
    )
    first, last = per.first.date().epoch_days(), per.last.date().epoch_days()
    today = (as_of - _EPOCH).days
    churned = today - last >= inactive_days
    return per.select(
        "customer_id", "orders", churned=churned,
        duration=churned.ifelse(last - first + inactive_days, today - first),
    )  # fmt: skip


def _paid(source: Source, as_of: date) -> Any:
    return paid_orders(source, as_of_timestamp(as_of))


def _as_of(day: date | None) -> date:
    return day or date.today()


def _check(inactive_days: int, confidence: float) -> None:
    if inactive_days < 1:
        raise BadParameter("inactive_days", "give a number of days of at least 1")
    if not 0 < confidence < 1:
        raise BadParameter("confidence", "give a level between 0 and 1, such as 0.95")


def _share(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None
