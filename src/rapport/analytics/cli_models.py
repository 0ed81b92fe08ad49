"""``rapport analyze clv | forecast | clusters | recommend | voice``: the predictive analyses
on the command line (merged into ``rapport analyze``; the shared options and output are
``analytics/cli.py``'s)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, cast

import numpy as np
import typer

from rapport.analytics.cli import Format, FormatOption, SourceOption, parse_date, show, source_for
from rapport.analytics.clusters import ClusterParams, clusters
from rapport.analytics.clv import ClvParams, clv
from rapport.analytics.forecast import ForecastParams, demand_forecast
from rapport.analytics.recommend import RecommendParams, evaluate, recommendations
from rapport.analytics.voice import VoiceParams, themes

app = typer.Typer()
AsOfOption = Annotated[str | None, typer.Option("--as-of", help="Last day of data (today).")]


@dataclass(frozen=True)
class CustomerValue:
    customer_id: int
    p_alive: float
    expected_purchases: float
    expected_spend: float
    clv: float


@dataclass(frozen=True)
class Figure:
    name: str
    value: Any


@app.command("clv")
def clv_command(
    as_of: AsOfOption = None,
    horizon_days: Annotated[int, typer.Option(help="Days ahead the value counts.")] = 365,
    discount_rate: Annotated[float, typer.Option(help="Yearly discount rate.")] = 0.10,
    model: Annotated[str, typer.Option(help="bgnbd or pareto_nbd.")] = "bgnbd",
    top: Annotated[int, typer.Option(help="Customers shown, highest CLV first (0: all).")] = 20,
    fitted: Annotated[
        bool,
        typer.Option("--fitted", help="Show the fitted models and the value distribution instead."),
    ] = False,
    holdout_days: Annotated[
        int | None,
        typer.Option(help="With --fitted: also check the purchase model on these last days."),
    ] = None,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Each buyer's lifetime value: P(alive), expected purchases and spend, discounted CLV."""
    params = ClvParams(as_of=parse_date(as_of, "--as-of"), horizon_days=horizon_days,
                       annual_discount_rate=discount_rate, model=cast(Any, model),
                       holdout_days=holdout_days)  # fmt: skip

    def run() -> list[Any]:
        found = clv(source_for(source), params)
        if fitted:
            shown = found.parameters() | found.distribution() | found.evaluation
            return [Figure(name, value) for name, value in shown.items()]
        order = np.argsort(-found.clv, kind="stable")[: top or None]
        return [CustomerValue(int(found.customer_id[i]), float(found.p_alive[i]),
                              float(found.expected_purchases[i]),
                              float(found.expected_spend[i]), float(found.clv[i]))
                for i in order]  # fmt: skip

    show(run, fmt, "Customer lifetime value")


@dataclass(frozen=True)
class ForecastRow:
    series: str
    period: date
    kind: str  # history, forecast
    value: float
    lower: float | None
    upper: float | None
    model: str


@app.command("forecast")
def forecast_command(
    level: Annotated[str, typer.Option(help="total, category or product.")] = "total",
    measure: Annotated[str, typer.Option(help="units, revenue or orders.")] = "units",
    period: Annotated[str, typer.Option(help="month or week.")] = "month",
    horizon: Annotated[int, typer.Option(help="Periods ahead.")] = 6,
    top: Annotated[int, typer.Option(help="Series at the category or product level.")] = 20,
    backtest: Annotated[
        bool,
        typer.Option(
            "--backtest", help="Show each series' backtest against seasonal-naive instead."
        ),
    ] = False,
    as_of: AsOfOption = None,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """History and forecast of demand per month or week, with the prediction band."""
    day = parse_date(as_of, "--as-of")

    def run() -> list[Any]:  # the parameters are checked as they are made: inside ``show``
        params = ForecastParams(
            level=cast(Any, level),
            measure=cast(Any, measure),
            period=cast(Any, period),
            horizon=horizon,
            top=top,
            as_of=day,
        )
        found = demand_forecast(source_for(source), params)
        if backtest:
            return [Figure(s.history.name or "total", s.backtest.figures() if s.backtest else None)
                    for s in found.series]  # fmt: skip
        rows: list[Any] = []
        for s in found.series:
            name = s.history.name or "total"
            rows += [ForecastRow(name, p, "history", float(v), None, None, s.model)
                     for p, v in zip(s.history.periods, s.history.values, strict=True)]  # fmt: skip
            rows += [ForecastRow(name, p, "forecast", float(v), float(lo), float(hi), s.model)
                     for p, v, lo, hi in zip(s.periods, s.forecast, s.lower, s.upper,
                                             strict=True)]  # fmt: skip
        return rows

    show(run, fmt, "Demand forecast")


@dataclass(frozen=True)
class PersonaRow:
    cluster: int
    persona: str
    customers: int
    share: float
    revenue_mean: float
    orders_mean: float
    interactions_mean: float
    days_since_purchase: float
    channel: str | None
    categories: str


@app.command("clusters")
def clusters_command(
    k_min: Annotated[int, typer.Option(help="Fewest clusters tried.")] = 2,
    k_max: Annotated[int, typer.Option(help="Most clusters tried.")] = 8,
    as_of: AsOfOption = None,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Buyers clustered on value and engagement, each cluster described as a persona."""
    day = parse_date(as_of, "--as-of")

    def run() -> list[Any]:
        params = ClusterParams(as_of=day, k_min=k_min, k_max=k_max)
        found = clusters(source_for(source), params)
        return [PersonaRow(p.cluster, p.text, p.customers, p.share, p.revenue_mean_minor / 100,
                           p.orders_mean, p.interactions_mean, p.days_since_purchase_median,
                           p.channel, ", ".join(c.name or "?" for c in p.categories))
                for p in found.personas]  # fmt: skip

    show(run, fmt, "Clusters")


@dataclass(frozen=True)
class Recommended:
    customer_id: int
    products: list[int]


@app.command("recommend")
def recommend_command(
    customer: Annotated[list[int] | None, typer.Option(help="Customer id (repeatable).")] = None,
    k: Annotated[int, typer.Option(help="Products per customer.")] = 10,
    evaluation: Annotated[
        bool,
        typer.Option(
            "--evaluate", help="Show the leave-last-out hit rate against popularity instead."
        ),
    ] = False,
    as_of: AsOfOption = None,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Next products for buyers (item–item co-purchase), or how well they are predicted."""
    day = parse_date(as_of, "--as-of")

    def run() -> list[Any]:
        params = RecommendParams(as_of=day, k=k)
        if evaluation:
            return [Figure(n, v) for n, v in evaluate(source_for(source), params).as_dict().items()]
        found = recommendations(source_for(source), params)
        wanted = set(customer or [])
        return [Recommended(int(c), products) for c, products in
                zip(found.customer_id, found.lists(), strict=True)
                if not wanted or int(c) in wanted]  # fmt: skip

    show(run, fmt, "Recommended products")


@dataclass(frozen=True)
class ThemeRow:
    group: str
    texts: int
    term: str
    count: int
    share: float
    other_share: float
    z: float
    response_ids: list[int]
    ticket_ids: list[int]


@app.command("voice")
def voice_command(
    texts: Annotated[str, typer.Option(help="surveys, tickets or both.")] = "surveys",
    by: Annotated[
        str,
        typer.Option(
            help="score_band, sentiment, survey_kind, channel, "
            "category, priority or a customer field."
        ),
    ] = "score_band",
    top: Annotated[int, typer.Option(help="Terms per group.")] = 10,
    since: Annotated[str | None, typer.Option(help="First day (all).")] = None,
    until: Annotated[str | None, typer.Option(help="Last day (today).")] = None,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """What customers talk about in comments and tickets: each group's most distinctive
    words and phrases, against the other groups, with the answers that use them."""
    first, last = parse_date(since, "--since"), parse_date(until, "--until")

    def run() -> list[Any]:
        params = VoiceParams(texts=cast(Any, texts), by=by, top=top, since=first,
                             until=last)  # fmt: skip
        found = themes(source_for(source), params)
        return [ThemeRow(g.group, g.texts, t.term, t.count, t.share, t.other_share, t.z,
                         t.response_ids, t.ticket_ids)
                for g in found.groups for t in g.distinctive]  # fmt: skip

    show(run, fmt, "Voice of the customer")
