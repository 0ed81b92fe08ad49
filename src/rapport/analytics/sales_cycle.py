"""Sales cycle: how long deals stay in each pipeline stage, how many go on, where they
are lost and stall, and the days from first contact to a won deal (docs/metrics.md).

A deal's history is its stage changes up to ``end``. Each change starts a *stay* in the
stage it enters, which ends at the deal's next change; the last stay in an open stage
is still running (the deal is *currently* there). Durations use completed stays only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

import ibis

from rapport.analytics.common import (
    BREAKDOWNS,
    BadParameter,
    as_of_timestamp,
    optional_float,
    start_timestamp,
    with_breakdown,
)
from rapport.analytics.source import Source
from rapport.analytics.stats import wilson

# Deal fields a sales result may be broken down by; any customer field (common) too.
DEAL_BREAKDOWNS: Final = ("owner", "team", "product", "category", "size", "deal_channel")
SALES_BREAKDOWNS: Final = DEAL_BREAKDOWNS + BREAKDOWNS
_SECONDS_A_DAY: Final = 86_400
_WON_RANK: Final = 1 << 40  # a won stage lies after every open one
_UNBOUNDED: Final = 1 << 62


@dataclass(frozen=True)
class SalesCycleParams:
    """Deals whose history starts between ``start`` and ``end``, seen as at ``end``."""

    start: date | None = None  # first stage entry on or after this day (all when None)
    end: date | None = None  # up to and including this day (today); later changes unseen
    pipeline_id: int | None = None  # one pipeline (all when None)
    currency: str | None = None  # only deals in this currency (all when None)
    by: str | None = None  # one of SALES_BREAKDOWNS
    size_edges: tuple[int, ...] | None = None  # bands of amount_minor (quartiles when None)
    confidence: float = 0.95


@dataclass(frozen=True)
class StageRow:
    """One open stage of a pipeline, for one group of deals."""

    pipeline_id: int
    stage_id: int
    stage: str
    position: int
    group: str
    entered: int  # deals with a stay in the stage
    advanced: int  # of them, later in a stage of higher position or a won stage
    conversion: float  # % advanced / entered
    low: float
    high: float
    lost: int  # stays that ended in a move to a lost stage
    loss_rate: float  # % lost / entered
    completed: int  # completed stays
    median_days: float | None
    p90_days: float | None
    time_share: float | None  # % of the group's completed stay time in the pipeline
    loss_share: float | None  # % of the group's losses in the pipeline
    current: int  # deals in the stage at the end
    current_median_days: float | None  # how long they have been there
    bottleneck: str | None  # "time", "losses" or "both": the stage with the largest share


@dataclass(frozen=True)
class CycleRow:
    """How the group's deals ended, and how long the won ones took."""

    group: str
    deals: int
    won: int
    lost: int
    open: int
    win_rate: float | None  # % won / (won + lost)
    low: float | None
    high: float | None
    median_days: float | None  # first contact → won
    p90_days: float | None
    pipeline_median_days: float | None  # first stage entry → won


@dataclass(frozen=True)
class SalesCycleResult:
    """Stage figures and cycle lengths, each per group."""

    stages: list[StageRow]
    cycle: list[CycleRow]


def days_between(later: Any, earlier: Any) -> Any:
    """``later − earlier`` (timestamps) in days, as a float expression."""
    return later.delta(earlier, unit="second") / _SECONDS_A_DAY


def deal_groups(source: Source, deals: Any, by: str | None,
                size_edges: tuple[int, ...] | None = None) -> Any:  # fmt: skip
    """(deal_id, group, value) for ``deals`` (rows of the deals table): the deal's
    ``by`` as text, one row per product or category for those (a deal without items in
    "(none)"); value is what of the deal's amount falls in the group (its lines' value
    by product and category, else ``amount_minor``)."""
    if by is not None and by not in SALES_BREAKDOWNS:
        raise BadParameter("by", f"break down by one of {', '.join(SALES_BREAKDOWNS)}")
    base = deals.select(deal_id="id", value="amount_minor")
    if by is None:
        return base.mutate(group=ibis.literal("all"))
    if by in ("product", "category"):
        return _line_groups(source, deals, by)
    if by == "size":
        return _size_groups(source, deals, size_edges)
    if by in BREAKDOWNS:
        keyed = deals.select("customer_id", deal_id="id", value="amount_minor")
        return with_breakdown(source, keyed, by).drop("customer_id")
    if by == "team":
        users = source.table("users").select(owner_id="id", key="team_id")
        keyed = deals.left_join(users, "owner_id").select(deal_id="id", value="amount_minor",
                                                          key="key")  # fmt: skip
    else:
        keyed = deals.select(deal_id="id", value="amount_minor",
                             key="owner_id" if by == "owner" else "channel")  # fmt: skip
    return keyed.select("deal_id", "value", group=keyed.key.cast("string").fill_null("(none)"))


def sales_cycle(source: Source, params: SalesCycleParams) -> SalesCycleResult:
    """Per group: every open stage deals entered, and how the deals ended."""
    end = params.end or date.today()
    if params.start and params.start > end:
        raise BadParameter("start", "comes after end")
    cutoff = as_of_timestamp(end)
    deals = source.table("deals")
    if params.pipeline_id is not None:
        deals = deals.filter(deals.pipeline_id == params.pipeline_id)
    if params.currency:
        deals = deals.filter(deals.currency == params.currency)
    stays = _stays(source, deals, cutoff)
    first = stays.group_by("deal_id").aggregate(first_at=stays.entered.min())
    if params.start:
        first = first.filter(first.first_at >= start_timestamp(params.start))
    # (Filters with ``isin`` rather than semi-joins: Ibis 12 cannot join on from a
    # projection of a semi-join.)
    stays = stays.filter(stays.deal_id.isin(first.deal_id))
    deals = deals.filter(deals.id.isin(first.deal_id))
    groups = deal_groups(source, deals, params.by, params.size_edges).select("deal_id", "group")
    stages = _stage_rows(source, stays, groups, cutoff, params.confidence)
    cycle = _cycle_rows(source, stays, first, deals, groups, cutoff, params.confidence)
    return SalesCycleResult(stages, cycle)


def _stays(source: Source, deals: Any, cutoff: datetime) -> Any:
    """Every stay of ``deals`` up to ``cutoff``: its deal, stage (with pipeline, name,
    position, outcome), entered and left times, the outcome of the stage it left for,
    and its place in the deal's history (seq)."""
    changes = source.table("deal_stage_changes")
    changes = changes.filter(changes.changed_at < cutoff, changes.deal_id.isin(deals.id))
    w = ibis.window(group_by="deal_id", order_by=["changed_at", "id"])
    stays = changes.select("deal_id", stage_id=changes.to_stage_id, entered=changes.changed_at,
                           left=changes.changed_at.lead().over(w),
                           next_stage=changes.to_stage_id.lead().over(w),
                           seq=ibis.row_number().over(w))  # fmt: skip
    stages = source.table("stages")
    about = stages.select("pipeline_id", "name", "position", "outcome", stage_id="id")
    after = stages.view().select(next_stage="id", next_outcome="outcome")
    return stays.inner_join(about, "stage_id").left_join(after, "next_stage")


def _stage_rows(source: Source, stays: Any, groups: Any, cutoff: datetime,
                confidence: float) -> list[StageRow]:  # fmt: skip
    keys = ["pipeline_id", "stage_id", "name", "position", "group"]
    open_stays = stays.filter(stays.outcome == "open")
    done = open_stays.left.notnull()
    days = days_between(open_stays.left, open_stays.entered)
    age = days_between(ibis.timestamp(cutoff), open_stays.entered)
    timed = open_stays.inner_join(groups, "deal_id").group_by(keys).aggregate(
        completed=done.sum(), median_days=days.median(where=done),
        p90_days=days.quantile(0.9, where=done), total_days=days.sum(where=done),
        lost=(open_stays.next_outcome == "lost").sum(), current=(~done).sum(),
        current_median_days=age.median(where=~done))  # fmt: skip
    # Whether each deal, after first entering a stage, reached a later one.
    firsts = open_stays.group_by(["deal_id", "stage_id", "position"]).aggregate(
        first_seq=open_stays.seq.min())  # fmt: skip
    ranked = stays.filter(stays.outcome != "lost")
    ranked = ranked.select(later_deal="deal_id", later_seq="seq", rank=ibis.ifelse(
        ranked.outcome == "won", _WON_RANK, ranked.position))  # fmt: skip
    reached = firsts.inner_join(ranked, [firsts.deal_id == ranked.later_deal,
                                         firsts.first_seq < ranked.later_seq,
                                         firsts.position < ranked.rank])  # fmt: skip
    reached = reached.select("deal_id", "stage_id", advanced=ibis.literal(1)).distinct()
    visits = open_stays.select(*keys[:-1], "deal_id").distinct()
    visits = visits.left_join(reached, ["deal_id", "stage_id"]).inner_join(groups, "deal_id")
    counted = visits.group_by(keys).aggregate(entered=visits.count(),
                                              advanced=visits.advanced.sum())  # fmt: skip
    joined = counted.inner_join(timed, keys)
    rows = source.to_arrow(joined.order_by(["pipeline_id", "group", "position"])).to_pylist()
    return _with_bottlenecks(rows, confidence)


def _with_bottlenecks(rows: list[dict[str, Any]], confidence: float) -> list[StageRow]:
    """StageRows with each (pipeline, group)'s time and loss shares and bottlenecks."""
    totals: dict[tuple[int, str], list[float]] = {}
    for r in rows:
        total = totals.setdefault((r["pipeline_id"], r["group"]), [0.0, 0.0])
        total[0] += float(r["total_days"] or 0)
        total[1] += int(r["lost"])
    shares = []
    for r in rows:
        time, losses = totals[(r["pipeline_id"], r["group"])]
        shares.append((100 * float(r["total_days"] or 0) / time if time else None,
                       100 * int(r["lost"]) / losses if losses else None))  # fmt: skip
    # The first stage (by position) with the group's largest share is its bottleneck.
    worst: dict[tuple[int, str, int], int] = {}
    for i, r in enumerate(rows):
        for which in (0, 1):
            key = (r["pipeline_id"], r["group"], which)
            share, best = shares[i][which], shares[worst[key]][which] if key in worst else None
            if share is not None and (best is None or share > best):
                worst[key] = i
    out = []
    for i, r in enumerate(rows):
        slow = worst.get((r["pipeline_id"], r["group"], 0)) == i
        lossy = worst.get((r["pipeline_id"], r["group"], 1)) == i
        n, k, lost = int(r["entered"]), int(r["advanced"] or 0), int(r["lost"])
        low, high = wilson(k, n, confidence)
        out.append(StageRow(
            int(r["pipeline_id"]), int(r["stage_id"]), str(r["name"]), int(r["position"]),
            str(r["group"]), n, k, 100 * k / n, low, high, lost, 100 * lost / n,
            int(r["completed"]), optional_float(r["median_days"]), optional_float(r["p90_days"]),
            shares[i][0], shares[i][1], int(r["current"]), optional_float(r["current_median_days"]),
            "both" if slow and lossy else "time" if slow else "losses" if lossy else None,
        ))  # fmt: skip
    return out


def _cycle_rows(source: Source, stays: Any, first: Any, deals: Any, groups: Any,
                cutoff: datetime, confidence: float) -> list[CycleRow]:  # fmt: skip
    final = stays.filter(stays.left.isnull()).select("deal_id", state="outcome", won_at="entered")
    ended = first.inner_join(final, "deal_id").inner_join(
        deals.select(deal_id="id", customer_id="customer_id"), "deal_id")  # fmt: skip
    # First contact for this deal: the customer's first interaction since their previous
    # deal closed (a repeat customer's first call years ago is not this sale's start).
    closed = deals.filter(deals.closed_at.notnull()).select(
        owner_customer="customer_id", other="id", closed="closed_at")  # fmt: skip
    starts = ended.select("deal_id", "customer_id", "first_at")
    prior = starts.inner_join(closed, [starts.customer_id == closed.owner_customer,
                                       closed.closed < starts.first_at,
                                       closed.other != starts.deal_id])  # fmt: skip
    prior = prior.group_by("deal_id").aggregate(since=prior.closed.max())
    interactions = source.table("interactions")
    touches = interactions.filter(interactions.occurred_at < cutoff).select(
        touched="customer_id", at="occurred_at")  # fmt: skip
    since = starts.left_join(prior, "deal_id").select("deal_id", "customer_id", "since")
    hits = since.inner_join(touches, since.customer_id == touches.touched)
    hits = hits.filter(hits.since.isnull() | (hits.at > hits.since))
    contacts = hits.group_by("deal_id").aggregate(contact=hits.at.min())
    ended = ended.left_join(contacts, "deal_id")
    started = ibis.cases((ended.contact < ended.first_at, ended.contact), else_=ended.first_at)
    ended = ended.mutate(cycle=days_between(ended.won_at, started),
                         in_pipeline=days_between(ended.won_at, ended.first_at))  # fmt: skip
    ended = ended.inner_join(groups, "deal_id")
    won = ended.state == "won"
    summary = ended.group_by("group").aggregate(
        deals=ended.count(), won=won.sum(), lost=(ended.state == "lost").sum(),
        median_days=ended.cycle.median(where=won), p90_days=ended.cycle.quantile(0.9, where=won),
        pipeline_median_days=ended.in_pipeline.median(where=won))  # fmt: skip
    out = []
    for r in source.to_arrow(summary.order_by("group")).to_pylist():
        n, won_n, lost_n = int(r["deals"]), int(r["won"]), int(r["lost"])
        closed = won_n + lost_n
        low, high = wilson(won_n, closed, confidence) if closed else (None, None)
        out.append(CycleRow(
            str(r["group"]), n, won_n, lost_n, n - closed,
            100 * won_n / closed if closed else None, low, high, optional_float(r["median_days"]),
            optional_float(r["p90_days"]), optional_float(r["pipeline_median_days"]),
        ))  # fmt: skip
    return out


def _line_groups(source: Source, deals: Any, by: str) -> Any:
    """(deal_id, group, value): a deal's lines summed per product or category."""
    items = source.table("deal_items")
    lines = items.select("deal_id", key="product_id",
                         value=items.quantity * items.unit_price_minor)  # fmt: skip
    if by == "category":
        products = source.table("products").select(key="id", category="category_id")
        lines = lines.left_join(products, "key").select("deal_id", "value", key="category")
    lines = lines.group_by(["deal_id", "key"]).aggregate(line_value=lines.value.sum())
    keyed = deals.select(deal_id="id", amount="amount_minor").left_join(lines, "deal_id")
    has_lines = keyed.line_value.notnull()
    return keyed.select(
        "deal_id",
        value=ibis.ifelse(has_lines, keyed.line_value, keyed.amount),
        group=ibis.ifelse(has_lines, keyed.key.cast("string").fill_null("(none)"), "(none)"),
    )


def _size_groups(source: Source, deals: Any, edges: tuple[int, ...] | None) -> Any:
    """(deal_id, group, value) with the deal's size band in its currency as the group."""
    if edges is not None and (not edges or list(edges) != sorted(set(edges))):
        raise BadParameter("size_edges", "give one or more amounts in increasing order")
    amount = deals.amount_minor
    per_currency = deals.group_by("currency").aggregate(
        q1=amount.quantile(0.25), q2=amount.quantile(0.5), q3=amount.quantile(0.75))  # fmt: skip
    bands: dict[str, list[Any]] = {"band_currency": [], "lo": [], "hi": [], "label": []}
    for r in source.to_arrow(per_currency).to_pylist():
        cuts = list(edges) if edges else sorted({round(r[q]) for q in ("q1", "q2", "q3")})
        for lo, hi in zip([None, *cuts], [*cuts, None], strict=True):
            label = f"<{hi}" if lo is None else f">={lo}" if hi is None else f"{lo}-{hi}"
            bands["band_currency"].append(str(r["currency"]))
            bands["lo"].append(-_UNBOUNDED if lo is None else lo)
            bands["hi"].append(_UNBOUNDED if hi is None else hi)
            bands["label"].append(f"{r['currency']} {label}")
    table = ibis.memtable(bands, schema={"band_currency": "string", "lo": "int64", "hi": "int64",
                                         "label": "string"})  # fmt: skip
    sized = deals.inner_join(table, [deals.currency == table.band_currency,
                                     deals.amount_minor >= table.lo,
                                     deals.amount_minor < table.hi])  # fmt: skip
    return sized.select(deal_id="id", value="amount_minor", group="label")
