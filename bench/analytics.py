"""Analytics speed: every analysis on the demo data, from Parquet files, SQLite and PostgreSQL.

    python -m bench analytics --customers 100000 --source sqlite --runs 3
    python -m bench analytics --customers 1000000 --source parquet --runs 3 --only summary,rfm
    python -m bench analytics --customers 100000 --source postgresql \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

The data sets are made once per size and kept in ``bench/results/`` (not committed):
``rapport demo --customers N --seed 1 --end 2026-11-01`` into ``analytics-N.db``
(batches of 5,000), exported table by table to ``analytics-N-parquet/<table>.parquet``;
on PostgreSQL the same command loads a database ``rapport_analytics_N`` on the server
(the same seed and batch size give the same rows, docs/demo.md). Each run of an analysis
is a fresh process that builds the ``Source`` and runs that one analysis: the time counts
reading the tables (the snapshot) and the analysis; the memory is the child's peak
resident set (for PostgreSQL, the server's own memory is not in it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text

RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).parent.parent
SEED = 1
END = date(2026, 11, 1)
BATCH_SIZE = 5000


# --- data sets -------------------------------------------------------------------------


def _demo(url: str, customers: int) -> None:
    """``rapport demo`` into the empty database at ``url`` (a child process)."""
    env = os.environ | {"RAPPORT_DATABASE_URL": url, "RAPPORT_DEMO_BATCH_SIZE": str(BATCH_SIZE)}
    command = [str(Path(sys.executable).parent / "rapport"), "demo", "--customers",
               str(customers), "--seed", str(SEED), "--end", END.isoformat()]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    print(f"demo data, {customers:,} customers: {time.perf_counter() - started:.0f} s",
          file=sys.stderr)  # fmt: skip


def sqlite_dataset(customers: int) -> Path:
    """The SQLite database of the demo with ``customers`` customers (made once)."""
    path = RESULTS / f"analytics-{customers}.db"
    if path.exists():
        return path
    RESULTS.mkdir(exist_ok=True)
    partial = RESULTS / f"analytics-{customers}-partial.db"
    for leftover in RESULTS.glob(f"{partial.name}*"):
        leftover.unlink()
    _demo(f"sqlite:///{partial}", customers)
    partial.rename(path)  # the demo's last connection checkpointed the WAL
    return path


_EXPORT = """
import sys
from pathlib import Path
import pyarrow.parquet as pq
from rapport.analytics.source import Source
from rapport.db import make_engine
url, folder, name = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
source = Source.from_database(make_engine(url))
pq.write_table(source.to_arrow(source.table(name)), folder / f"{name}.parquet")
"""


def parquet_dataset(customers: int) -> Path:
    """The demo's tables as ``<table>.parquet`` files, exported from the SQLite data set
    with the CRM's column names and types (made once; a table per child process)."""
    from rapport.analytics.source import TABLES

    folder = RESULTS / f"analytics-{customers}-parquet"
    done = folder / ".complete"
    if done.exists():
        return folder
    database = sqlite_dataset(customers)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name in sorted(TABLES):
        subprocess.run([sys.executable, "-c", _EXPORT, f"sqlite:///{database}", str(folder), name],
                       check=True, cwd=ROOT)  # fmt: skip
    done.touch()
    return folder


def postgresql_dataset(customers: int, server_url: str) -> str:
    """The URL of database ``rapport_analytics_N`` on ``server_url``, loaded with the demo
    once (under another name until the load has finished)."""
    server = make_url(server_url)
    name, partial = f"rapport_analytics_{customers}", f"rapport_analytics_{customers}_partial"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            found = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if found is None:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{partial}"'))
                _demo(server.set(database=partial).render_as_string(hide_password=False),
                      customers)  # fmt: skip
                loaded = create_engine(server.set(database=partial), isolation_level="AUTOCOMMIT")
                with loaded.connect() as fresh:  # hint bits set, statistics made, as in use
                    fresh.execute(text("VACUUM (ANALYZE)"))
                loaded.dispose()
                connection.execute(text(f'ALTER DATABASE "{partial}" RENAME TO "{name}"'))
    finally:
        admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


# --- the analyses ----------------------------------------------------------------------

LAST_DAY = date(2026, 10, 31)  # the demo's history ends at 00:00 UTC on END


def _registry() -> dict[str, Callable[[Any], object]]:
    """Every analysis, by name, with parameters that fit the demo data: the year up to
    its last day where an analysis takes a span (imported here, so that the parent
    process stays light)."""
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
    from rapport.analytics.summary import SummaryParams, customer_summary
    from rapport.analytics.survival import (
        DriftParams,
        SurvivalParams,
        last_item_drift,
        purchase_drift,
        survival,
    )
    from rapport.analytics.value import (
        ValueParams,
        ValueSummaryParams,
        value_over_time,
        value_summary,
    )

    year = date(2025, 11, 1)
    stages = LifecycleParams()
    funnel = FunnelParams(start=year, end=LAST_DAY)
    web = EngagementParams(start=year, end=LAST_DAY)
    drift = DriftParams(as_of=LAST_DAY)
    return {
        "summary": lambda s: customer_summary(s, SummaryParams(as_of=LAST_DAY)),
        "rfm": lambda s: rfm(s, RfmParams(as_of=LAST_DAY)),
        "nps": lambda s: satisfaction(s, SatisfactionParams(metric="nps", end=LAST_DAY,
                                                            period="month", by="channel")),
        "csat": lambda s: satisfaction(s, SatisfactionParams(metric="csat", end=LAST_DAY,
                                                             period="month")),
        "ces": lambda s: satisfaction(s, SatisfactionParams(metric="ces", end=LAST_DAY)),
        "churn": lambda s: churn(s, ChurnParams(start=year, end=LAST_DAY, by="channel")),
        "cohorts": lambda s: cohorts(s, end=LAST_DAY),
        "survival": lambda s: survival(s, SurvivalParams(as_of=LAST_DAY, every=30)),
        "purchase-drift": lambda s: purchase_drift(s, drift),
        "product-drift": lambda s: last_item_drift(s, drift, "product"),
        "category-drift": lambda s: last_item_drift(s, drift, "category"),
        "lifecycle": lambda s: stage_counts(s, stages, month_ends(year, LAST_DAY)),
        "transitions": lambda s: transitions(s, stages, date(2025, 10, 31), LAST_DAY),
        "time-in-stage": lambda s: time_in_stage(s, stages, LAST_DAY),
        "lifecycle-funnel": lambda s: lifecycle_funnel(s, funnel),
        "pipeline-funnel": lambda s: pipeline_funnel(s, funnel),
        "win-rate": lambda s: win_rate(s, funnel),
        "web-funnel": lambda s: web_funnel(s, funnel),
        "web-rates": lambda s: web_rates(s, funnel),
        "value": lambda s: value_over_time(s, ValueParams(start=year, end=LAST_DAY)),
        "value-summary": lambda s: value_summary(s, ValueSummaryParams(as_of=LAST_DAY)),
        "engagement": lambda s: engagement(s, web),
        "pages": lambda s: pages(s, web),
        "paths": lambda s: paths(s, web),
        "sales-cycle": lambda s: sales_cycle(s, SalesCycleParams(start=year, end=LAST_DAY)),
        "sales-performance": lambda s: sales_performance(
            s, SalesPerformanceParams(start=year, end=LAST_DAY, period="month")),
    }  # fmt: skip


def names() -> list[str]:
    """The analyses' names, in the order they are run and shown."""
    return list(_registry())


# The child process: build the Source, run one analysis, report time and peak memory.
_CHILD = """
import json, resource, sys, time
from pathlib import Path
from bench.analytics import _registry
from rapport.analytics.source import Source
from rapport.db import make_engine
name, where = sys.argv[1], sys.argv[2]
run = _registry()[name]
imported_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
started = time.perf_counter()
source = Source.from_folder(Path(where)) if Path(where).is_dir() else Source.from_database(
    make_engine(where))
result = run(source)
seconds = time.perf_counter() - started
rows = len(result) if isinstance(result, list) else getattr(result, "num_rows", 1)
print(json.dumps({"seconds": seconds, "rows": rows, "imported_mb": imported_mb,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_once(name: str, where: str) -> dict[str, Any]:
    """One run of analysis ``name`` on ``where`` (a folder or a database URL), in a child."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, name, where],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["load"] = os.getloadavg()[0]  # the machine's 1-minute load as the run ended
    return result


def _commit() -> str:
    """The checked-out commit, and whether the analytics code differs from it."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT).stdout

    changed = git("status", "--porcelain", "--", "src/rapport/analytics").strip()
    return git("rev-parse", "--short", "HEAD").strip() + (" (analytics changed)" if changed else "")


def _sizes(where: str) -> tuple[int, int]:
    """(customers, orders) visible in the data set at ``where``."""
    if Path(where).is_dir():
        import pyarrow.parquet as pq

        count = [pq.ParquetFile(Path(where) / f"{t}.parquet").metadata.num_rows
                 for t in ("customers", "orders")]  # fmt: skip
        return count[0], count[1]
    engine = create_engine(where)
    try:
        with engine.connect() as connection:
            customers, orders = (
                connection.execute(text(f"SELECT count(*) FROM {t} WHERE deleted_at IS NULL"))
                .scalar_one() for t in ("customers", "orders")
            )  # fmt: skip
    finally:
        engine.dispose()
    return int(customers), int(orders)


def bench(customers: int, source: str, runs: int, only: list[str] | None,
          server_url: str | None) -> None:  # fmt: skip
    """Run every analysis (or those in ``only``) ``runs`` times on the data set of
    ``customers`` customers held in ``source``; print a Markdown table and save the runs."""
    import platform
    import statistics

    chosen = only or names()
    unknown = sorted(set(chosen) - set(names()))
    if unknown:
        raise SystemExit(f"no analysis called {', '.join(unknown)}; there are {', '.join(names())}")
    if source == "parquet":
        where = str(parquet_dataset(customers))
    elif source == "sqlite":
        where = f"sqlite:///{sqlite_dataset(customers)}"
    else:
        if not server_url:
            raise SystemExit("--source postgresql needs --database-url (the server)")
        where = postgresql_dataset(customers, server_url)
    n_customers, n_orders = _sizes(where)
    label = source
    report: dict[str, Any] = {
        "benchmark": "analytics", "source": label, "size": customers, "customers": n_customers,
        "orders": n_orders, "load": os.getloadavg(), "analyses": {}, "commit": _commit(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                   f"Python {platform.python_version()}",
    }  # fmt: skip
    lines = []
    for name in chosen:
        results = []
        for run in range(runs):
            result = run_once(name, where)
            results.append(result)
            print(
                f"{name} on {label}, run {run + 1}: {result['seconds']:.2f} s, peak "
                f"{result['peak_mb']:.0f} MB, {result['rows']} rows",
                file=sys.stderr,
            )
        seconds = statistics.median(r["seconds"] for r in results)
        peak = statistics.median(r["peak_mb"] for r in results)
        report["analyses"][name] = {"runs": results, "median_seconds": seconds,
                                    "median_peak_mb": peak}  # fmt: skip
        each = ", ".join(f"{r['seconds']:.2f}" for r in results)
        lines.append(f"| {name} | {label} | {n_customers:,} / {n_orders:,} | {runs} "
                     f"| **{seconds:.2f} s** ({each}) | {peak:.0f} MB |")  # fmt: skip
    report["load_after"] = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"analytics-{source}-{customers}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(
        "| analysis | source | customers / orders | runs | median time (each run) "
        "| median peak memory |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    print("\n".join(lines))


def combine(paths: list[Path]) -> None:
    """Print one Markdown table of the saved runs in ``paths`` (JSON files of ``bench``):
    an analysis a row, a data set and source a column, each cell the median time and
    peak memory (the last file wins where two measured the same)."""
    reports = [json.loads(path.read_text()) for path in paths]
    columns: dict[str, dict[str, Any]] = {}
    for report in reports:
        size = report.get("size", report["customers"])
        scale = f"{size // 10**6}M" if size % 10**6 == 0 else f"{size // 1000}k"
        key = f"{scale}, {report['source']}"
        columns.setdefault(key, {}).update(report["analyses"])
    rows = list(dict.fromkeys(name for column in columns.values() for name in column))
    print("| analysis | " + " | ".join(columns) + " |")
    print("| --- " * (len(columns) + 1) + "|")
    for name in rows:
        cells = []
        for column in columns.values():
            one = column.get(name)
            cells.append(f"{one['median_seconds']:.2f} s, {one['median_peak_mb']:.0f} MB"
                         + ("" if len(one["runs"]) > 1 else " (1 run)") if one else "")  # fmt: skip
        print(f"| {name} | " + " | ".join(cells) + " |")
