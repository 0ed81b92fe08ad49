"""Value and behaviour: what customers are worth and how they buy, per period and as a
whole — historic value, order value, purchase frequency, repurchase, referrals,
interaction frequency and customer growth (docs/metrics.md, "Value and behaviour")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis

from rapport.analytics.common import (
    BadParameter,
    Period,
    as_date,
    as_of_timestamp,
    paid_orders,
    start_timestamp,
    truncate,
    with_breakdown,
)
from rapport.analytics.retention import period_starts
from rapport.analytics.source import Source
from rapport.analytics.stats import wilson


@dataclass(frozen=True)
class ValueParams:
    """Complete periods from ``start`` to ``end`` (today); orders in ``currency``."""

    start: date
    end: date | None = None
    period: Period = "month"
    currency: str = "CNY"
    by: str | None = None


@dataclass(frozen=True)
class ValueRow:
    """One period's customers, purchases and contacts for one group."""

    period: date
    group: str
    customers_at_start: int
    new_customers: int
    customers_at_end: int
    growth_rate: float  # % (end − start) / start
    buyers: int
    orders: int
    revenue_minor: int
    aov_minor: float  # revenue / orders
    purchase_frequency: float  # orders / buyers
    repeat_buyers: int  # buyers with two or more orders in the period
    repeat_rate: float  # % of buyers
    returning_buyers: int  # buyers who had bought before the period
    interactions: int
    interactions_per_customer: float  # interactions / customers at the end


@dataclass(frozen=True)
class ValueSummaryParams:
    """Everything up to the end of ``as_of`` (today); orders in ``currency``."""

    as_of: date | None = None
    currency: str = "CNY"
    by: str | None = None
    confidence: float = 0.95


@dataclass(frozen=True)
class ValueSummary:
    """Customers' value and behaviour up to a day, for one group."""

    group: str
    customers: int
    buyers: int
    orders: int
    revenue_minor: int
    value_mean_minor: float  # historic value: revenue per buyer
    value_median_minor: float
    value_p90_minor: float
    aov_minor: float
    purchase_frequency: float  # orders per buyer
    repeat_buyers: int
    repurchase_rate: float  # % of buyers with two or more orders
    repurchase_low: float
    repurchase_high: float
    interactions_per_customer: float
    referrers: int  # customers who brought at least one other
    referral_rate: float  # % of customers
    referral_low: float
    referral_high: float
    referred: int  # customers brought by another
    referred_value_mean_minor: float  # revenue per referred customer (buyers or not)
    others_value_mean_minor: float  # revenue per customer not referred


def value_over_time(source: Source, params: ValueParams) -> list[ValueRow]:
    """Per complete period and group, oldest first."""
    end = params.end or date.today()
    bounds = period_starts(params.start, end, params.period)
    if len(bounds) < 2:
        raise BadParameter("start", "no complete period lies between start and end")
    first, last = start_timestamp(bounds[0]), start_timestamp(bounds[-1])
    customers = source.table("customers")
    created = with_breakdown(
        source, customers.select(customer_id="id", at=customers.created_at), params.by
    )
    # Customers created before the first period count in a bucket the day before it.
    earlier = ibis.date(bounds[0]) - ibis.interval(days=1)
    created = created.filter(created.at < last).mutate(
        bucket=ibis.ifelse(created.at < first, earlier, truncate(created.at, params.period))
    )
    joined_counts = created.group_by(["bucket", "group"]).aggregate(n=ibis._.count())

    paid = paid_orders(source, last)
    first_ever = paid.group_by("customer_id").aggregate(first_at=paid.ordered_at.min())
    inside = paid.filter((paid.ordered_at >= first) & (paid.ordered_at < last)
                         & (paid.currency == params.currency))  # fmt: skip
    per_customer = inside.group_by(
        ["customer_id", truncate(inside.ordered_at, params.period).name("bucket")]
    ).aggregate(n=inside.count(), revenue=inside.total_minor.sum())
    per_customer = per_customer.inner_join(first_ever, "customer_id")
    per_customer = with_breakdown(source, per_customer, params.by)
    buying = per_customer.group_by(["bucket", "group"]).aggregate(
        buyers=ibis._.count(),
        orders=ibis._.n.sum(),
        revenue=ibis._.revenue.sum(),
        repeat=(ibis._.n >= 2).sum(),
        returning=(ibis._.first_at.date() < ibis._.bucket).sum(),
    )
    interactions = source.table("interactions")
    touched = interactions.filter((interactions.occurred_at >= first)
                                  & (interactions.occurred_at < last))  # fmt: skip
    touched = with_breakdown(source, touched.select("customer_id", "occurred_at"), params.by)
    contacts = touched.group_by(
        [truncate(touched.occurred_at, params.period).name("bucket"), "group"]
    ).aggregate(n=ibis._.count())

    created_n = _by_key(source.to_arrow(joined_counts).to_pylist())
    buys = {(as_date(r["bucket"]), str(r["group"])): r for r in source.to_arrow(buying).to_pylist()}
    talks = _by_key(source.to_arrow(contacts).to_pylist())
    groups = sorted({g for _, g in created_n} | {g for _, g in buys})
    out = []
    for group in groups:
        before = sum(n for (day, g), n in created_n.items() if g == group and day < bounds[0])
        for s in bounds[:-1]:
            new = created_n.get((s, group), 0)
            row = buys.get((s, group))
            buyers, n, revenue = (int(row[k]) for k in ("buyers", "orders", "revenue")) if row \
                else (0, 0, 0)  # fmt: skip
            repeat = int(row["repeat"]) if row else 0
            talked = talks.get((s, group), 0)
            out.append(ValueRow(
                s, group, before, new, before + new, _pct(new, before), buyers, n, revenue,
                _ratio(revenue, n), _ratio(n, buyers), repeat, _pct(repeat, buyers),
                int(row["returning"]) if row else 0, talked, _ratio(talked, before + new),
            ))  # fmt: skip
            before += new
    return out


def value_summary(source: Source, params: ValueSummaryParams) -> list[ValueSummary]:
    """Historic value, purchasing, contacts and referrals of customers created by
    ``as_of``, per group."""
    cut = as_of_timestamp(params.as_of or date.today())
    customers = source.table("customers")
    live = customers.filter(customers.created_at < cut)
    paid = paid_orders(source, cut, params.currency)
    spent = paid.group_by("customer_id").aggregate(n=paid.count(), revenue=paid.total_minor.sum())
    interactions = source.table("interactions")
    talks = (
        interactions.filter(interactions.occurred_at < cut)
        .group_by("customer_id")
        .aggregate(talks=ibis._.count())
    )
    brought = (
        live.filter(live.referred_by_id.notnull())
        .group_by("referred_by_id")
        .aggregate(brought=ibis._.count())
    )
    each = live.select(customer_id="id", referred=live.referred_by_id.notnull())
    for extra, key in ((spent, "customer_id"), (talks, "customer_id"),
                       (brought.rename(customer_id="referred_by_id"), "customer_id")):  # fmt: skip
        each = each.left_join(extra, key).drop(f"{key}_right")
    each = with_breakdown(source, each, params.by)
    bought = each.n.notnull()
    revenue = each.revenue.fill_null(0)
    summary = each.group_by("group").aggregate(
        customers=each.count(),
        buyers=bought.sum(),
        orders=each.n.sum(),
        revenue=revenue.sum(),
        median=each.revenue.quantile(0.5),
        p90=each.revenue.quantile(0.9),
        repeat=(each.n >= 2).sum(),
        talks=each.talks.sum(),
        referrers=each.brought.notnull().sum(),
        referred=each.referred.sum(),
        referred_revenue=revenue.sum(where=each.referred),
    )
    out = []
    for r in source.to_arrow(summary.order_by("group")).to_pylist():
        customers_n, buyers, repeat = int(r["customers"]), int(r["buyers"]), int(r["repeat"])
        total, n = int(r["revenue"] or 0), int(r["orders"] or 0)
        referrers, referred = int(r["referrers"]), int(r["referred"])
        referred_revenue = int(r["referred_revenue"] or 0)
        rep_low, rep_high = wilson(repeat, buyers, params.confidence)
        ref_low, ref_high = wilson(referrers, customers_n, params.confidence)
        out.append(ValueSummary(
            str(r["group"]), customers_n, buyers, n, total, _ratio(total, buyers),
            _float(r["median"]), _float(r["p90"]), _ratio(total, n), _ratio(n, buyers),
            repeat, _pct(repeat, buyers), rep_low, rep_high,
            _ratio(int(r["talks"] or 0), customers_n), referrers, _pct(referrers, customers_n),
            ref_low, ref_high, referred, _ratio(referred_revenue, referred),
            _ratio(total - referred_revenue, customers_n - referred),
        ))  # fmt: skip
    return out


def _by_key(rows: list[dict[str, Any]]) -> dict[tuple[date, str], int]:
    return {(as_date(r["bucket"]), str(r["group"])): int(r["n"]) for r in rows}


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else float("nan")


def _pct(part: float, whole: float) -> float:
    return 100 * part / whole if whole else float("nan")


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)
