"""Benchmark runner: each run in a fresh process, on a fresh database; medians reported.

    python -m bench demo --customers 100000 --runs 3
    python -m bench demo --customers 100000 --runs 1 --database-url postgresql+psycopg://…
    python -m bench api --database-url sqlite:///big.db --samples 200 --runs 3
    python -m bench analytics --customers 100000 --source sqlite --runs 3 [--only rfm,churn]
    python -m bench clv-fit --customers 1000000 --runs 3 [--lifetimes-python PATH]
    python -m bench score --customers 1000000 --source parquet --runs 3
    python -m bench pages --customers 100000 --runs 3

Prints a Markdown table for docs/performance.md and writes the raw runs as JSON under
bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

RESULTS = Path(__file__).parent / "results"

# The child process: migrate, load the demo, report its own time and peak memory.
_CHILD = """
import json, resource, sys, time
from datetime import UTC, date, datetime
from rapport import migrate
from rapport.db import make_engine
from rapport import checks
from rapport.demo import service
from rapport.demo.params import DemoParams
url, customers, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
engine = make_engine(url)
migrate.upgrade(engine)
started = time.perf_counter()
summary = service.load(engine=engine, params=DemoParams(customers=customers, seed=seed,
                                                        end=date(2026, 11, 1)))
seconds = time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
checked = time.perf_counter()
broken = checks.violations(engine, end=datetime(2026, 11, 1, tzinfo=UTC))
check_seconds = time.perf_counter() - checked
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rows": summary.rows,
                  "violations": broken, "check_seconds": check_seconds}))
"""


def _fresh_database(server_url: str | None, folder: Path) -> tuple[str, str | None]:
    if not server_url:
        return f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}", None
    server = make_url(server_url)
    name = f"rapport_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False), name


def _drop(server_url: str, name: str) -> None:
    admin = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def bench_demo(customers: int, runs: int, seed: int, server_url: str | None) -> dict[str, object]:
    """Time ``rapport demo`` loading ``customers`` into a fresh database, ``runs`` times."""
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs):
            url, pg_name = _fresh_database(server_url, Path(folder))
            try:
                wall = time.perf_counter()
                out = subprocess.run(
                    [sys.executable, "-c", _CHILD, url, str(customers), str(seed)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                result = json.loads(out.stdout.strip().splitlines()[-1])
                result["wall_seconds"] = time.perf_counter() - wall
                results.append(result)
                print(
                    f"run {run + 1}: {result['seconds']:.1f} s, peak {result['peak_mb']:.0f} MB, "
                    f"consistency checks: {result['violations'] or 'all pass'} "
                    f"({result['check_seconds']:.1f} s)",
                    file=sys.stderr,
                )
            finally:
                if pg_name and server_url:
                    _drop(server_url, pg_name)
    backend = make_url(server_url).get_backend_name() if server_url else "sqlite"
    return {
        "benchmark": "demo",
        "backend": backend,
        "customers": customers,
        "runs": results,
        "median_seconds": statistics.median(r["seconds"] for r in results),
        "median_peak_mb": statistics.median(r["peak_mb"] for r in results),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
    }


def bench_api(url: str, samples: int, runs: int) -> None:
    """Print the API latency table for the database at ``url`` and save it as JSON.

    Each run measures every kind of request ``samples`` times; the table gives, per kind,
    the median over the runs of each run's p50 and p95.
    """
    from bench.api import measure

    all_runs = [measure(url, samples, seed=7 + run) for run in range(runs)]
    backend = make_url(url).get_backend_name()
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    raw = [[t.__dict__ for t in timings] for timings in all_runs]
    (RESULTS / f"api-{backend}-{stamp}.json").write_text(json.dumps(raw, indent=2))
    print(f"| request ({backend}, {runs} runs × {samples}) | p50 | p95 |")
    print("| --- | --- | --- |")
    for index, timing in enumerate(all_runs[0]):
        p50 = statistics.median(run[index].p50_ms for run in all_runs)
        p95 = statistics.median(run[index].p95_ms for run in all_runs)
        print(f"| {timing.name} | {p50:.1f} ms | {p95:.1f} ms |")


def bench_import(rows: int, runs: int) -> None:
    """Print the median time and peak memory of importing ``rows`` customers into SQLite."""
    from bench.imports import make_file, run_once

    RESULTS.mkdir(exist_ok=True)
    path = make_file(RESULTS / f"customers-{rows}.csv", rows, seed=1)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs):
            url = f"sqlite:///{Path(folder) / f'import-{run}.db'}"
            result = run_once(url, path)
            results.append(result)
            print(f"run {run + 1}: {result['seconds']:.1f} s, peak {result['peak_mb']:.0f} MB, "
                  f"{result['created']:,.0f} created, {result['refused']:,.0f} refused",
                  file=sys.stderr)  # fmt: skip
    print(
        f"| import, {rows:,} customer rows from CSV | sqlite | {runs} "
        f"| {statistics.median(r['seconds'] for r in results):.1f} s "
        f"| {statistics.median(r['peak_mb'] for r in results):.0f} MB |"
    )


# The child leaves with os._exit: the restarted server may still be reading its data in
# the background, and at 1M customers tearing that down at interpreter exit aborted the
# process after its figures were printed.
_PAGES_CHILD = """
import json, os, sys
from bench.pages import measure
timings, warm = measure(sys.argv[1])
print(json.dumps({"warm_up_seconds": warm, "pages": [t.__dict__ for t in timings]}), flush=True)
os._exit(0)
"""


def bench_pages(customers: int, runs: int) -> None:
    """Print each page's time on a scored demo of ``customers`` customers in SQLite.

    The database is made once (``rapport demo`` then ``rapport score``) and kept under
    bench/results; each run is a fresh process, so "first" is a visit to a just-started
    server; "warmed up" is a visit to a server that has run its start-up warm-up
    (``RAPPORT_ANALYTICS_WARM_UP``). The table gives the median over the runs.
    """
    end = date(2026, 11, 1)
    path = RESULTS / f"pages-{customers}.db"
    url = f"sqlite:///{path.resolve()}"
    env = {**os.environ, "RAPPORT_DATABASE_URL": url}
    rapport = str(Path(sys.executable).with_name("rapport"))
    if not path.exists():
        RESULTS.mkdir(exist_ok=True)
        subprocess.run([rapport, "demo", "--customers", str(customers), "--end", end.isoformat()],
                       env=env, check=True)  # fmt: skip
        subprocess.run([rapport, "score", "--as-of", end.isoformat()], env=env, check=True)
    subprocess.run([rapport, "init"], env=env, check=True)  # a kept database: migrate it
    all_runs = []
    for run in range(runs):
        out = subprocess.run([sys.executable, "-c", _PAGES_CHILD, url],
                             capture_output=True, text=True, check=True)  # fmt: skip
        all_runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"run {run + 1} done", file=sys.stderr)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"pages-{customers}-{stamp}.json").write_text(json.dumps(all_runs, indent=2))
    warm = statistics.median(run["warm_up_seconds"] for run in all_runs)
    print(f"Warm-up when the server starts: {warm:.1f} s (median of {runs})")
    print(
        f"| page ({customers:,} customers, SQLite, {runs} runs) | first visit, cold "
        "| first visit, warmed up | first visit, restarted | later visits |"
    )
    print("| --- | --- | --- | --- | --- |")
    for index, timing in enumerate(all_runs[0]["pages"]):

        def median(field: str, index: int = index) -> str:
            values = [run["pages"][index][field] for run in all_runs]
            known = [v for v in values if v is not None]
            return f"{statistics.median(known):.0f} ms" if known else "—"

        print(
            f"| {timing['name']} | {median('first_ms')} | {median('warmed_ms')} "
            f"| {median('restarted_ms')} | {median('later_ms')} |"
        )


def main() -> None:
    """Parse the command line, run the benchmark, print and save its results."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    sub = parser.add_subparsers(dest="benchmark", required=True)
    demo = sub.add_parser("demo", help="load the demo data into a fresh database")
    demo.add_argument("--customers", type=int, default=100_000)
    demo.add_argument("--runs", type=int, default=3)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--database-url", help="PostgreSQL server URL (default: SQLite file)")
    api = sub.add_parser("api", help="API latency on a database loaded with `rapport demo`")
    api.add_argument("--database-url", required=True, help="the loaded database")
    api.add_argument("--samples", type=int, default=200)
    api.add_argument("--runs", type=int, default=3)
    imp = sub.add_parser("import", help="import a generated customer CSV into fresh SQLite")
    imp.add_argument("--rows", type=int, default=1_000_000)
    imp.add_argument("--runs", type=int, default=3)
    ana = sub.add_parser("analytics", help="every analysis on the demo data (made once)")
    ana.add_argument("--customers", type=int, default=100_000)
    ana.add_argument("--source", choices=("parquet", "sqlite", "postgresql"), default="sqlite")
    ana.add_argument("--runs", type=int, default=3)
    ana.add_argument("--only", help="analyses to run, comma-separated (default: all)")
    ana.add_argument("--database-url", help="PostgreSQL server URL, for --source postgresql")
    ana.add_argument("--combine", nargs="+", type=Path, metavar="JSON",
                     help="print one table of saved runs instead of measuring")  # fmt: skip
    clv = sub.add_parser("clv-fit", help="BG/NBD fit against lifetimes' on the same data")
    clv.add_argument("--customers", type=int, default=1_000_000)
    clv.add_argument("--seed", type=int, default=1)
    clv.add_argument("--runs", type=int, default=3)
    clv.add_argument("--parquet", type=Path, help="a folder of CRM tables instead of simulating")
    clv.add_argument("--lifetimes-python", help="interpreter with lifetimes (default: this one)")
    pag = sub.add_parser("pages", help="every page's time on a scored demo in SQLite")
    pag.add_argument("--customers", type=int, default=100_000)
    pag.add_argument("--runs", type=int, default=3)
    sco = sub.add_parser("score", help="`rapport score` end to end on the analytics data")
    sco.add_argument("--customers", type=int, default=1_000_000)
    sco.add_argument("--source", choices=("parquet", "postgresql"), default="parquet")
    sco.add_argument("--runs", type=int, default=3)
    sco.add_argument("--database-url", help="PostgreSQL server URL, for --source postgresql")
    args = parser.parse_args()
    if args.benchmark == "pages":
        bench_pages(args.customers, args.runs)
        return
    if args.benchmark == "score":
        from bench.score import bench as bench_score

        bench_score(args.customers, args.source, args.runs, args.database_url)
        return
    if args.benchmark == "clv-fit":
        from bench.clv_fit import bench as bench_clv_fit

        bench_clv_fit(args.customers, args.seed, args.runs, args.parquet, args.lifetimes_python)
        return
    if args.benchmark == "analytics":
        from bench.analytics import bench, combine

        if args.combine:
            combine(args.combine)
            return
        only = [n.strip() for n in args.only.split(",")] if args.only else None
        bench(args.customers, args.source, args.runs, only, args.database_url)
        return
    if args.benchmark == "import":
        bench_import(args.rows, args.runs)
        return
    if args.benchmark == "api":
        bench_api(args.database_url, args.samples, args.runs)
        return
    report = bench_demo(args.customers, args.runs, args.seed, args.database_url)
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"demo-{report['backend']}-{stamp}.json").write_text(json.dumps(report, indent=2))
    rows = report["runs"][0]["rows"]  # type: ignore[index]
    orders = rows.get("orders", 0)
    total = sum(rows.values())
    print(
        f"| demo, {report['customers']:,} customers ({orders:,} orders, {total:,} rows) "
        f"| {report['backend']} | {len(report['runs'])} "  # type: ignore[arg-type]
        f"| {report['median_seconds']:.1f} s | {report['median_peak_mb']:.0f} MB |"
    )


if __name__ == "__main__":
    main()
