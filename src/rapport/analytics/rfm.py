"""RFM: each buying customer's recency, frequency and monetary value, scored 1–5 by
quintile and named by segment (definitions and the segment grid in docs/metrics.md)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import ibis
import pyarrow as pa

from rapport.analytics.common import BadParameter, as_of_timestamp, paid_orders
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


def quintile(column: Any, *, descending: bool = False) -> Any:
    """Scores 1–5 of ``column`` over its whole table: 1 + ⌊5 (rank − 1) / n⌋ with rank
    the 1-based position in ascending order (descending with ``descending``), tied
    values taking the lowest rank of their tie (so ties score alike)."""
    key = ibis.desc(column) if descending else column
    rank = ibis.rank().over(order_by=key)  # 0-based, ties share the lowest
    return (1 + (5 * rank) // column.count().over()).cast("int64")


def rfm_expr(source: Source, params: RfmParams) -> Any:
    """The RFM rows as an Ibis expression, in customer id order (not yet run)."""
    as_of = params.as_of or date.today()
    if params.window_days is not None and params.window_days < 1:
        raise BadParameter("window_days", "give a number of days of at least 1")
    cutoff = as_of_timestamp(as_of)
    paid = paid_orders(source, cutoff, params.currency)
    if params.window_days:
        paid = paid.filter(paid.ordered_at >= ibis.timestamp(cutoff) - ibis.interval(
            days=params.window_days))  # fmt: skip
    summary = paid.group_by("customer_id").aggregate(
        last=paid.ordered_at.max(), frequency=paid.count(), monetary_minor=paid.total_minor.sum()
    )
    summary = summary.select(
        "customer_id", "frequency", "monetary_minor",
        recency_days=ibis.date(as_of.isoformat()).delta(summary.last.date(), unit="day"),
    )  # fmt: skip
    scored = summary.mutate(
        r=quintile(summary.recency_days, descending=True),  # recent is better
        f=quintile(summary.frequency),
        m=quintile(summary.monetary_minor),
    )
    fm = (scored.f + scored.m + 1) // 2
    segment = ibis.cases(
        *((scored.r.isin(sorted(rs)) & fm.isin(sorted(fms)), name) for name, rs, fms in SEGMENTS)
    )
    return scored.select(
        "customer_id", "recency_days", "frequency", "monetary_minor", "r", "f", "m",
        segment=segment,
    ).order_by("customer_id")  # fmt: skip


def rfm_table(source: Source, params: RfmParams) -> pa.Table:
    """Every customer with a paid order in the window, as Arrow (``RfmRow``'s columns)."""
    return source.to_arrow(rfm_expr(source, params))


def rfm(source: Source, params: RfmParams) -> list[RfmRow]:
    """Every customer with a paid order in the window, in customer id order."""
    return [RfmRow(**row) for row in rfm_table(source, params).to_pylist()]


def segment_counts(rows: list[RfmRow]) -> dict[str, int]:
    """Customers per segment, in the order of ``SEGMENTS``."""
    counts = Counter(row.segment for row in rows)
    return {name: counts[name] for name, _, _ in SEGMENTS}
