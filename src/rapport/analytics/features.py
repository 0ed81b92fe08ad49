"""Each buying customer's features at a cut-off day, what the churn model reads: recency,
frequency and their trend, value, tenure, P(alive), contacts, tickets, the latest
scores and web activity; and whether they churned in the days after it (the label).

The features are one Ibis expression run where the data lives (the per-customer
summary, joined to a few more aggregates); P(alive) is then a BG/NBD fit on the same
cut-off's summary, in process. Definitions in docs/metrics.md ("Churn risk").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

import ibis
import numpy as np
import pyarrow as pa

from rapport.analytics.common import BadParameter, as_of_timestamp, paid_orders
from rapport.analytics.models import bgnbd
from rapport.analytics.source import Source
from rapport.analytics.summary import SummaryParams, summary_expr

# The feature columns, in order. A missing value is NULL (NaN in the arrays), never a
# made-up number: the model fills it and flags it (docs/metrics.md, "Missing values").
FEATURES: Final = (
    "days_since_purchase",  # from the last paid order's day to the cut-off day
    "usual_gap_days",  # mean days between purchase days; missing for one purchase day
    "purchase_days",  # days with a paid order
    "purchases_recent",  # purchase days in the last ``trend_days``
    "purchases_previous",  # purchase days in the ``trend_days`` before those
    "revenue_minor",  # paid total (``currency``)
    "order_value_minor",  # revenue / orders (``currency``); missing without one
    "customer_days",  # from the first purchase day to the cut-off day
    "tenure_days",  # from the customer's creation to the cut-off day
    "p_alive",  # BG/NBD P(alive); missing without a purchase in ``currency``
    "interactions",
    "interactions_recent",  # in the last ``recent_days``
    "days_since_interaction",  # missing when never contacted
    "tickets",
    "tickets_recent",  # opened in the last ``recent_days``
    "open_tickets",  # not resolved by the cut-off
    "mean_resolution_days",  # of the tickets resolved by then; missing when none
    "last_resolution_days",  # of the one resolved last; missing when none
    "last_nps",  # 0–10; missing when never answered
    "last_csat",  # 1–5; missing when never answered
    "sessions_recent",  # web sessions in the last ``recent_days``
    "events_recent",  # web events in the last ``recent_days``
)
_DAY_SECONDS: Final = 86_400.0


@dataclass(frozen=True)
class FeatureParams:
    """Features at the end of ``as_of``; value in ``currency``; windows in days."""

    as_of: date
    currency: str = "CNY"
    recent_days: int = 90  # contacts, tickets, web activity "recently"
    trend_days: int = 180  # purchases in the last trend_days vs the trend_days before
    fit_customers: int = 50_000  # BG/NBD fitted on at most this many buyers (a sample)

    def __post_init__(self) -> None:
        for name in ("recent_days", "trend_days", "fit_customers"):
            if getattr(self, name) < 1:
                raise BadParameter(name, "must be at least 1")


def features_expr(source: Source, params: FeatureParams, horizon_days: int | None = None) -> Any:
    """Every customer created by the cut-off with a paid order by then (any currency,
    as the lifecycle counts purchases): ``customer_id``, the summary's ``frequency``,
    ``recency_days`` and ``t_days`` (BG/NBD's inputs) and ``FEATURES`` but ``p_alive``;
    with ``horizon_days``, also ``idle_after``: days from the last paid order by the end
    of ``as_of + horizon_days`` to that day (what the label needs). An Ibis expression,
    not yet run."""
    day = ibis.date(params.as_of.isoformat())
    summary = summary_expr(source, SummaryParams(as_of=params.as_of, currency=params.currency))
    joined = summary.inner_join(_purchases(source, params, horizon_days), "customer_id")
    for extra in (_contacts(source, params), _tickets(source, params), _web(source, params)):
        joined = joined.left_join(extra, "customer_id").drop("customer_id_right")
    repeat = joined.frequency > 0
    label = {}
    if horizon_days is not None:
        end = ibis.date((params.as_of + timedelta(days=horizon_days)).isoformat())
        label["idle_after"] = end.delta(joined.last_day_after, unit="day")
    return joined.select(
        "customer_id", "frequency", "recency_days", "t_days",
        days_since_purchase=day.delta(joined.last_day, unit="day"),
        usual_gap_days=ibis.ifelse(
            repeat, joined.recency_days.cast("float64") / joined.frequency, ibis.null()
        ),
        purchase_days=joined.all_days,
        purchases_recent=joined.recent_days,
        purchases_previous=joined.previous_days,
        revenue_minor=joined.revenue_minor.fill_null(0),
        order_value_minor=(joined.revenue_minor / joined.orders).cast("float64"),
        customer_days=day.delta(joined.first_day, unit="day"),
        tenure_days=joined.tenure_days,
        interactions=joined.interactions,
        interactions_recent=joined.interactions_recent.fill_null(0),
        days_since_interaction=day.delta(joined.last_interaction.date(), unit="day"),
        tickets=joined.tickets,
        tickets_recent=joined.tickets_recent.fill_null(0),
        open_tickets=joined.open_tickets,
        mean_resolution_days=joined.mean_resolution_days,
        last_resolution_days=joined.last_resolution_days,
        last_nps=joined.last_nps,
        last_csat=joined.last_csat,
        sessions_recent=joined.sessions_recent.fill_null(0),
        events_recent=joined.events_recent.fill_null(0),
        **label,
    ).order_by("customer_id")  # fmt: skip


def churn_features(source: Source, params: FeatureParams,
                   horizon_days: int | None = None) -> pa.Table:  # fmt: skip
    """One row per customer with a paid order by the end of ``as_of``: ``customer_id``
    then ``FEATURES``, P(alive) from a BG/NBD fitted on the same cut-off's buyers (and
    ``idle_after`` with ``horizon_days``, see ``features_expr``)."""
    table = source.to_arrow(features_expr(source, params, horizon_days))
    alive = np.full(table.num_rows, np.nan)
    bought = ~np.asarray(table["frequency"].is_null())  # in ``currency``
    if bought.any():
        x, t_x, t = (_floats(table[c])[bought] for c in ("frequency", "recency_days", "t_days"))
        model = bgnbd.fit(*_sample(x, t_x, t, params.fit_customers))
        alive[bought] = model.p_alive(x, t_x, t)
    table = table.append_column("p_alive", pa.array(alive, pa.float64(), mask=~bought))
    extra = ["idle_after"] if horizon_days is not None else []
    return table.select(["customer_id", *FEATURES, *extra])


@dataclass(frozen=True)
class ChurnLabels:
    """Per row of a feature table (aligned arrays)."""

    active: np.ndarray[Any, np.dtype[np.bool_]]  # not churned at the cut-off
    at_stake: np.ndarray[Any, np.dtype[np.bool_]]  # active, and can be churned by the end
    churned: np.ndarray[Any, np.dtype[np.bool_]]  # active then, churned at the window's end


def churn_labels(table: pa.Table, horizon_days: int, churned_days: int) -> ChurnLabels:
    """Who of ``table`` (features with ``idle_after``, see ``churn_features``) was active
    at the cut-off and who of them had churned by the end of the window: the lifecycle's
    churned stage, ``churned_days`` or more since the last paid order's day. Those
    whose last order is fewer than ``churned_days − horizon_days`` days old cannot churn
    in the window: ``at_stake`` is false for them."""
    idle = table["days_since_purchase"].to_numpy().astype(np.int64)
    active = idle < churned_days
    after = table["idle_after"].to_numpy(zero_copy_only=False)
    churned = np.asarray(after, dtype=np.float64) >= churned_days
    return ChurnLabels(active, active & (idle + horizon_days >= churned_days), active & churned)


def _purchases(source: Source, params: FeatureParams, horizon_days: int | None) -> Any:
    """Per buyer by the cut-off: first and last purchase day, purchase days in all, in
    the recent trend window and in the one before (paid orders in any currency); with
    ``horizon_days``, the last purchase day by the end of the window after it."""
    cut = as_of_timestamp(params.as_of)
    end = cut if horizon_days is None else cut + timedelta(days=horizon_days)
    paid = paid_orders(source, end)
    paid = paid.select("customer_id", "ordered_at", day=paid.ordered_at.date())
    before = paid.ordered_at < cut
    recent = cut - timedelta(days=params.trend_days)
    previous = recent - timedelta(days=params.trend_days)
    return (
        paid.group_by("customer_id")
        .aggregate(
            first_day=paid.day.min(where=before),
            last_day=paid.day.max(where=before),
            all_days=paid.day.nunique(where=before),
            recent_days=paid.day.nunique(where=before & (paid.ordered_at >= recent)),
            previous_days=paid.day.nunique(
                where=(paid.ordered_at >= previous) & (paid.ordered_at < recent)
            ),
            last_day_after=paid.day.max(),
        )
        .filter(ibis._.last_day.notnull())
    )


def _contacts(source: Source, params: FeatureParams) -> Any:
    cut = as_of_timestamp(params.as_of)
    interactions = source.table("interactions")
    since = cut - timedelta(days=params.recent_days)
    seen = interactions.filter(
        (interactions.occurred_at < cut) & (interactions.occurred_at >= since)
    )
    return seen.group_by("customer_id").aggregate(interactions_recent=seen.count())


def _tickets(source: Source, params: FeatureParams) -> Any:
    """Tickets opened recently; time to resolve those resolved by the cut-off (days)."""
    cut = as_of_timestamp(params.as_of)
    tickets = source.table("tickets")
    opened = tickets.filter(tickets.opened_at < cut)
    resolved = opened.resolved_at.notnull() & (opened.resolved_at < cut)
    took = (opened.resolved_at.epoch_seconds() - opened.opened_at.epoch_seconds()) / _DAY_SECONDS
    since = cut - timedelta(days=params.recent_days)
    return opened.group_by("customer_id").aggregate(
        tickets_recent=(opened.opened_at >= since).sum(),
        mean_resolution_days=took.mean(where=resolved),
        last_resolution_days=took.argmax(opened.resolved_at, where=resolved),
    )


def _web(source: Source, params: FeatureParams) -> Any:
    cut = as_of_timestamp(params.as_of)
    events = source.table("events")
    since = cut - timedelta(days=params.recent_days)
    seen = events.filter(
        events.customer_id.notnull() & (events.occurred_at < cut) & (events.occurred_at >= since)
    )
    return seen.group_by("customer_id").aggregate(
        sessions_recent=seen.session_id.nunique(), events_recent=seen.count()
    )


def _floats(column: pa.ChunkedArray) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)


def _sample(
    x: np.ndarray[Any, np.dtype[np.float64]],
    t_x: np.ndarray[Any, np.dtype[np.float64]],
    t: np.ndarray[Any, np.dtype[np.float64]],
    most: int,
) -> tuple[np.ndarray[Any, np.dtype[np.float64]], ...]:
    """At most ``most`` of the rows, drawn at random (a fixed seed: the same data gives
    the same fit); BG/NBD's four parameters need far fewer than a million customers."""
    if len(x) <= most:
        return x, t_x, t
    rows = np.random.default_rng(0).choice(len(x), most, replace=False)
    return x[rows], t_x[rows], t[rows]
