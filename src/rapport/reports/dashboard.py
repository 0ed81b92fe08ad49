"""The dashboard: the headline numbers of the chosen period, each beside the period before.

- **Customers**: customer records created by the period's last day; **new**: created in it.
- **Active customers**: with a paid order in the churn threshold's days up to the last day.
- **Churn rate**: of the last complete month in the period (docs/metrics.md, "Churn rate").
- **NPS**: of the answers given in the period.
- **Revenue**: paid orders placed in the period, in the default currency.
- **Win rate**: won / closed deals of the default pipeline closed in the period.
- **Open pipeline**: the open deals' value now (and their value weighted by the stage's
  probability); it has no earlier value to compare with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import ibis

from rapport.analytics import funnels, retention, satisfaction
from rapport.analytics.common import (
    BadParameter,
    NotEnoughData,
    as_of_timestamp,
    paid_orders,
    start_timestamp,
)
from rapport.reports.catalog import Inputs
from rapport.reports.filters import ReportFilters


@dataclass(frozen=True)
class Headline:
    """One headline number now and in the period before (None: cannot be computed)."""

    key: str
    value: float | None
    previous: float | None


def _scalar(source: Any, expr: Any) -> float | None:
    table = source.to_arrow(expr.name("value").as_table())
    value = table.column(0)[0].as_py() if table.num_rows else None
    return None if value is None else float(value)


def _period(i: Inputs, f: ReportFilters) -> dict[str, float | None]:
    source, settings = i.source, i.settings
    end = as_of_timestamp(f.end)
    begin = start_timestamp(f.start)
    customers = source.table("customers")
    paid = paid_orders(source, end)
    recent = paid.filter(paid.ordered_at >= end - timedelta(days=settings.churn_inactive_days))
    window = paid.filter(paid.ordered_at >= begin).filter(
        paid.currency == settings.default_currency
    )
    found: dict[str, float | None] = {
        "customers": _scalar(source, customers.filter(customers.created_at < end).count()),
        "new_customers": _scalar(
            source,
            customers.filter(
                (customers.created_at >= begin) & (customers.created_at < end)
            ).count(),
        ),
        "active": _scalar(source, recent.customer_id.nunique()),
        "revenue": _scalar(source, window.total_minor.sum()),
    }
    found["revenue"] = None if found["revenue"] is None else found["revenue"] / 100
    try:
        month_start = date(f.end.year, f.end.month, 1) - timedelta(days=1)
        rows = retention.churn(source, retention.ChurnParams(
            start=date(month_start.year, month_start.month, 1), end=f.end, period="month",
            inactive_days=settings.churn_inactive_days))  # fmt: skip
        found["churn_rate"] = rows[-1].rate if rows else None
    except (NotEnoughData, BadParameter):
        found["churn_rate"] = None
    nps = satisfaction.satisfaction(
        source, satisfaction.SatisfactionParams(metric="nps", start=f.start, end=f.end)
    )
    found["nps"] = nps[0].score if nps else None
    try:
        won = funnels.win_rate(source, funnels.FunnelParams(start=f.start, end=f.end, as_of=f.end))
        found["win_rate"] = won[0].conversion if won else None
    except (NotEnoughData, BadParameter):
        found["win_rate"] = None
    return found


def _pipeline(i: Inputs) -> tuple[float | None, float | None]:
    deals = i.source.table("deals")
    stages = i.source.table("stages")
    open_deals = deals.filter(deals.status == "open").filter(
        deals.currency == i.settings.default_currency
    )
    joined = open_deals.inner_join(stages, open_deals.stage_id == stages.id)
    value = _scalar(i.source, joined.amount_minor.sum())
    weighted = _scalar(
        i.source, (joined.amount_minor * joined.probability / ibis.literal(100)).sum()
    )
    return (None if value is None else value / 100, None if weighted is None else weighted / 100)


def headlines(i: Inputs) -> dict[str, Any]:
    """The dashboard's numbers for ``i.filters``' period and the one before."""
    now, before = _period(i, i.filters), _period(i, i.filters.previous())
    pipeline, weighted = _pipeline(i)
    numbers = [Headline(key, now[key], before.get(key)) for key in now]
    numbers.append(Headline("pipeline", pipeline, None))
    return {"numbers": numbers, "weighted_pipeline": weighted}
