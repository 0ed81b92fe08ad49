"""Sales performance: revenue, deals won and lost, win rate, deal size and cycle length
per rep, team, product, category, region or channel and period; for reps and teams also
their activities and quota attainment (definitions in docs/metrics.md).

Revenue is the ``amount_minor`` of deals won (status ``won``) in one currency whose
``closed_at`` falls in the period: it credits the rep who owned the deal when it was
won. The paid orders of each rep's customers are given beside it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final, Literal

import ibis

from rapport.analytics.common import (
    BadParameter,
    Period,
    as_date,
    as_of_timestamp,
    check_period,
    next_period,
    period_start,
    start_timestamp,
    truncate,
)
from rapport.analytics.sales_cycle import days_between, deal_groups
from rapport.analytics.source import Source
from rapport.analytics.stats import wilson

_PEOPLE: Final = ("owner", "team")  # the cuts that have activities and quotas


@dataclass(frozen=True)
class SalesPerformanceParams:
    """Deals in ``currency`` closed from ``start`` to ``end``, cut by ``by`` and period."""

    start: date | None = None  # first day (all earlier deals too when None)
    end: date | None = None  # last day, included (today)
    currency: str = "CNY"
    by: str | None = "owner"  # one of sales_cycle.SALES_BREAKDOWNS; one group when None
    period: Period | None = None  # one row per period of closing, or one for the span
    size_edges: tuple[int, ...] | None = None  # with by="size"
    confidence: float = 0.95
    # What revenue quotas are measured against: won deals, or paid orders of the
    # holder's customers (shops where reps look after buyers rather than deals).
    quota_basis: Literal["deals", "orders"] = "deals"


@dataclass(frozen=True)
class PerformanceRow:
    """One group's sales results in one period (or the whole span)."""

    period: date | None
    group: str
    revenue_minor: int  # won deals' amounts (their lines' value by product or category)
    won: int
    lost: int
    win_rate: float | None  # % won / (won + lost)
    low: float | None
    high: float | None
    average_deal_minor: float | None  # revenue / won
    median_cycle_days: float | None  # created → closed, over the won deals
    activities: int | None = None  # owner and team: interactions by their users
    order_revenue_minor: int | None = None  # owner and team: paid orders of their customers
    quota_minor: float | None = None  # owner and team: revenue quota prorated to the period
    attainment: float | None = None  # % of quota_minor won within the quotas' days
    deals_quota: float | None = None  # deals-won quota prorated to the period
    deals_attainment: float | None = None


def sales_performance(source: Source, params: SalesPerformanceParams) -> list[PerformanceRow]:
    """Rows by period (oldest first) and group."""
    end = params.end or date.today()
    if params.start and params.start > end:
        raise BadParameter("start", "comes after end")
    if params.period is not None:
        check_period(params.period)
    low, high = (start_timestamp(params.start) if params.start else None), as_of_timestamp(end)
    deals = source.table("deals")
    closed = deals.filter(deals.status.isin(["won", "lost"]), deals.currency == params.currency,
                          deals.closed_at < high)  # fmt: skip
    if low:
        closed = closed.filter(closed.closed_at >= low)
    groups = deal_groups(source, closed, params.by, params.size_edges)
    rows = closed.select(deal_id="id", status="status", closed_at="closed_at",
                         cycle=days_between(closed.closed_at, closed.created_at))  # fmt: skip
    rows = rows.inner_join(groups, "deal_id").mutate(period=_period(rows.closed_at, params))
    won = rows.status == "won"
    summary = rows.group_by(["period", "group"]).aggregate(
        revenue=rows.value.sum(where=won), won=won.sum(), lost=(rows.status == "lost").sum(),
        median_cycle=rows.cycle.median(where=won))  # fmt: skip
    results = {(_day(r["period"]), r["group"]): r for r in source.to_arrow(summary).to_pylist()}
    activities: dict[tuple[Any, str], int] = {}
    orders: dict[tuple[Any, str], int] = {}
    quotas: dict[tuple[Any, str], list[float]] = {}
    if params.by in _PEOPLE:
        done = source.table("interactions")
        done = done.select(person="user_id", at="occurred_at", value=ibis.literal(1))
        activities = _per_person(source, params, done, low, high)
        paid = source.table("orders")
        paid = paid.filter(paid.status == "paid", paid.currency == params.currency)
        owners = source.table("customers").select(customer_id="id", person="owner_id")
        paid = paid.inner_join(owners, "customer_id").select(
            "person", "id", at="ordered_at", value="total_minor")  # fmt: skip
        orders = _per_person(source, params, paid.drop("id"), low, high)
        won_deals = rows.filter(won).select("group", "closed_at", "value", "deal_id")
        earned = won_deals
        if params.quota_basis == "orders":
            earned = _holders(source, params, paid).select(
                "group", closed_at="at", value="value", deal_id="id")  # fmt: skip
        quotas = _quotas(source, params, end, won_deals, earned)
    keys = sorted(set(results) | set(activities) | set(orders) | set(quotas),
                  key=lambda k: (k[0] or date.min, k[1]))  # fmt: skip
    return [_row(k, results.get(k), activities, orders, quotas, params) for k in keys]


def _row(key: tuple[Any, str], r: dict[str, Any] | None, activities: dict[tuple[Any, str], int],
         orders: dict[tuple[Any, str], int], quotas: dict[tuple[Any, str], list[float]],
         params: SalesPerformanceParams) -> PerformanceRow:  # fmt: skip
    won, lost = (int(r["won"]), int(r["lost"])) if r else (0, 0)
    revenue = int(r["revenue"] or 0) if r else 0
    cycle = r["median_cycle"] if r else None
    closed = won + lost
    low, high = wilson(won, closed, params.confidence) if closed else (None, None)
    people = params.by in _PEOPLE
    target, attained, deals_target, deals_attained = quotas.get(key, [0.0, 0.0, 0.0, 0.0])
    return PerformanceRow(
        _day(key[0]), key[1], revenue, won, lost, 100 * won / closed if closed else None, low,
        high, revenue / won if won else None, None if cycle is None else float(cycle),
        activities.get(key, 0) if people else None, orders.get(key, 0) if people else None,
        target if people and target else None,
        100 * attained / target if target else None,
        deals_target if people and deals_target else None,
        100 * deals_attained / deals_target if deals_target else None,
    )  # fmt: skip


def _per_person(source: Source, params: SalesPerformanceParams, events: Any,
                low: datetime | None, high: datetime) -> dict[tuple[Any, str], int]:  # fmt: skip
    """Σ value of ``events`` (person: a user id, at, value) between ``low`` and ``high``
    per period of ``at`` and person (by owner) or the person's team (by team)."""
    events = events.filter(events.person.notnull(), events.at < high)
    if low:
        events = events.filter(events.at >= low)
    events = _holders(source, params, events).mutate(period=_period(events.at, params))
    sums = events.group_by(["period", "group"]).aggregate(n=events.value.sum())
    return {(_day(r["period"]), r["group"]): int(r["n"])
            for r in source.to_arrow(sums).to_pylist()}  # fmt: skip


def _holders(source: Source, params: SalesPerformanceParams, events: Any) -> Any:
    """``events`` (with ``person``, a user id) with ``group``: the person (by owner) or
    their team (by team), as text."""
    if params.by == "team":
        users = source.table("users").select(person="id", key="team_id")
        events = events.inner_join(users, "person")
    else:
        events = events.mutate(key=events.person)
    return events.mutate(group=events.key.cast("string").fill_null("(none)"))


def _quotas(source: Source, params: SalesPerformanceParams, end: date,
            won: Any, earned: Any) -> dict[tuple[Any, str], list[float]]:  # fmt: skip
    """(period, group) → [revenue target, revenue earned within it, deals target, deals
    won within it], each quota prorated by its days inside the period and the span.
    ``won`` are the won deals, ``earned`` what revenue quotas count (group, closed_at,
    value, deal_id): the same deals, or paid orders."""
    quotas = source.table("quotas")
    holder = quotas.user_id if params.by == "owner" else quotas.team_id
    quotas = quotas.filter(holder.notnull(), quotas.period_end >= (params.start or date.min),
                           quotas.period_start <= end,
                           (quotas.metric == "deals_won") | quotas.currency.isnull()
                           | (quotas.currency == params.currency))  # fmt: skip
    picked = quotas.select("metric", "period_start", "period_end", "target",
                           holder=holder.cast("string"))  # fmt: skip
    spans: list[tuple[Any, str, bool, float, datetime, datetime]] = []
    for q in source.to_arrow(picked).to_pylist():
        first, last = _day(q["period_start"]), _day(q["period_end"])
        assert first is not None and last is not None
        length = (last - first).days + 1
        for period, lo, hi in _pieces(max(first, params.start or first), min(last, end), params):
            share = ((hi - lo).days + 1) / length
            after = start_timestamp(hi + timedelta(days=1))
            spans.append((period, q["holder"], q["metric"] == "revenue", q["target"] * share,
                          start_timestamp(lo), after))  # fmt: skip
    if not spans:
        return {}
    table = ibis.memtable({"span": list(range(len(spans))), "holder": [s[1] for s in spans],
                           "lo": [s[4] for s in spans], "hi": [s[5] for s in spans]},
                          schema={"span": "int64", "holder": "string", "lo": "timestamp",
                                  "hi": "timestamp"})  # fmt: skip

    def per_span(rows: Any) -> dict[int, dict[str, Any]]:
        hits = rows.inner_join(table, [rows.group == table.holder, rows.closed_at >= table.lo,
                                       rows.closed_at < table.hi])  # fmt: skip
        sums = hits.group_by("span").aggregate(revenue=hits.value.sum(),
                                               deals=hits.deal_id.nunique())  # fmt: skip
        return {r["span"]: r for r in source.to_arrow(sums).to_pylist()}

    attained = per_span(won)
    earnings = attained if earned is won else per_span(earned)
    out: dict[tuple[Any, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for i, (period, who, revenue, target, _lo, _hi) in enumerate(spans):
        hit = (earnings if revenue else attained).get(i)
        sums = out[(period, who)]
        at = 0 if revenue else 2
        sums[at] += target
        sums[at + 1] += float(hit["revenue" if revenue else "deals"]) if hit else 0.0
    return dict(out)


def _pieces(lo: date, hi: date, params: SalesPerformanceParams) -> list[tuple[Any, date, date]]:
    """[lo, hi] cut at the period boundaries: (period's first day or None, from, to)."""
    if lo > hi:
        return []
    if params.period is None:
        return [(None, lo, hi)]
    out = []
    while lo <= hi:
        first = period_start(lo, params.period)
        following = next_period(first, params.period)
        out.append((first, lo, min(hi, following - timedelta(days=1))))
        lo = following
    return out


def _period(column: Any, params: SalesPerformanceParams) -> Any:
    return truncate(column, params.period) if params.period else ibis.null("date")


def _day(value: Any) -> date | None:
    return None if value is None else as_date(value)
