"""``rapport analyze <analysis>``: the analyses on the command line, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from rapport.analytics.common import BadParameter, Period
from rapport.analytics.engagement import EngagementParams, engagement, pages, paths
from rapport.analytics.funnels import (
    FunnelParams,
    lifecycle_funnel,
    pipeline_funnel,
    web_funnel,
    web_rates,
    win_rate,
)
from rapport.analytics.lifecycle import (
    LifecycleParams,
    month_ends,
    stage_counts,
    time_in_stage,
    transitions,
)
from rapport.analytics.retention import ChurnParams, churn, cohorts
from rapport.analytics.rfm import RfmParams, rfm
from rapport.analytics.sales_cycle import SalesCycleParams, sales_cycle
from rapport.analytics.sales_performance import SalesPerformanceParams, sales_performance
from rapport.analytics.satisfaction import SatisfactionParams, satisfaction
from rapport.analytics.source import MissingTable, Source
from rapport.analytics.survival import (
    DriftParams,
    Level,
    SurvivalParams,
    last_item_drift,
    purchase_drift,
    survival,
    survival_rows,
)
from rapport.analytics.value import (
    ValueParams,
    ValueSummaryParams,
    value_over_time,
    value_summary,
)
from rapport.appsettings.service import effective_for
from rapport.config import Settings, get_settings
from rapport.db import make_engine

app = typer.Typer(help="Run an analysis on the CRM's data or on a folder of files.",
                  no_args_is_help=True)  # fmt: skip
_out = Console()
_err = Console(stderr=True)


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


SourceOption = Annotated[str | None, typer.Option(
    "--source", help="A database URL or a folder of CSV/Parquet files (default: the CRM's "
    "own database).")]  # fmt: skip
FormatOption = Annotated[Format, typer.Option("--format", help="table, json or csv.")]
ByOption = Annotated[str | None, typer.Option("--by", help="A customer field to break down by.")]


def source_for(where: str | None) -> Source:
    """The analyses' source: a folder of files, a database URL, or the CRM's database."""
    settings = get_settings()
    if where and Path(where).is_dir():
        return Source.from_folder(Path(where), time_zone=settings.time_zone)
    engine = make_engine(where or settings.database_url)
    return Source.from_database(engine, time_zone=settings.time_zone)


def settings_for(where: str | None) -> Settings:
    """The settings an analysis of ``where`` uses: on the CRM's database (or another
    database), with the thresholds admins set in its pages laid over the environment's."""
    if where and Path(where).is_dir():
        return get_settings()
    engine = make_engine(where or get_settings().database_url)
    try:
        return effective_for(engine)
    finally:
        engine.dispose()


def parse_date(value: str | None, option: str) -> date | None:
    """``value`` as a date (None when not given); exit code 2 when it is not one."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        _err.print(f"[red]Error:[/red] {option}: {value!r} is not a date like 2026-06-30.")
        raise typer.Exit(code=2) from None


def show(run: Callable[[], list[Any]], fmt: Format, title: str) -> None:
    """Print the rows (dataclasses) ``run`` gives as a table, JSON or CSV; a bad parameter
    or a missing table is an error message and exit code 2."""
    try:
        rows = [{k: _plain(v) for k, v in asdict(row).items()} for row in run()]
    except (BadParameter, MissingTable) as error:
        _err.print(f"[red]Error:[/red] {error}")
        raise typer.Exit(code=2) from None
    if fmt is Format.JSON:
        _out.print_json(json.dumps(rows, default=str, ensure_ascii=False))
    elif fmt is Format.CSV:
        writer = csv.writer(sys.stdout)
        if rows:
            writer.writerow(rows[0])
        writer.writerows([_cell(v) for v in row.values()] for row in rows)
    else:
        shown = [n for n in (rows[0] if rows else []) if any(r[n] is not None for r in rows)]
        table = Table(title=title)
        for name in shown or ["(no rows)"]:
            table.add_column(name, no_wrap=True)
        for row in rows:
            table.add_row(*(_cell(row[n]) for n in shown))
        _out.print(table)


def _plain(value: Any) -> Any:
    """A figure that cannot be computed (0 / 0, NaN) as no value: empty, or JSON null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list):
        return " ".join(_cell(v) for v in value)
    return "" if value is None else str(value)


def _required(value: str, option: str) -> date:
    day = parse_date(value, option)
    assert day is not None
    return day


@app.command("lifecycle")
def lifecycle_command(
    start: Annotated[str, typer.Option(help="Count from the end of this day's month.")],
    end: Annotated[str | None, typer.Option(help="Last day counted (today).")] = None,
    by: ByOption = None,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Customers in each lifecycle stage at the end of every month."""
    days = month_ends(_required(start, "--start"), parse_date(end, "--end") or date.today())
    params = LifecycleParams(settings_for(source).lifecycle_thresholds(), by=by)
    show(lambda: stage_counts(source_for(source), params, days), fmt, "Lifecycle stages")


@app.command("transitions")
def transitions_command(
    first: Annotated[str, typer.Option("--from", help="The first day.")],
    second: Annotated[str | None, typer.Option("--to", help="The second day (today).")] = None,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Customers by lifecycle stage on one day and on a later one."""
    one, two = _required(first, "--from"), parse_date(second, "--to") or date.today()
    params = LifecycleParams(settings_for(source).lifecycle_thresholds())
    show(lambda: transitions(source_for(source), params, one, two), fmt, "Stage transitions")


@app.command("time-in-stage")
def time_in_stage_command(
    as_of: Annotated[str | None, typer.Option(help="Stays up to this day (today).")] = None,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """How long customers stay in each lifecycle stage (median, quartiles, mean)."""
    day = parse_date(as_of, "--as-of") or date.today()
    params = LifecycleParams(settings_for(source).lifecycle_thresholds())
    show(lambda: time_in_stage(source_for(source), params, day), fmt, "Time in stage")


class Funnel(StrEnum):
    LIFECYCLE = "lifecycle"
    PIPELINE = "pipeline"
    WIN_RATE = "win-rate"
    WEB = "web"
    WEB_RATES = "web-rates"


_FUNNELS: dict[Funnel, Callable[[Source, FunnelParams], list[Any]]] = {
    Funnel.LIFECYCLE: lifecycle_funnel, Funnel.PIPELINE: pipeline_funnel,
    Funnel.WIN_RATE: win_rate, Funnel.WEB: web_funnel, Funnel.WEB_RATES: web_rates,
}  # fmt: skip


_FUNNEL_BY_HELP = (
    "A customer field or cohort; for deals also owner, deal_channel or deal_campaign; for "
    "web sessions session_channel."
)


@app.command("funnel")
def funnel_command(
    kind: Annotated[
        Funnel, typer.Argument(help="lifecycle, pipeline, win-rate, web or web-rates.")
    ] = Funnel.LIFECYCLE,
    start: Annotated[str | None, typer.Option(help="Entered from this day.")] = None,
    end: Annotated[str | None, typer.Option(help="Entered up to this day.")] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Steps counted up to this day (--end, or today).")
    ] = None,
    pipeline: Annotated[
        int | None, typer.Option(help="The pipeline's id (the default pipeline).")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help=_FUNNEL_BY_HELP)] = None,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Conversion funnels: who reached each step, with Wilson intervals."""
    params = FunnelParams(
        start=parse_date(start, "--start"), end=parse_date(end, "--end"),
        as_of=parse_date(as_of, "--as-of"),
        by=by, loyal_orders=settings_for(source).loyal_min_orders, pipeline_id=pipeline,
    )  # fmt: skip
    show(lambda: _FUNNELS[kind](source_for(source), params), fmt, f"Funnel: {kind.value}")


@app.command("value")
def value_command(
    start: Annotated[str, typer.Option(help="First day of the first period.")],
    end: Annotated[str | None, typer.Option(help="Last day (today).")] = None,
    period: Annotated[str, typer.Option(help="week, month, quarter or year.")] = "month",
    currency: Annotated[str, typer.Option(help="Orders in this currency.")] = "CNY",
    by: ByOption = None,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Customer growth, buyers, revenue, order value, frequency, repeat buyers and
    interactions per period."""
    per: Period = period  # type: ignore[assignment]
    params = ValueParams(start=_required(start, "--start"), end=parse_date(end, "--end"),
                         period=per, currency=currency, by=by)  # fmt: skip
    show(lambda: value_over_time(source_for(source), params), fmt, "Value per period")


@app.command("value-summary")
def value_summary_command(
    as_of: Annotated[str | None, typer.Option(help="Up to this day (today).")] = None,
    currency: Annotated[str, typer.Option(help="Orders in this currency.")] = "CNY",
    by: ByOption = None,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Historic customer value, order value, purchase frequency, repurchase and referral
    rates, interaction frequency."""
    params = ValueSummaryParams(as_of=parse_date(as_of, "--as-of"), currency=currency, by=by)
    show(lambda: value_summary(source_for(source), params), fmt, "Customer value")


@app.command("satisfaction")
def satisfaction_command(
    metric: Annotated[str, typer.Argument(help="nps, csat or ces.")] = "nps",
    start: Annotated[str | None, typer.Option(help="First day, like 2026-01-01.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day.")] = None,
    period: Annotated[str | None, typer.Option(help="day, week, month, quarter or year.")] = None,
    by: ByOption = None,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """NPS, CSAT or CES with confidence intervals, over time and by segment."""
    params = SatisfactionParams(metric=metric, start=parse_date(start, "--start"),  # type: ignore[arg-type]
                                end=parse_date(end, "--end"), period=period, by=by)  # type: ignore[arg-type]  # fmt: skip
    show(lambda: satisfaction(source_for(source), params), fmt, metric.upper())


@app.command("rfm")
def rfm_command(
    as_of: Annotated[str | None, typer.Option(help="The day to score at (today).")] = None,
    currency: Annotated[str, typer.Option(help="Orders in this currency.")] = "CNY",
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Recency, frequency and monetary scores (quintiles) and segment of every buyer."""
    params = RfmParams(as_of=parse_date(as_of, "--as-of"), currency=currency)
    show(lambda: rfm(source_for(source), params), fmt, "RFM")


_CONTRACT_HELP = (
    "Churn at the contract end held in this customer date field "
    "(the setting RAPPORT_CHURN_CONTRACT_FIELD)."
)


@app.command("churn")
def churn_command(
    start: Annotated[str, typer.Option(help="First day of the first period.")],
    end: Annotated[str | None, typer.Option(help="Last day (today).")] = None,
    period: Annotated[str, typer.Option(help="week, month, quarter or year.")] = "month",
    inactive_days: Annotated[
        int | None, typer.Option(help="Days without a purchase that make a customer churned.")
    ] = None,
    contract_field: Annotated[
        str | None,
        typer.Option(
            help="Churn at the contract end held in this customer date field "
            "(the setting RAPPORT_CHURN_CONTRACT_FIELD)."
        ),
    ] = None,
    by: ByOption = None,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Churn rate per period: customers active at its start who churned within it."""
    first = parse_date(start, "--start")
    assert first is not None
    settings = settings_for(source)
    days = inactive_days or settings.churn_inactive_days
    per: Period = period  # type: ignore[assignment]
    contract = contract_field or settings.churn_contract_field
    params = ChurnParams(start=first, end=parse_date(end, "--end"), period=per, inactive_days=days,
                         by=by, contract_field=contract)  # fmt: skip
    show(lambda: churn(source_for(source), params), fmt, "Churn")


@app.command("cohorts")
def cohorts_command(
    start: Annotated[str | None, typer.Option(help="Earliest cohort month.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day counted (today).")] = None,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Monthly cohort retention: who bought again 0, 1, 2 … months after their first."""
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    show(lambda: cohorts(source_for(source), start=first, end=last), fmt, "Cohorts")


AsOfOption = Annotated[str | None, typer.Option("--as-of", help="The day counted to (today).")]
InactiveDaysOption = Annotated[int | None, typer.Option(
    "--inactive-days", help="Days without a purchase that make a customer churned.")]  # fmt: skip


@app.command("survival")
def survival_command(
    as_of: AsOfOption = None,
    inactive_days: InactiveDaysOption = None,
    every: Annotated[
        int | None,
        typer.Option(help="The curve every N days (default: on each day someone churned)."),
    ] = None,
    by: ByOption = None,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Kaplan–Meier survival: the share of customers still active N days after their first
    purchase, with its confidence interval and median lifetime."""
    days = inactive_days or settings_for(source).churn_inactive_days
    params = SurvivalParams(as_of=parse_date(as_of, "--as-of"), inactive_days=days, by=by,
                            every=every)  # fmt: skip
    show(lambda: survival_rows(survival(source_for(source), params)), fmt, "Survival")


@app.command("drift")
def drift_command(
    view: Annotated[str, typer.Argument(help="purchases, products or categories.")] = "purchases",
    as_of: AsOfOption = None,
    inactive_days: InactiveDaysOption = None,
    min_customers: Annotated[
        int, typer.Option(help="Leave out products or categories bought last by fewer customers.")
    ] = 20,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Where churned customers stopped: at which purchase, after which products or
    categories, compared with the customers who stayed."""
    days = inactive_days or settings_for(source).churn_inactive_days
    params = DriftParams(as_of=parse_date(as_of, "--as-of"), inactive_days=days,
                         min_customers=min_customers)  # fmt: skip

    def run() -> list[Any]:
        if view == "purchases":
            return purchase_drift(source_for(source), params)
        if view in ("products", "categories"):
            level: Level = "product" if view == "products" else "category"
            return last_item_drift(source_for(source), params, level)
        raise BadParameter("view", "choose purchases, products or categories")

    show(run, fmt, f"Drift: {view}")


@app.command("engagement")
def engagement_command(
    view: Annotated[str, typer.Argument(help="sessions, pages or paths.")] = "sessions",
    start: Annotated[str | None, typer.Option(help="First day of events.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day of events.")] = None,
    by: Annotated[
        str | None,
        typer.Option(help="session_channel or a customer field to break sessions down by."),
    ] = None,
    download_event: Annotated[
        str, typer.Option(help="The event name counted as a download.")
    ] = "download",
    purchase_event: Annotated[
        list[str] | None,
        typer.Option(help="An event name that makes a purchase (payment); repeat for more."),
    ] = None,
    path_length: Annotated[int, typer.Option(help="Pages in a path.")] = 3,
    top: Annotated[int, typer.Option(help="The most common pages or paths to show.")] = 20,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Web engagement from events: sessions, time on page, and the paths visitors take."""
    params = EngagementParams(start=parse_date(start, "--start"),
                              end=parse_date(end, "--end"), by=by,
                              download_event=download_event,
                              purchase_events=tuple(purchase_event or ("payment",)),
                              path_length=path_length, top=top)  # fmt: skip
    analyses: dict[str, Callable[[Source, EngagementParams], list[Any]]] = {
        "sessions": engagement, "pages": pages, "paths": paths}  # fmt: skip

    def run() -> list[Any]:
        if view not in analyses:
            raise BadParameter("view", "choose sessions, pages or paths")
        return analyses[view](source_for(source), params)

    show(run, fmt, f"Engagement: {view}")


DealByOption = Annotated[str | None, typer.Option(
    "--by", help="owner, team, product, category, size, deal_channel or a customer "
    "field.")]  # fmt: skip
SizeEdgesOption = Annotated[str | None, typer.Option(
    "--size-edges", help="Deal size bands by amount in minor units, such as 100000,500000 "
    "(default: the quartiles).")]  # fmt: skip


def _edges(value: str | None) -> tuple[int, ...] | None:
    try:
        return tuple(int(v) for v in value.split(",")) if value else None
    except ValueError:
        _err.print(f"[red]Error:[/red] --size-edges: {value!r} is not amounts like 100000,500000.")
        raise typer.Exit(code=2) from None


@app.command("sales-cycle")
def sales_cycle_command(
    view: Annotated[str, typer.Argument(help="stages or cycle.")] = "stages",
    start: Annotated[str | None, typer.Option(help="Deals that entered from this day.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day, history seen to it.")] = None,
    pipeline: Annotated[int | None, typer.Option(help="One pipeline's id (all).")] = None,
    currency: Annotated[str | None, typer.Option(help="Deals in this currency (all).")] = None,
    by: DealByOption = None,
    size_edges: SizeEdgesOption = None,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Time in each pipeline stage, conversion, losses and bottlenecks; or the days from
    first contact to a won deal."""
    params = SalesCycleParams(start=parse_date(start, "--start"), end=parse_date(end, "--end"),
                              pipeline_id=pipeline, currency=currency, by=by,
                              size_edges=_edges(size_edges))  # fmt: skip

    def run() -> list[Any]:
        if view not in ("stages", "cycle"):
            raise BadParameter("view", "choose stages or cycle")
        result = sales_cycle(source_for(source), params)
        return result.stages if view == "stages" else result.cycle

    show(run, fmt, f"Sales cycle: {view}")


class QuotaBasis(StrEnum):
    DEALS = "deals"
    ORDERS = "orders"


@app.command("sales-performance")
def sales_performance_command(
    start: Annotated[str | None, typer.Option(help="First day deals closed on.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day (today).")] = None,
    period: Annotated[str | None, typer.Option(help="day, week, month, quarter or year.")] = None,
    by: Annotated[
        str,
        typer.Option(
            help="owner, team, product, category, size, deal_channel, a customer field, or all."
        ),
    ] = "owner",
    currency: Annotated[str, typer.Option(help="Deals in this currency.")] = "CNY",
    size_edges: SizeEdgesOption = None,
    quota_basis: Annotated[
        QuotaBasis, typer.Option(help="Revenue quotas against won deals or paid orders.")
    ] = QuotaBasis.DEALS,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Revenue from won deals, deals won and lost, win rate, deal size and cycle per rep,
    team, product, region or channel; activities and quota attainment for reps and teams."""
    params = SalesPerformanceParams(start=parse_date(start, "--start"),
                                    end=parse_date(end, "--end"),
                                    currency=currency, by=None if by == "all" else by,
                                    period=period, size_edges=_edges(size_edges),  # type: ignore[arg-type]
                                    quota_basis=quota_basis.value)  # fmt: skip
    show(lambda: sales_performance(source_for(source), params), fmt, "Sales performance")
