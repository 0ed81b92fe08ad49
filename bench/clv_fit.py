"""BG/NBD fit speed: Rapport's ``bgnbd.fit`` against lifetimes' ``BetaGeoFitter().fit`` on
the same million customers, in one run.

    python -m bench clv-fit --customers 1000000 --runs 3
    python -m bench clv-fit --parquet bench/results/analytics-1000000-parquet --runs 3
    python -m bench clv-fit --lifetimes-python /path/to/other/venv/bin/python

The data: (frequency, recency, T) in whole days, drawn from BG/NBD with the demo's
purchase parameters (r 0.9, α 10 days, a 0.55, b 9; docs/demo.md) for customers whose
first purchases fall over a 1,095-day history with the demo's growing inflow, counted as
``customer_summary`` counts them (purchase days, the as-of day included); seeded, so
every run and both libraries see the same arrays. Or, with ``--parquet``, the summary of
a folder of CRM tables on its last day. The arrays are written once to
``bench/results/clv-fit-<n>-<seed>.npz``; each run is a fresh process that loads them
(not timed) and times one fit, reporting its peak resident memory. lifetimes runs with
the interpreter given (default: this one; ``pip install lifetimes`` into a separate
environment if it would change this one's packages).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).parent.parent
PARAMS = {"r": 0.9, "alpha": 10.0, "a": 0.55, "b": 9.0}  # the demo's PurchaseParams
HISTORY_DAYS = 1095
GROWTH = 1.5  # lead inflow at the end is 1 + GROWTH times that at the start (the demo's)

_CHILD = """
import json, resource, sys, time
import numpy as np
which, path = sys.argv[1], sys.argv[2]
data = np.load(path)
x, t_x, t = data["x"], data["t_x"], data["t"]
if which == "rapport":
    from rapport.analytics.models.bgnbd import fit
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    model = fit(x, t_x, t)
    seconds = time.perf_counter() - started
    params = {"r": model.r, "alpha": model.alpha, "a": model.a, "b": model.b}
else:
    from lifetimes import BetaGeoFitter
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    fitter = BetaGeoFitter().fit(x, t_x, t)
    seconds = time.perf_counter() - started
    params = {k: float(v) for k, v in fitter.params_.items()}
print(json.dumps({"seconds": seconds, "params": params, "loaded_mb": loaded,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def simulate(customers: int, seed: int) -> dict[str, np.ndarray]:
    """Whole-day (x, t_x, T) of ``customers`` BG/NBD customers (``PARAMS``, per day).

    First-purchase days follow the demo's inflow (density ∝ 1 + GROWTH·u over the
    history); the first purchase is at a uniform time of its day; while alive, purchases
    follow at Exponential(λ) waits and the customer drops out after each with
    probability p. A purchase counts while it falls on or before the last day; x is
    the number of later purchase DAYS, t_x the day of the last minus the first, T the
    last day minus the first (as ``customer_summary`` counts them)."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(PARAMS["r"], 1 / PARAMS["alpha"], customers)
    p = rng.beta(PARAMS["a"], PARAMS["b"], customers)
    u = (np.sqrt(1 + GROWTH * (2 + GROWTH) * rng.random(customers)) - 1) / GROWTH
    first = np.minimum((u * HISTORY_DAYS).astype(np.int64), HISTORY_DAYS - 1)
    t = (HISTORY_DAYS - 1 - first).astype(np.float64)
    x, t_x = np.zeros(customers), np.zeros(customers)
    now, last = rng.random(customers), np.zeros(customers)  # time since the first day began
    alive = np.arange(customers)
    while len(alive):
        now[alive] += rng.exponential(1.0, len(alive)) / lam[alive]
        inside = now[alive] < t[alive] + 1
        day = np.floor(now[alive])
        new_day = inside & (day > last[alive])
        counted = alive[new_day]
        x[counted] += 1
        t_x[counted] = last[counted] = day[new_day]
        stays = inside & (rng.random(len(alive)) >= p[alive])
        alive = alive[stays]
    return {"x": x, "t_x": t_x, "t": t}


def from_parquet(folder: Path) -> dict[str, np.ndarray]:
    """(x, t_x, T) of the buyers in a folder of CRM tables, on the day before the last
    order's day + 1 (the demo's history ends at midnight)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from rapport.analytics.source import Source
    from rapport.analytics.summary import SummaryParams, customer_summary

    last = pc.max(pq.read_table(folder / "orders.parquet", columns=["ordered_at"])["ordered_at"])
    as_of = last.as_py().date() if last.as_py() else date.today() - timedelta(days=1)
    table = customer_summary(
        Source.from_folder(folder), SummaryParams(as_of=as_of, buyers_only=True)
    )
    columns = {"x": "frequency", "t_x": "recency_days", "t": "t_days"}
    return {k: table.column(c).to_numpy().astype(np.float64) for k, c in columns.items()}


def _run(which: str, path: Path, python: str) -> dict[str, Any]:
    out = subprocess.run([python, "-c", _CHILD, which, str(path)], check=True,
                         capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["load"] = os.getloadavg()[0]
    return result


def bench(customers: int, seed: int, runs: int, parquet: Path | None,
          lifetimes_python: str | None) -> None:  # fmt: skip
    """Time both fits ``runs`` times each (alternating), print the table, save the runs."""
    RESULTS.mkdir(exist_ok=True)
    name = f"clv-fit-parquet-{parquet.name}" if parquet else f"clv-fit-{customers}-{seed}"
    path = RESULTS / f"{name}.npz"
    if not path.exists():
        made = time.perf_counter()
        data = from_parquet(parquet) if parquet else simulate(customers, seed)
        np.savez(path, **data)
        print(f"data: {time.perf_counter() - made:.0f} s", file=sys.stderr)
    data = dict(np.load(path))
    n = len(data["x"])
    distinct = len(np.unique(np.stack([data["x"], data["t_x"], data["t"]], 1), axis=0))
    results: dict[str, list[dict[str, Any]]] = {"rapport": [], "lifetimes": []}
    for run in range(runs):
        for which in results:
            python = (
                (lifetimes_python or sys.executable) if which == "lifetimes" else sys.executable
            )
            result = _run(which, path, python)
            results[which].append(result)
            print(
                f"{which}, run {run + 1}: {result['seconds']:.2f} s, peak "
                f"{result['peak_mb']:.0f} MB (load {result['load']:.1f})",
                file=sys.stderr,
            )
    medians = {k: statistics.median(r["seconds"] for r in v) for k, v in results.items()}
    peaks = {k: statistics.median(r["peak_mb"] - r["loaded_mb"] for r in v)
             for k, v in results.items()}  # fmt: skip
    report = {"benchmark": "clv-fit", "customers": n, "distinct_rows": distinct, "seed": seed,
              "source": str(parquet) if parquet else "simulated", "runs": results,
              "median_seconds": medians, "ratio": medians["lifetimes"] / medians["rapport"],
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                         f"Python {platform.python_version()}"}  # fmt: skip
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"{name}-{stamp}.json").write_text(json.dumps(report, indent=2))
    print(f"BG/NBD fit, {n:,} customers ({distinct:,} distinct rows), {runs} runs each\n")
    print(
        "| fit | median time (each run) | median peak memory above the loaded data "
        "| r | α | a | b |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for which, label in (
        ("rapport", "Rapport `bgnbd.fit`"),
        ("lifetimes", "lifetimes `BetaGeoFitter().fit`"),
    ):
        each = ", ".join(f"{r['seconds']:.2f}" for r in results[which])
        last = results[which][-1]["params"]
        print(
            f"| {label} | **{medians[which]:.2f} s** ({each}) | {peaks[which]:.0f} MB | "
            + " | ".join(f"{last[k]:.6g}" for k in ("r", "alpha", "a", "b"))
            + " |"
        )
    print(f"\nratio (lifetimes / Rapport, medians): {report['ratio']:.1f}×")
    ours, theirs = results["rapport"][-1]["params"], results["lifetimes"][-1]["params"]
    agree = all(f"{ours[k]:.3g}" == f"{theirs[k]:.3g}" for k in ours)
    print(
        f"same parameters to 3 significant figures: {'yes' if agree else 'NO'}; largest "
        f"relative difference {max(abs(ours[k] / theirs[k] - 1) for k in ours):.1e}"
    )
