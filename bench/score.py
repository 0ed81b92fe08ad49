"""`rapport score` end to end: every customer scored and the scores stored.

    python -m bench score --customers 1000000 --source parquet --runs 3
    python -m bench score --customers 1000000 --source postgresql \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

The data sets are the analytics benchmark's (``bench/analytics.py``, made once per size).
With ``--source parquet`` the scores are computed from the Parquet files in DuckDB and
written to the SQLite database they were exported from; with ``--source postgresql``
they are read from and written to the PostgreSQL database. Each run is a fresh process
calling ``rapport.scores.service.run`` as ``rapport score`` does; its time counts reading,
every model's fit and scoring, and writing a million rows; the memory is the child's peak
resident set (PostgreSQL's own is not in it).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from typing import Any

from bench.analytics import (
    LAST_DAY,
    RESULTS,
    ROOT,
    _commit,
    _sizes,
    parquet_dataset,
    postgresql_dataset,
    sqlite_dataset,
)

_CHILD = """
import json, resource, sys, time
from datetime import date
from pathlib import Path
from rapport.analytics.source import Source
from rapport.db import make_engine
from rapport.scores import service
from rapport.scores.scoring import ScoringParams
crm, where, day = sys.argv[1], sys.argv[2], date.fromisoformat(sys.argv[3])
started = time.perf_counter()
engine = make_engine(crm)
source = Source.from_folder(Path(where)) if where else None
run = service.run(engine=engine, params=ScoringParams(as_of=day), source=source)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "customers": run.customers, "timings": run.timings,
                  "skipped": [m for m, v in run.models.items() if "skipped" in v],
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_once(crm: str, folder: str) -> dict[str, Any]:
    """One scoring of the data (``folder`` of Parquet, or the CRM database when empty)."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, crm, folder, LAST_DAY.isoformat()],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["load"] = os.getloadavg()[0]
    return result


def bench(customers: int, source: str, runs: int, server_url: str | None) -> None:
    """Score the data set of ``customers`` ``runs`` times; print a Markdown row, save runs."""
    if source == "parquet":
        folder = str(parquet_dataset(customers))
        crm = f"sqlite:///{sqlite_dataset(customers)}"
        where = folder
    else:
        if not server_url:
            raise SystemExit("--source postgresql needs --database-url (the server)")
        crm = where = postgresql_dataset(customers, server_url)
        folder = ""
    n_customers, n_orders = _sizes(where)
    results = []
    for run in range(runs):
        result = run_once(crm, folder)
        results.append(result)
        steps = ", ".join(f"{k} {v:.1f}" for k, v in result["timings"].items())
        print(f"score on {source}, run {run + 1}: {result['seconds']:.1f} s, peak "
              f"{result['peak_mb']:.0f} MB ({steps})", file=sys.stderr)  # fmt: skip
    seconds = statistics.median(r["seconds"] for r in results)
    peak = statistics.median(r["peak_mb"] for r in results)
    steps = {k: statistics.median(r["timings"][k] for r in results) for k in results[0]["timings"]}
    report = {
        "benchmark": "score", "source": source, "size": customers, "customers": n_customers,
        "orders": n_orders, "commit": _commit(), "runs": results, "median_seconds": seconds,
        "median_peak_mb": peak, "median_steps": steps,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                   f"Python {platform.python_version()}",
    }  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"score-{source}-{customers}-{stamp}.json").write_text(json.dumps(report, indent=2))
    each = ", ".join(f"{r['seconds']:.1f}" for r in results)
    print("| source | customers / orders | runs | median time (each run) | median peak memory |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| {source} | {n_customers:,} / {n_orders:,} | {runs} | **{seconds:.1f} s** ({each}) "
          f"| {peak:.0f} MB |")  # fmt: skip
    print("\nmedian seconds per step: " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()))
