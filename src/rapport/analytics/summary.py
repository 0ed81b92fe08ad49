"""The per-customer summary the models read: purchases (in the shape BG/NBD and
Gamma-Gamma want), value, tenure, contacts, tickets and the latest scores.

One Ibis expression computed where the data lives; the result is Arrow (a million rows
are arrays, not objects). Definitions in docs/metrics.md ("Per-customer summary").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis
import pyarrow as pa

from rapport.analytics.common import as_of_timestamp, paid_orders
from rapport.analytics.source import Source


@dataclass(frozen=True)
class SummaryParams:
    """Everything up to the end of ``as_of`` (today when None); purchases in ``currency``."""

    as_of: date | None = None
    currency: str = "CNY"
    buyers_only: bool = False  # only customers with a paid order (what purchase models fit)


# The columns of the result, in order (docs/metrics.md defines each).
COLUMNS = (
    "customer_id", "first_purchase", "last_purchase", "orders", "revenue_minor",
    "frequency", "recency_days", "t_days", "monetary_minor", "tenure_days",
    "interactions", "last_interaction", "tickets", "open_tickets", "last_nps", "last_csat",
)  # fmt: skip


def summary_expr(source: Source, params: SummaryParams) -> Any:
    """The summary as an Ibis expression (one row per customer), not yet run."""
    as_of = params.as_of or date.today()
    cut = as_of_timestamp(as_of)
    day = ibis.date(as_of.isoformat())
    customers = source.table("customers")
    customers = customers.filter(customers.created_at < cut).select(
        customer_id="id", created=customers.created_at.date()
    )
    paid = paid_orders(source, cut, params.currency)
    # Purchases are counted by day, as the purchase models count them (lifetimes does
    # the same): two orders on one day are one purchase worth their sum. Each order's
    # day is ranked among its customer's purchase days (a window, not a table of every
    # customer-day: half the time on 10M orders), so the last rank is the number of
    # days and the first day's orders are those ranked first.
    paid = paid.select("customer_id", "total_minor", day=paid.ordered_at.date())
    rank = ibis.dense_rank().over(group_by=paid.customer_id, order_by=paid.day)  # from 0
    ranked = paid.mutate(rank=rank)
    buys = ranked.group_by("customer_id").aggregate(
        first_day=ranked.day.min(),
        last_day=ranked.day.max(),
        days=ranked["rank"].max() + 1,
        orders=ranked.count(),
        revenue_minor=ranked.total_minor.sum(),
        first_value=ranked.total_minor.sum(where=ranked["rank"] == 0),
    )
    buys = buys.select(
        "customer_id", "orders", "revenue_minor",
        first_purchase="first_day", last_purchase="last_day",
        frequency=buys.days - 1,
        recency_days=buys.last_day.delta(buys.first_day, unit="day"),
        t_days=day.delta(buys.first_day, unit="day"),
        monetary_minor=ibis.ifelse(
            buys.days > 1, (buys.revenue_minor - buys.first_value) / (buys.days - 1), ibis.null()
        ).cast("float64"),
    )  # fmt: skip
    joined = customers.left_join(buys, "customer_id").drop("customer_id_right")
    if params.buyers_only:
        joined = customers.inner_join(buys, "customer_id")
    for extra in (_contacts(source, cut), _tickets(source, cut), _scores(source, cut)):
        joined = joined.left_join(extra, "customer_id").drop("customer_id_right")
    return joined.select(
        *COLUMNS[:9],
        tenure_days=day.delta(joined.created, unit="day"),
        interactions=joined.interactions.fill_null(0),
        last_interaction=joined.last_interaction,
        tickets=joined.tickets.fill_null(0),
        open_tickets=joined.open_tickets.fill_null(0),
        last_nps=joined.last_nps,
        last_csat=joined.last_csat,
    ).order_by("customer_id")


def customer_summary(source: Source, params: SummaryParams) -> pa.Table:
    """One row per customer created by ``as_of``, columns ``COLUMNS``."""
    return source.to_arrow(summary_expr(source, params))


def _contacts(source: Source, cut: Any) -> Any:
    interactions = source.table("interactions")
    seen = interactions.filter(interactions.occurred_at < cut)
    return seen.group_by("customer_id").aggregate(
        interactions=seen.count(), last_interaction=seen.occurred_at.max()
    )


def _tickets(source: Source, cut: Any) -> Any:
    tickets = source.table("tickets")
    opened = tickets.filter(tickets.opened_at < cut)
    still_open = opened.resolved_at.isnull() | (opened.resolved_at >= cut)
    return opened.group_by("customer_id").aggregate(
        tickets=opened.count(), open_tickets=still_open.sum()
    )


def _scores(source: Source, cut: Any) -> Any:
    """Each customer's latest NPS and CSAT answers."""
    answers = source.table("survey_responses")
    surveys = source.table("surveys").select(survey_id="id", kind="kind")
    given = answers.filter(answers.responded_at < cut).inner_join(surveys, "survey_id")
    return given.group_by("customer_id").aggregate(
        last_nps=given.score.argmax(given.responded_at, where=given.kind == "nps"),
        last_csat=given.score.argmax(given.responded_at, where=given.kind == "csat"),
    )
