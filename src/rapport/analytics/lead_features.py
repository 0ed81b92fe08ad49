"""Each open lead's features at a cut-off day and whether it converted in the days after
(what the lead score reads), and every customer's profile as a lead (what the
lookalikes compare). One Ibis expression each, run where the data lives. Definitions in
docs/metrics.md ("Lead score", "Lookalikes").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

import ibis
import pyarrow as pa

from rapport.analytics.common import BadParameter, as_of_timestamp, paid_orders
from rapport.analytics.source import Source

# Categories (text; a missing one is "(none)") and numbers (NULL when missing).
CATEGORIES: Final = ("kind", "channel", "campaign", "country", "province", "language")
NUMBERS: Final = (
    "is_contact",  # 1 for a person who belongs to a company customer
    "referred",  # 1 when brought by another customer
    "age_days",  # from creation to the cut-off day
    "interactions",
    "interactions_recent",  # in the last ``recent_days``
    "days_since_interaction",  # missing when never contacted
    "sessions",  # web sessions of the customer
    "sessions_recent",
    "deals_open",  # deals whose stage at the cut-off is an open one
    "deal_probability",  # the highest stage probability of those (%); missing without one
    "deals_lost",  # deals lost by the cut-off
)
# The profile a customer had as a lead: what it was, and its first ``early_days``.
PROFILE_NUMBERS: Final = ("is_contact", "referred", "interactions_early", "sessions_early",
                          "deals_early")  # fmt: skip
PROFILE_CATEGORIES: Final = ("kind", "channel", "country", "province", "language")
_NONE: Final = "(none)"


@dataclass(frozen=True)
class LeadFeatureParams:
    """Leads open at the end of ``as_of``; "recently" is the last ``recent_days``."""

    as_of: date
    recent_days: int = 30

    def __post_init__(self) -> None:
        if self.recent_days < 1:
            raise BadParameter("recent_days", "must be at least 1")


def lead_features_expr(source: Source, params: LeadFeatureParams,
                       horizon_days: int | None = None) -> Any:  # fmt: skip
    """Customers created by the cut-off with neither a paid order nor a won deal by then:
    ``customer_id``, ``CATEGORIES``, ``NUMBERS``; with ``horizon_days``, ``converted``:
    a first paid order or a won deal within that many days after. Not yet run."""
    cut = as_of_timestamp(params.as_of)
    end = cut + timedelta(days=horizon_days or 0)
    day = ibis.date(params.as_of.isoformat())
    customers = source.table("customers")
    leads = customers.filter(customers.created_at < cut).select(
        "kind", "channel", "country", "province", "language", customer_id="id",
        campaign=customers.campaign_id.cast("string"),
        is_contact=customers.company_id.notnull().cast("int64"),
        referred=customers.referred_by_id.notnull().cast("int64"),
        age_days=day.delta(customers.created_at.date(), unit="day"),
    )  # fmt: skip
    paid = paid_orders(source, end)
    bought = paid.group_by("customer_id").aggregate(first_paid=paid.ordered_at.min())
    deals = _deals_at(source, cut, end)
    joined = leads
    for extra in (bought, deals, _contacts(source, cut, params), _sessions(source, cut, params)):
        joined = joined.left_join(extra, "customer_id").drop("customer_id_right")
    joined = joined.filter(
        (joined.first_paid.isnull() | (joined.first_paid >= cut))
        & (joined.won_before.fill_null(0) == 0)
    )
    label = {}
    if horizon_days is not None:
        label["converted"] = ((joined.first_paid.notnull() & (joined.first_paid < end))
                              | (joined.won_within.fill_null(0) > 0))  # fmt: skip
    return joined.select(
        "customer_id",
        *(joined[c].cast("string").fill_null(_NONE).name(c) for c in CATEGORIES),
        "is_contact", "referred", "age_days",
        interactions=joined.interactions.fill_null(0),
        interactions_recent=joined.interactions_recent.fill_null(0),
        days_since_interaction=day.delta(joined.last_interaction.date(), unit="day"),
        sessions=joined.sessions.fill_null(0),
        sessions_recent=joined.sessions_recent.fill_null(0),
        deals_open=joined.deals_open.fill_null(0),
        deal_probability=joined.deal_probability.cast("float64"),
        deals_lost=joined.deals_lost.fill_null(0),
        **label,
    ).order_by("customer_id")  # fmt: skip


def lead_features(source: Source, params: LeadFeatureParams,
                  horizon_days: int | None = None) -> pa.Table:  # fmt: skip
    """``lead_features_expr`` run: one row per open lead."""
    return source.to_arrow(lead_features_expr(source, params, horizon_days))


def profile_expr(source: Source, as_of: date, early_days: int, currency: str) -> Any:
    """Every customer created by ``as_of``: ``customer_id``, ``PROFILE_CATEGORIES``,
    ``PROFILE_NUMBERS`` (activity in the first ``early_days`` after creation, up to the
    cut-off), ``complete`` (those days have passed), ``buyer`` and ``revenue_minor``
    (paid, in ``currency``, by then). Not yet run."""
    cut = as_of_timestamp(as_of)
    customers = source.table("customers")
    created = customers.filter(customers.created_at < cut).select(
        "kind", "channel", "country", "province", "language", customer_id="id",
        created_at=customers.created_at,
        early_end=customers.created_at + ibis.interval(days=early_days),
        is_contact=customers.company_id.notnull().cast("int64"),
        referred=customers.referred_by_id.notnull().cast("int64"),
    )  # fmt: skip
    paid = paid_orders(source, cut)
    value = paid.group_by("customer_id").aggregate(
        revenue_minor=paid.total_minor.sum(where=paid.currency == currency), orders=paid.count()
    )
    early = []
    for table, at, name in (("interactions", "occurred_at", "interactions_early"),
                            ("events", "occurred_at", "sessions_early")):  # fmt: skip
        rows = source.table(table)
        rows = rows.filter(rows[at] < cut).inner_join(
            created.select("customer_id", "created_at", "early_end"), "customer_id"
        )
        rows = rows.filter((rows[at] >= rows.created_at) & (rows[at] < rows.early_end))
        counted = rows.session_id.nunique() if name == "sessions_early" else rows.count()
        early.append(rows.group_by("customer_id").aggregate(**{name: counted}))
    deals = source.table("deals").filter(ibis._.created_at < cut)
    deals = deals.inner_join(created.select("customer_id", "early_end"), "customer_id")
    early.append(deals.group_by("customer_id").aggregate(
        deals_early=(deals.created_at < deals.early_end).sum()))  # fmt: skip
    joined = created
    for extra in (value, *early):
        joined = joined.left_join(extra, "customer_id").drop("customer_id_right")
    return joined.select(
        "customer_id",
        *(joined[c].cast("string").fill_null(_NONE).name(c) for c in PROFILE_CATEGORIES),
        "is_contact", "referred",
        *(joined[c].fill_null(0).name(c) for c in PROFILE_NUMBERS[2:]),
        complete=joined.early_end <= cut,
        buyer=joined.orders.fill_null(0) > 0,
        revenue_minor=joined.revenue_minor.fill_null(0),
    ).order_by("customer_id")  # fmt: skip


def _deals_at(source: Source, cut: Any, end: Any) -> Any:
    """Per customer: deals open at the cut-off (their latest stage before it is an open
    one), the highest probability among those stages, deals lost by then, and whether a
    deal was won before the cut-off (``won_before``) or in [cut-off, end)."""
    changes = source.table("deal_stage_changes")
    stages = source.table("stages").select(stage_id="id", outcome="outcome",
                                           probability="probability")  # fmt: skip
    deals = source.table("deals").select(deal_id="id", customer_id="customer_id")
    seen = changes.filter(changes.changed_at < end).select(
        "deal_id", stage_id=changes.to_stage_id, at=changes.changed_at,
        before=changes.changed_at < cut,
    )  # fmt: skip
    seen = seen.inner_join(stages, "stage_id")
    latest = (
        seen.filter(seen.before)
        .group_by("deal_id")
        .aggregate(
            outcome=seen.outcome.argmax(seen.at), probability=seen.probability.argmax(seen.at)
        )
    )
    won_within = (
        seen.filter(~seen.before & (seen.outcome == "won"))
        .group_by("deal_id")
        .aggregate(won_within=ibis._.count())
    )
    per_deal = deals.left_join(latest, "deal_id").drop("deal_id_right")
    per_deal = per_deal.left_join(won_within, "deal_id").drop("deal_id_right")
    is_open = per_deal.outcome == "open"
    return per_deal.group_by("customer_id").aggregate(
        deals_open=is_open.sum(),
        deal_probability=per_deal.probability.max(where=is_open),
        deals_lost=(per_deal.outcome == "lost").sum(),
        won_before=(per_deal.outcome == "won").sum(),
        won_within=per_deal.won_within.sum(),
    )


def _contacts(source: Source, cut: Any, params: LeadFeatureParams) -> Any:
    interactions = source.table("interactions")
    seen = interactions.filter(interactions.occurred_at < cut)
    since = cut - timedelta(days=params.recent_days)
    return seen.group_by("customer_id").aggregate(
        interactions=seen.count(),
        interactions_recent=(seen.occurred_at >= since).sum(),
        last_interaction=seen.occurred_at.max(),
    )


def _sessions(source: Source, cut: Any, params: LeadFeatureParams) -> Any:
    events = source.table("events")
    seen = events.filter(events.customer_id.notnull() & (events.occurred_at < cut))
    since = cut - timedelta(days=params.recent_days)
    return seen.group_by("customer_id").aggregate(
        sessions=seen.session_id.nunique(),
        sessions_recent=seen.session_id.nunique(where=seen.occurred_at >= since),
    )
