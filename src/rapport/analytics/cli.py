"""``rapport analyze <analysis>``: the analyses on the command line, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import json
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
from rapport.analytics.retention import ChurnParams, churn, cohorts
from rapport.analytics.rfm import RfmParams, rfm
from rapport.analytics.satisfaction import SatisfactionParams, satisfaction
from rapport.analytics.source import MissingTable, Source
from rapport.config import get_settings
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


def _source(where: str | None) -> Source:
    if where and Path(where).is_dir():
        return Source.from_folder(Path(where))
    return Source.from_database(make_engine(where or get_settings().database_url))


def _date(value: str | None, option: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        _err.print(f"[red]Error:[/red] {option}: {value!r} is not a date like 2026-06-30.")
        raise typer.Exit(code=2) from None


def _show(run: Callable[[], list[Any]], fmt: Format, title: str) -> None:
    try:
        rows = [asdict(row) for row in run()]
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


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list):
        return " ".join(_cell(v) for v in value)
    return "" if value is None else str(value)


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
    params = SatisfactionParams(metric=metric, start=_date(start, "--start"),  # type: ignore[arg-type]
                                end=_date(end, "--end"), period=period, by=by)  # type: ignore[arg-type]  # fmt: skip
    _show(lambda: satisfaction(_source(source), params), fmt, metric.upper())


@app.command("rfm")
def rfm_command(
    as_of: Annotated[str | None, typer.Option(help="The day to score at (today).")] = None,
    currency: Annotated[str, typer.Option(help="Orders in this currency.")] = "CNY",
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Recency, frequency and monetary scores (quintiles) and segment of every buyer."""
    params = RfmParams(as_of=_date(as_of, "--as-of"), currency=currency)
    _show(lambda: rfm(_source(source), params), fmt, "RFM")


@app.command("churn")
def churn_command(
    start: Annotated[str, typer.Option(help="First day of the first period.")],
    end: Annotated[str | None, typer.Option(help="Last day (today).")] = None,
    period: Annotated[str, typer.Option(help="week, month, quarter or year.")] = "month",
    inactive_days: Annotated[
        int | None, typer.Option(help="Days without a purchase that make a customer churned.")
    ] = None,
    by: ByOption = None,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Churn rate per period: customers active at its start who churned within it."""
    first = _date(start, "--start")
    assert first is not None
    days = inactive_days or get_settings().churn_inactive_days
    per: Period = period  # type: ignore[assignment]
    params = ChurnParams(start=first, end=_date(end, "--end"), period=per,
                         inactive_days=days, by=by)  # fmt: skip
    _show(lambda: churn(_source(source), params), fmt, "Churn")


@app.command("cohorts")
def cohorts_command(
    start: Annotated[str | None, typer.Option(help="Earliest cohort month.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day counted (today).")] = None,
    source: SourceOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """Monthly cohort retention: who bought again 0, 1, 2 … months after their first."""
    first, last = _date(start, "--start"), _date(end, "--end")
    _show(lambda: cohorts(_source(source), start=first, end=last), fmt, "Cohorts")
