"""Churn and retention: churn rate per period and the cohort retention matrix.

A customer is *active* from each paid order until ``inactive_days`` pass without
another (docs/metrics.md). Churn rate of a period = customers active at its start and
no longer active at its end / customers active at its start × 100 %. Cohorts are
customers by the month of their first paid order; the matrix gives the share of each
cohort that bought again k months later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import ibis

from rapport.analytics.common import (
    BadParameter,
    Period,
    as_of_timestamp,
    next_period,
    paid_orders,
    period_start,
    start_timestamp,
    with_breakdown,
)
from rapport.analytics.source import Source
from rapport.analytics.stats import wilson


@dataclass(frozen=True)
class ChurnParams:
    """Complete periods from ``start`` to ``end`` (today), churn after ``inactive_days``."""

    start: date
    end: date | None = None
    period: Period = "month"
    inactive_days: int = 180  # the setting RAPPORT_CHURN_INACTIVE_DAYS by default
    by: str | None = None
    confidence: float = 0.95
    # A customer date field holding the contract end: churn is the contract ending
    # (RAPPORT_CHURN_CONTRACT_FIELD); None: churn after ``inactive_days`` without a purchase.
    contract_field: str | None = None


@dataclass(frozen=True)
class ChurnRow:
    """One period's churn for one group."""

    period: date  # its first day
    group: str
    active_at_start: int
    churned: int
    rate: float  # %
    low: float
    high: float


def period_starts(start: date, end: date, period: Period) -> list[date]:
    """The first days of the complete periods from the one holding ``start`` on, whose
    last day is no later than ``end``; plus the day after the last (its end)."""
    first = period_start(start, period)
    days = [first]
    while (following := next_period(days[-1], period)) <= end + timedelta(days=1):
        days.append(following)
    return days


def churn(source: Source, params: ChurnParams) -> list[ChurnRow]:
    """Churn rate per complete period and group, oldest first."""
    if params.inactive_days < 1:
        raise BadParameter("inactive_days", "give a number of days of at least 1")
    if params.contract_field is not None and not params.contract_field.isidentifier():
        raise BadParameter("contract_field", "give the key of a customer custom field")
    end = params.end or date.today()
    bounds = period_starts(params.start, end, params.period)
    if len(bounds) < 2:
        raise BadParameter("start", "no complete period lies between start and end")
    periods = ibis.memtable({"s": [start_timestamp(d) for d in bounds[:-1]],
                             "e": [start_timestamp(d) for d in bounds[1:]]})  # fmt: skip
    if params.contract_field:
        at_start, gone = _contracts(source, params, periods)
    else:
        at_start, gone = _purchases(source, params, periods, end)
    starting = at_start.group_by(["s", "group"]).aggregate(active_at_start=ibis._.count())
    churned = gone.group_by(["s", "group"]).aggregate(churned=ibis._.count())
    joined = starting.left_join(churned, ["s", "group"]).select(
        "s", "group", "active_at_start", churned=ibis._.churned.fill_null(0)
    )
    rows = source.to_arrow(joined.order_by(["s", "group"])).to_pylist()
    out = []
    for row in rows:
        n, k = int(row["active_at_start"]), int(row["churned"])
        low, high = wilson(k, n, params.confidence)
        out.append(ChurnRow(row["s"].date(), str(row["group"]), n, k, 100 * k / n, low, high))
    return out


def _purchases(source: Source, params: ChurnParams, periods: Any, end: date) -> tuple[Any, Any]:
    """(customer, group, s) active at each period's start, and those of them churned by
    its end, by purchases."""
    gap = ibis.interval(days=params.inactive_days)
    paid = with_breakdown(source, _paid(source, end), params.by)

    def active_at(moment: str) -> Any:
        """(customer, group, period start) for customers active at the period's ``moment``."""
        at = periods[moment]
        # Calendar days, as the lifecycle counts them: churned from midnight of the day
        # ``inactive_days`` after the order's day.
        lapse = (paid.ordered_at.date() + gap).cast("timestamp")
        hits = paid.inner_join(periods, [paid.ordered_at < at, lapse > at])
        return hits.select("customer_id", "group", "s").distinct()

    at_start = active_at("s")
    return at_start, at_start.anti_join(active_at("e"), ["customer_id", "s"])


def _contracts(source: Source, params: ChurnParams, periods: Any) -> tuple[Any, Any]:
    """The same by contract end: under contract at the start, the contract ending in it."""
    assert params.contract_field
    customers = source.table("customers")
    ends = customers.select(
        customer_id="id",
        created_at="created_at",
        ends=_date_field(customers.custom_fields, params.contract_field),
    )
    ends = with_breakdown(source, ends.filter(ends.ends.notnull()), params.by)
    under = ends.inner_join(
        periods, [ends.created_at < periods.s, ends.ends.cast("timestamp") >= periods.s]
    )
    gone = under.filter(under.ends.cast("timestamp") < under.e)
    return under.select("customer_id", "group", "s"), gone.select("customer_id", "group", "s")


def _date_field(custom_fields: Any, key: str) -> Any:
    """The date held under ``key`` in a JSON object of custom fields (NULL if absent or
    not a date). Read from the JSON text with a pattern rather than a JSON path: Ibis
    writes JSON text extraction for PostgreSQL in a form PostgreSQL refuses."""
    text = custom_fields.cast("string").re_extract(
        rf'"{key}"\s*:\s*"([0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}})', 1
    )
    return ibis.ifelse(text == "", ibis.null(), text).try_cast("date")


@dataclass(frozen=True)
class CohortRow:
    """One cohort's size and the share of it buying in each month since its first."""

    cohort: date  # first day of the month of the first paid order
    customers: int
    retained: list[int]  # customers with a paid order in month 0, 1, 2 … after
    percent: list[float]


def cohorts(
    source: Source, *, start: date | None = None, end: date | None = None
) -> list[CohortRow]:
    """The monthly cohort retention matrix of customers whose first paid order falls
    between ``start`` and ``end`` (every cohort when None), counted up to ``end``."""
    last = end or date.today()
    paid = _paid(source, last)
    first = paid.group_by("customer_id").aggregate(first_at=paid.ordered_at.min())
    first = first.mutate(cohort=first.first_at.truncate("M").date())
    if start:
        first = first.filter(first.cohort >= period_start(start, "month"))
    joined = paid.inner_join(first, "customer_id")
    offset = ((joined.ordered_at.year() - joined.cohort.year()) * 12
              + joined.ordered_at.month() - joined.cohort.month())  # fmt: skip
    counts = (
        joined.mutate(offset=offset)
        .group_by(["cohort", "offset"])
        .aggregate(customers=ibis._.customer_id.nunique())
    )
    rows = source.to_arrow(counts.order_by(["cohort", "offset"])).to_pylist()
    by_cohort: dict[date, dict[int, int]] = {}
    for row in rows:
        by_cohort.setdefault(row["cohort"], {})[int(row["offset"])] = int(row["customers"])
    out = []
    for cohort, months in sorted(by_cohort.items()):
        span = (last.year - cohort.year) * 12 + last.month - cohort.month + 1
        retained = [months.get(k, 0) for k in range(span)]
        size = retained[0]
        out.append(CohortRow(cohort, size, retained, [100 * k / size for k in retained]))
    return out


def _paid(source: Source, end: date) -> Any:
    paid = paid_orders(source, as_of_timestamp(end))
    return paid.select("customer_id", "ordered_at")
