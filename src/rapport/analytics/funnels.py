"""Conversion funnels: the lifecycle funnel of customers, the pipeline funnel of deals
and the web funnel of shop sessions, each with Wilson intervals and breakdowns.

Every step's conversion = reached the step / reached the step before × 100 %, and its
share of the first step likewise (docs/metrics.md, "Conversion funnels").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import ibis

from rapport.analytics.common import (
    BREAKDOWNS,
    BadParameter,
    as_of_timestamp,
    paid_orders,
    start_timestamp,
    with_breakdown,
)
from rapport.analytics.engagement import group_sessions
from rapport.analytics.source import Source
from rapport.analytics.stats import wilson

LIFECYCLE_STEPS: Final = ("lead", "contacted", "first_purchase", "repeat", "loyal")
# The web funnel's steps: a session reaches a step with any event named in it.
WEB_STEPS: Final = (
    ("view", ("page_view", "product_view")),
    ("cart", ("add_to_cart",)),
    ("checkout", ("checkout",)),
    ("payment", ("payment",)),
)
PAYMENT_FAILED: Final = "payment_failed"
# Fields a deal has itself; any other ``by`` is the deal's customer's.
# ``by`` names for a deal's own fields (as sales_cycle names them); any other ``by`` is a
# field of the deal's customer.
_DEAL_FIELDS: Final = {"owner": "owner_id", "deal_channel": "channel",
                       "deal_campaign": "campaign_id"}  # fmt: skip
COHORT: Final = "cohort"  # ``by``: the month the customer was created


@dataclass(frozen=True)
class FunnelParams:
    """Who enters (customers, deals or sessions starting between ``start`` and
    ``end``), counted up to the end of ``as_of`` (``end``, or today)."""

    start: date | None = None
    end: date | None = None
    as_of: date | None = None
    by: str | None = None
    confidence: float = 0.95
    loyal_orders: int = 5  # the setting RAPPORT_LOYAL_MIN_ORDERS (lifecycle funnel)
    pipeline_id: int | None = None  # the pipeline funnel's pipeline (the default one)


@dataclass(frozen=True)
class FunnelStep:
    """One step of a funnel for one group."""

    group: str
    step: str
    reached: int
    conversion: float | None  # % of the previous step's (100 for the first)
    low: float
    high: float
    of_first: float | None  # % of the first step's


@dataclass(frozen=True)
class WebRates:
    """The web funnel's headline rates for one group (%, with Wilson intervals)."""

    group: str
    carts: int
    abandoned: int
    abandonment: float | None  # carts without payment / carts
    abandonment_low: float
    abandonment_high: float
    attempts: int  # sessions that tried to pay
    paid: int
    payment_success: float | None  # paid / attempts
    success_low: float
    success_high: float


def lifecycle_funnel(source: Source, params: FunnelParams) -> list[FunnelStep]:
    """Customers created in the window through lead → contacted → first purchase →
    repeat → loyal, by ``as_of``. Contacts (people at a company customer: persons with a
    ``company_id``) are left out."""
    if params.loyal_orders < 3:
        raise BadParameter("loyal_orders", "give at least 3 (repeat buyers have 2)")
    cut = _cut(params)
    customers = source.table("customers")
    # A person with a company is one of its contacts: the company is the one that buys.
    entered = customers.filter(customers.company_id.isnull() & (customers.created_at < cut))
    entered = _window(entered, entered.created_at, params).select(customer_id="id")
    paid = paid_orders(source, cut)
    bought = paid.group_by("customer_id").aggregate(orders=paid.count())
    interactions = source.table("interactions")
    touched = (interactions.filter(interactions.occurred_at < cut)
               .select("customer_id").distinct().mutate(touched=ibis.literal(1)))  # fmt: skip
    joined = entered.left_join(bought, "customer_id").drop("customer_id_right")
    joined = joined.left_join(touched, "customer_id").drop("customer_id_right")
    n = joined.orders.fill_null(0)
    steps = {
        "lead": joined.customer_id.notnull(),
        "contacted": joined.touched.notnull() | (n > 0),
        "first_purchase": n >= 1,
        "repeat": n >= 2,
        "loyal": n >= params.loyal_orders,
    }
    grouped = _grouped(source, joined, params.by)
    return _steps(source, grouped, steps, params.confidence)


def pipeline_funnel(source: Source, params: FunnelParams) -> list[FunnelStep]:
    """Deals created in the window through the pipeline's open stages, in order, to won.

    A deal reached a stage when it was ever in it or in a later one (a deal moved
    straight from the first stage to the third passed the second)."""
    cut = _cut(params)
    stages = source.table("stages")
    pipeline = params.pipeline_id or _default_pipeline(source)
    steps_rows = source.to_arrow(
        stages.filter((stages.pipeline_id == pipeline) & (stages.outcome == "open"))
        .select("id", "name", "position")
        .order_by("position")
    ).to_pylist()
    if not steps_rows:
        raise BadParameter("pipeline_id", f"pipeline {pipeline} has no open stages")
    deals = source.table("deals")
    entered = deals.filter((deals.pipeline_id == pipeline) & (deals.created_at < cut))
    entered = _window(entered, entered.created_at, params)
    changes = source.table("deal_stage_changes")
    moves = changes.filter(changes.changed_at < cut).select(
        deal_id=changes.deal_id.cast("int64"), stage_id=changes.to_stage_id.cast("int64")
    )
    # Every way of making a deal records its first stage as a move; a deal without any
    # (a file holding deals alone) is taken to have been in its current stage only.
    unmoved = entered.select(
        deal_id=entered.id.cast("int64"), stage_id=entered.stage_id.cast("int64")
    ).anti_join(changes.select("deal_id"), "deal_id")
    been = ibis.union(moves, unmoved, distinct=False)
    positions = stages.filter(stages.pipeline_id == pipeline).select(
        stage_id="id", position="position", outcome="outcome"
    )
    been = been.inner_join(positions, "stage_id")
    furthest = (
        been.filter(been.outcome == "open")
        .group_by("deal_id")
        .aggregate(furthest=ibis._.position.max())
    )
    won = been.filter(been.outcome == "won").select("deal_id").distinct()
    won = won.mutate(won=ibis.literal(1))
    joined = entered.select(**_deal_fields(entered), deal_id="id", customer_id="customer_id")
    joined = joined.left_join(furthest, "deal_id").drop("deal_id_right")
    joined = joined.left_join(won, "deal_id").drop("deal_id_right")
    reached = {
        str(row["name"]): (joined.furthest >= int(row["position"])) | joined.won.notnull()
        for row in steps_rows
    }
    reached["won"] = joined.won.notnull()
    grouped = _grouped(source, joined, params.by)
    return _steps(source, grouped, reached, params.confidence)


def win_rate(source: Source, params: FunnelParams) -> list[FunnelStep]:
    """Won / closed deals, among deals of the pipeline closed in the window, per group:
    one step per group whose ``conversion`` is the win rate."""
    cut = _cut(params)
    pipeline = params.pipeline_id or _default_pipeline(source)
    deals = source.table("deals")
    closed = deals.filter((deals.pipeline_id == pipeline) & deals.status.isin(["won", "lost"])
                          & (deals.closed_at < cut))  # fmt: skip
    closed = _window(closed, closed.closed_at, params)
    grouped = _grouped(source, closed.select("customer_id", "status", **_deal_fields(closed)),
                       params.by)  # fmt: skip
    counts = grouped.group_by("group").aggregate(
        closed=ibis._.count(), won=(ibis._.status == "won").sum()
    )
    out = []
    for row in source.to_arrow(counts.order_by("group")).to_pylist():
        n, k = int(row["closed"]), int(row["won"])
        low, high = wilson(k, n, params.confidence)
        out.append(FunnelStep(str(row["group"]), "won", k, 100 * k / n, low, high, 100 * k / n))
    return out


def web_funnel(source: Source, params: FunnelParams) -> list[FunnelStep]:
    """Sessions starting in the window through view → cart → checkout → payment. A
    session reached a step when it has an event of that step and of every step before
    (in any order within the session)."""
    sessions = _sessions(source, params)
    steps: dict[str, Any] = {}
    before = ibis.literal(True)
    for name, _ in WEB_STEPS:
        before = before & (sessions[name] > 0)
        steps[name] = before
    return _steps(source, sessions, steps, params.confidence)


def web_rates(source: Source, params: FunnelParams) -> list[WebRates]:
    """Cart abandonment and payment success per group of sessions."""
    sessions = _sessions(source, params)
    carts = sessions.cart > 0
    paid = sessions.payment > 0
    tried = paid | (sessions.failed > 0)
    counts = sessions.group_by("group").aggregate(
        carts=carts.sum(),
        abandoned=(carts & ~paid).sum(),
        attempts=tried.sum(),
        paid=(tried & paid).sum(),
    )
    out = []
    for row in source.to_arrow(counts.order_by("group")).to_pylist():
        carts_n, gone, tries, ok = (int(row[k]) for k in ("carts", "abandoned", "attempts", "paid"))
        a_low, a_high = wilson(gone, carts_n, params.confidence)
        s_low, s_high = wilson(ok, tries, params.confidence)
        out.append(WebRates(str(row["group"]), carts_n, gone, _pct(gone, carts_n), a_low, a_high,
                            tries, ok, _pct(ok, tries), s_low, s_high))  # fmt: skip
    return out


def _sessions(source: Source, params: FunnelParams) -> Any:
    """One row per session starting in the window: its events of each step (and failed
    payments) counted, its group."""
    cut = _cut(params)
    events = source.table("events")
    seen = events.filter(events.occurred_at < cut)
    counts: dict[str, Any] = {name: seen.name.isin(list(names)).sum() for name, names in WEB_STEPS}
    sessions = seen.group_by("session_id").aggregate(
        started=seen.occurred_at.min(),
        customer_id=seen.customer_id.max(),
        channel=seen.channel.argmin(seen.occurred_at, where=seen.channel.notnull()),
        failed=(seen.name == PAYMENT_FAILED).sum(),
        **counts,
    )
    return group_sessions(source, _window(sessions, sessions.started, params), params.by)


def _steps(
    source: Source, grouped: Any, steps: dict[str, Any], confidence: float
) -> list[FunnelStep]:
    """Count each step's rows per group (one query) and turn them into funnel steps."""
    names = list(steps)
    counts = grouped.group_by("group").aggregate(
        **{f"s{i}": steps[name].sum() for i, name in enumerate(names)}
    )
    out = []
    for row in source.to_arrow(counts.order_by("group")).to_pylist():
        reached = [int(row[f"s{i}"] or 0) for i in range(len(names))]
        for i, name in enumerate(names):
            previous = reached[i - 1] if i else reached[0]
            low, high = wilson(reached[i], previous, confidence)
            out.append(FunnelStep(str(row["group"]), name, reached[i],
                                  _pct(reached[i], previous), low, high,
                                  _pct(reached[i], reached[0])))  # fmt: skip
    return out


def _grouped(source: Source, table: Any, by: str | None) -> Any:
    """``table`` (with ``customer_id``) with a ``group`` column: its own field for a
    deal's owner, channel or campaign; the customer's creation month for ``cohort``;
    else the customer's field."""
    if by in _DEAL_FIELDS and by in table.columns:
        return table.mutate(group=table[by].cast("string").fill_null("(none)"))
    if by == COHORT:
        customers = source.table("customers")
        months = customers.select(
            customer_id="id", group=customers.created_at.truncate("M").date().cast("string")
        )
        return table.inner_join(months, "customer_id")
    if by is not None and by not in BREAKDOWNS:
        raise BadParameter("by", f"break down by cohort or one of {', '.join(BREAKDOWNS)}")
    return with_breakdown(source, table, by)


def _window(table: Any, moment: Any, params: FunnelParams) -> Any:
    if params.start and params.end and params.end < params.start:
        raise BadParameter("end", "give an end on or after the start")
    if params.start:
        table = table.filter(moment >= start_timestamp(params.start))
    if params.end:
        table = table.filter(moment < as_of_timestamp(params.end))
    return table


def _cut(params: FunnelParams) -> Any:
    return as_of_timestamp(params.as_of or params.end or date.today())


def _default_pipeline(source: Source) -> int:
    pipelines = source.table("pipelines")
    rows = source.to_arrow(
        pipelines.select("id", "is_default").order_by([ibis.desc("is_default"), "id"]).limit(1)
    ).to_pylist()
    if not rows:
        raise BadParameter("pipeline_id", "there is no pipeline")
    return int(rows[0]["id"])


def _pct(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def _deal_fields(deals: Any) -> dict[str, Any]:
    return {name: deals[column] for name, column in _DEAL_FIELDS.items()}
