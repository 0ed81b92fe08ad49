"""Lifecycle: every customer's stage at any date, stage counts over time, the
transitions between two dates and the time spent in each stage.

The stage follows the rules of docs/metrics.md ("Lifecycle stage"), the same that
``rapport.customers.lifecycle.stage_at`` applies to one customer. Here they are turned
into each customer's *timeline*: the moments their stage changes, computed in the
engine for all customers at once —

- ``lead`` from the customer's first trace (created, first contact or first purchase);
- ``prospect`` at the first interaction, when it comes before any purchase;
- at each paid order, ``won_back`` (the gap to the previous purchase day is at least
  the churn threshold), else ``loyal``, ``repeat`` or ``first_time`` by its number;
- ``at_risk`` and ``churned`` on the day the quiet spell after a purchase reaches each
  threshold, unless the next purchase comes first.

A customer's stage on day D is that of the last change before the end of D.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

import ibis

from rapport.analytics.common import (
    BadParameter,
    as_date,
    as_of_timestamp,
    optional_float,
    paid_orders,
    with_breakdown,
)
from rapport.analytics.source import Source
from rapport.customers.lifecycle import LifecycleThresholds
from rapport.customers.models import LifecycleStage

STAGES: Final = tuple(stage.value for stage in LifecycleStage)
NEW: Final = "new"  # in a transition matrix: not yet a customer on the first date
# Which of two changes at the same second comes last (and so holds).
_RANK: Final = {"lead": 0, "prospect": 1, "purchase": 2, "at_risk": 3, "churned": 4}
# The order of a customer's changes: time, then the rank above, then purchase number.
_ORDER: Final = ["at", "rank", "seq"]
_ZERO: Final = ibis.literal(0, type="int64")


@dataclass(frozen=True)
class LifecycleParams:
    """Stage thresholds (the settings' by default) and an optional breakdown."""

    thresholds: LifecycleThresholds = field(default_factory=LifecycleThresholds)
    by: str | None = None  # a customer field (stage counts only)


@dataclass(frozen=True)
class StageCount:
    """Customers in one stage on one day, for one group."""

    day: date
    group: str
    stage: str
    customers: int
    percent: float  # of the group's customers that day


@dataclass(frozen=True)
class Transition:
    """Customers in ``before`` on the first date and ``after`` on the second."""

    before: str  # a stage, or "new" for customers who did not exist yet
    after: str
    customers: int
    percent: float  # of the customers in ``before``


@dataclass(frozen=True)
class StageDuration:
    """How long customers stayed in a stage (completed stays, in days)."""

    stage: str
    completed: int  # stays that ended by the as-of day
    ongoing: int  # stays still running on it
    median_days: float | None
    p25_days: float | None
    p75_days: float | None
    mean_days: float | None


def timeline(source: Source, params: LifecycleParams, as_of: date) -> Any:
    """Each customer's stage changes up to the end of ``as_of``: (customer_id, at, stage,
    until), ``until`` being the next change (NULL for the current stage)."""
    limits = params.thresholds
    if not 0 < limits.at_risk_days < limits.churned_days:
        raise BadParameter("thresholds", "give at-risk days above 0 and below churned days")
    if limits.loyal_orders < 2:
        raise BadParameter("thresholds", "loyal customers need at least 2 orders")
    cut = as_of_timestamp(as_of)
    customers = source.table("customers")
    orders = source.table("orders")
    interactions = source.table("interactions")
    # Every moment as a plain timestamp and every id as a nullable int64, whatever a
    # source declares (the parts are united below, which needs the same types).
    paid = paid_orders(source, cut).select(
        customer_id=orders.customer_id.cast("int64"), id=orders.id,
        at=orders.ordered_at.cast("timestamp"),
    )  # fmt: skip
    contacts = interactions.filter(interactions.occurred_at < cut).select(
        customer_id=interactions.customer_id.cast("int64"),
        at=interactions.occurred_at.cast("timestamp"),
    )
    created = customers.filter(customers.created_at < cut).select(
        customer_id=customers.id.cast("int64"), at=customers.created_at.cast("timestamp")
    )
    first_trace = (
        ibis.union(created, contacts, paid.drop("id"), distinct=False)
        .group_by("customer_id")
        .aggregate(at=ibis._.at.min())
    )
    first_buy = paid.group_by("customer_id").aggregate(bought=paid.at.min())
    first_contact = contacts.group_by("customer_id").aggregate(at=contacts.at.min())
    prospect = first_contact.left_join(first_buy, "customer_id")
    prospect = prospect.filter(prospect.bought.isnull() | (prospect.at < prospect.bought))

    # Orders at the same moment (imports with dates only) in the order of their ids.
    w = ibis.window(group_by="customer_id", order_by=["at", "id"])
    buys = paid.mutate(
        number=ibis.row_number().over(w) + 1,
        before=paid.at.lag().over(w),
        after=paid.at.lead().over(w),
    )
    gap = buys.at.date().delta(buys.before.date(), unit="day")
    bought_stage = ibis.cases(
        (buys.before.notnull() & (gap >= limits.churned_days), "won_back"),
        (buys.number >= limits.loyal_orders, "loyal"),
        (buys.number >= 2, "repeat"),
        else_="first_time",
    )
    points = [
        first_trace.select("customer_id", "at", stage=ibis.literal("lead"), rank=0, seq=_ZERO),
        prospect.select("customer_id", "at", stage=ibis.literal("prospect"), rank=1, seq=_ZERO),
        buys.select("customer_id", "at", stage=bought_stage, rank=2, seq=buys.number),
    ]
    for stage, days in (("at_risk", limits.at_risk_days), ("churned", limits.churned_days)):
        # Midnight of the day the quiet spell reaches ``days``: from that day on.
        when = (buys.at.date() + ibis.interval(days=int(days))).cast("timestamp")
        quiet = buys.filter(buys.after.isnull() | (buys.after.date().cast("timestamp") > when))
        change = quiet.select(
            "customer_id", at=when.name("at"), stage=ibis.literal(stage), rank=_RANK[stage],
            seq=quiet.number,
        )  # fmt: skip
        points.append(change.filter(change.at < cut))
    changes = ibis.union(*points, distinct=False)
    order = ibis.window(group_by="customer_id", order_by=_ORDER)
    return changes.select(
        "customer_id", "at", "stage", *_ORDER[1:], until=changes.at.lead().over(order),
        previous=changes.stage.lag().over(order),
    )  # fmt: skip


def stages_on(source: Source, params: LifecycleParams, day: date) -> Any:
    """Each customer's stage at the end of ``day`` as (customer_id, stage)."""
    changes = timeline(source, params, day)
    return changes.filter(changes.until.isnull()).select("customer_id", "stage")


def stage_counts(source: Source, params: LifecycleParams, days: list[date]) -> list[StageCount]:
    """Customers per stage at the end of each of ``days`` (and per group with ``by``)."""
    if not days:
        raise BadParameter("days", "give at least one day")
    changes = timeline(source, params, max(days))
    cuts = ibis.memtable({"day": sorted(set(days)),
                          "cut": [as_of_timestamp(d) for d in sorted(set(days))]})  # fmt: skip
    held = changes.inner_join(
        cuts, [changes.at < cuts.cut, changes.until.isnull() | (changes.until >= cuts.cut)]
    )
    held = with_breakdown(source, held, params.by)
    counts = held.group_by(["day", "group", "stage"]).aggregate(customers=ibis._.count())
    rows = source.to_arrow(counts).to_pylist()
    totals: dict[tuple[date, str], int] = {}
    for row in rows:
        key = (as_date(row["day"]), str(row["group"]))
        totals[key] = totals.get(key, 0) + int(row["customers"])
    out = [
        StageCount(as_date(r["day"]), str(r["group"]), str(r["stage"]), int(r["customers"]),
                   100 * int(r["customers"]) / totals[(as_date(r["day"]), str(r["group"]))])
        for r in rows
    ]  # fmt: skip
    return sorted(out, key=lambda c: (c.day, c.group, STAGES.index(c.stage)))


def transitions(
    source: Source, params: LifecycleParams, first: date, second: date
) -> list[Transition]:
    """Customers by their stage on ``first`` and on ``second`` (a flow chart's links)."""
    if second <= first:
        raise BadParameter("second", "give a second date after the first")
    changes = timeline(source, params, second)
    cut = as_of_timestamp(first)
    before = changes.filter(
        (changes.at < cut) & (changes.until.isnull() | (changes.until >= cut))
    ).select("customer_id", before="stage")
    after = changes.filter(changes.until.isnull()).select("customer_id", after="stage")
    pairs = after.left_join(before, "customer_id")
    counts = pairs.group_by(before=pairs.before.fill_null(NEW), after=pairs.after).aggregate(
        customers=ibis._.count()
    )
    rows = source.to_arrow(counts).to_pylist()
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["before"]] = totals.get(row["before"], 0) + int(row["customers"])
    order = (NEW, *STAGES)
    out = [Transition(r["before"], r["after"], int(r["customers"]),
                      100 * int(r["customers"]) / totals[r["before"]]) for r in rows]  # fmt: skip
    return sorted(out, key=lambda t: (order.index(t.before), order.index(t.after)))


def time_in_stage(source: Source, params: LifecycleParams, as_of: date) -> list[StageDuration]:
    """How long stays in each stage lasted, over the whole history up to ``as_of``.

    A stay runs from entering a stage to entering a different one (a repeat buyer's
    third purchase does not end their stay in ``repeat``)."""
    changes = timeline(source, params, as_of)
    entered = changes.filter(changes.previous.isnull() | (changes.previous != changes.stage))
    w = ibis.window(group_by="customer_id", order_by=_ORDER)
    stays = entered.mutate(left=entered.at.lead().over(w))
    seconds = stays.left.epoch_seconds() - stays.at.epoch_seconds()
    days = (seconds / 86400).name("days")
    done = stays.left.notnull()
    summary = stays.group_by("stage").aggregate(
        completed=done.sum(),
        ongoing=(~done).sum(),
        median_days=days.quantile(0.5, where=done),
        p25_days=days.quantile(0.25, where=done),
        p75_days=days.quantile(0.75, where=done),
        mean_days=days.mean(where=done),
    )
    rows = {r["stage"]: r for r in source.to_arrow(summary).to_pylist()}
    return [
        StageDuration(stage, int(r["completed"]), int(r["ongoing"]),
                      *(optional_float(r[k]) for k in ("median_days", "p25_days", "p75_days",
                                                       "mean_days")))
        for stage in STAGES if (r := rows.get(stage))
    ]  # fmt: skip


def month_ends(start: date, end: date) -> list[date]:
    """The last day of each month from ``start``'s to ``end``'s, ``end`` itself last
    when it is not a month's end."""
    days, month = [], date(start.year, start.month, 1)
    while month <= end:
        following = (month + timedelta(days=32)).replace(day=1)
        days.append(min(following - timedelta(days=1), end))
        month = following
    return days
