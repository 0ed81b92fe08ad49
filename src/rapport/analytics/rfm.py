"""RFM: each buying customer's recency, frequency and monetary value, scored 1–5 by
quintile and named by segment (definitions and the segment grid in docs/metrics.md)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Final

import ibis

from rapport.analytics.common import BadParameter, as_of_timestamp
from rapport.analytics.source import Source

# (segment, R scores, FM scores): the first that holds names the customer; FM is the
# mean of the F and M scores rounded half up. Every (R, FM) pair has exactly one name.
SEGMENTS: Final = (
    ("champions", {4, 5}, {4, 5}),
    ("loyal", {3, 4, 5}, {3, 4, 5}),
    ("potential_loyalists", {4, 5}, {2}),
    ("new", {5}, {1}),
    ("promising", {4}, {1}),
    ("need_attention", {3}, {2}),
    ("about_to_sleep", {3}, {1}),
    ("cant_lose", {1, 2}, {5}),
    ("at_risk", {1, 2}, {3, 4}),
    ("hibernating", {2}, {1, 2}),
    ("lost", {1}, {1, 2}),
)


@dataclass(frozen=True)
class RfmParams:
    """Paid orders up to ``as_of`` (today when None) in ``currency``."""

    as_of: date | None = None
    currency: str = "CNY"
    window_days: int | None = None  # only orders of the last N days (all when None)


@dataclass(frozen=True)
class RfmRow:
    """One customer's RFM values, scores and segment."""

    customer_id: int
    recency_days: int  # days from the last paid order to ``as_of``
    frequency: int  # paid orders
    monetary_minor: int  # their total, in minor units of ``currency``
    r: int
    f: int
    m: int
    segment: str


def segment_of(r: int, f: int, m: int) -> str:
    """The segment named by R and the rounded mean of F and M."""
    fm = (f + m + 1) // 2
    return next(name for name, rs, fms in SEGMENTS if r in rs and fm in fms)


def quintile_scores(values: list[float]) -> list[int]:
    """Scores 1–5: 1 + ⌊5 (rank − 1) / n⌋ with rank the 1-based position in ascending
    order, tied values taking the lowest rank of their tie (so ties score alike)."""
    n = len(values)
    order = sorted(range(n), key=values.__getitem__)
    scores = [0] * n
    rank = 0
    for position, index in enumerate(order):
        if position == 0 or values[index] != values[order[position - 1]]:
            rank = position + 1
        scores[index] = 1 + (5 * (rank - 1)) // n
    return scores


def rfm(source: Source, params: RfmParams) -> list[RfmRow]:
    """Every customer with a paid order in the window, in customer id order."""
    as_of = params.as_of or date.today()
    if params.window_days is not None and params.window_days < 1:
        raise BadParameter("window_days", "give a number of days of at least 1")
    orders = source.table("orders")
    cutoff = as_of_timestamp(as_of)
    paid = orders.filter((orders.status == "paid") & (orders.ordered_at < cutoff)
                         & (orders.currency == params.currency))  # fmt: skip
    if params.window_days:
        paid = paid.filter(paid.ordered_at >= ibis.timestamp(cutoff) - ibis.interval(
            days=params.window_days))  # fmt: skip
    summary = paid.group_by("customer_id").aggregate(
        last=paid.ordered_at.max(), frequency=paid.count(), monetary=paid.total_minor.sum()
    )
    data = source.to_arrow(summary.order_by("customer_id")).to_pylist()
    recency = [(as_of - row["last"].date()).days for row in data]
    r = quintile_scores([-float(days) for days in recency])  # recent is better
    f = quintile_scores([float(row["frequency"]) for row in data])
    m = quintile_scores([float(row["monetary"]) for row in data])
    return [
        RfmRow(int(row["customer_id"]), days, int(row["frequency"]), int(row["monetary"]),
               r[i], f[i], m[i], segment_of(r[i], f[i], m[i]))
        for i, (row, days) in enumerate(zip(data, recency, strict=True))
    ]  # fmt: skip


def segment_counts(rows: list[RfmRow]) -> dict[str, int]:
    """Customers per segment, in the order of ``SEGMENTS``."""
    counts = Counter(row.segment for row in rows)
    return {name: counts[name] for name, _, _ in SEGMENTS}
