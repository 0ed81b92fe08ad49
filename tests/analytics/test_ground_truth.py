"""The analyses recover what the demo generator put in (docs/demo.md): its conversion
rates per channel, its customers' stages, its drop-outs, its web funnel rates.

The demo's history ends at midnight starting ``END``; the analyses look at the day
before. One demo of 6,000 customers is built for the module (SQLite).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lifelines import KaplanMeierFitter
from sqlalchemy import Engine

from rapport.analytics.funnels import FunnelParams, lifecycle_funnel, web_rates
from rapport.analytics.lifecycle import LifecycleParams, stages_on
from rapport.analytics.source import Source
from rapport.analytics.stats import wilson
from rapport.analytics.survival import SurvivalParams, survival
from rapport.customers.lifecycle import LifecycleThresholds
from rapport.db import make_engine
from tests.analytics.conftest import DEMO_END

END = DEMO_END
LAST_DAY = END - timedelta(days=1)


@dataclass
class Demo:
    source: Source
    truth: dict[str, Any]
    customers: list[dict[str, str]]
    stored_stages: dict[int, str]
    horizon: float  # days from the truth's start to its end
    engine: Engine


@pytest.fixture(scope="module")
def demo(demo_folder: Path) -> Iterator[Demo]:
    folder = demo_folder
    engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    with (folder / "customers.csv").open(encoding="utf-8") as lines:
        customers = list(csv.DictReader(lines))
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT id, lifecycle_stage FROM customers")
        stored = {int(row[0]): str(row[1]) for row in rows}
    span = datetime.fromisoformat(truth["end"]) - datetime.fromisoformat(truth["start"])
    days = span.total_seconds() / 86400
    yield Demo(Source.from_database(engine), truth, customers, stored, days, engine)
    engine.dispose()


def test_channel_conversion_rates_are_recovered(demo: Demo) -> None:
    """Customers created at least a year before the end have had time to convert (the
    delay is weeks); the share that bought lies within the 99.9 % Wilson interval of
    each channel's true rate (eight channels: a 95 % interval would miss one in three
    runs by chance alone)."""
    params = FunnelParams(end=END - timedelta(days=365), as_of=LAST_DAY, by="channel")
    steps = [s for s in lifecycle_funnel(demo.source, params) if s.step == "first_purchase"]
    entered = {s.group: s.reached for s in lifecycle_funnel(demo.source, params)
               if s.step == "lead"}  # fmt: skip
    rates = demo.truth["channel_conversion_rates"]
    assert {s.group for s in steps} == set(rates)
    for step in steps:
        low, high = wilson(step.reached, entered[step.group], 0.999)
        assert low <= 100 * rates[step.group] <= high, (step.group, step.of_first)


def test_stages_match_the_generator(demo: Demo) -> None:
    """The generator stored each customer's stage at the end by the same rules (with all
    purchases, some of which were refunded later, and fractional days): nearly all
    agree, and buyers are exactly the customers the truth says converted."""
    rows = demo.source.to_arrow(stages_on(demo.source, LifecycleParams(), LAST_DAY)).to_pylist()
    stages = {r["customer_id"]: r["stage"] for r in rows}
    assert set(stages) == set(demo.stored_stages)
    agree = sum(stages[c] == s for c, s in demo.stored_stages.items())
    assert agree / len(stages) >= 0.99
    converted = {int(c["customer_id"]) for c in demo.customers if c["converted_by_end"] == "True"}
    buyers = {c for c, s in stages.items() if s not in ("lead", "prospect")}
    assert len(buyers ^ converted) <= 0.005 * len(stages)  # only-refunded buyers at most


def test_visible_drop_outs_are_churned(demo: Demo) -> None:
    """Customers who dropped out at least the churn threshold before the end are churned
    (the generator's drop-out comes right after a purchase), and the churn counts rise
    with false alarms only: quiet customers still alive."""
    stages = {r["customer_id"]: r["stage"] for r in demo.source.to_arrow(
        stages_on(demo.source, LifecycleParams(), LAST_DAY)).to_pylist()}  # fmt: skip
    gone = [int(c["customer_id"]) for c in demo.customers
            if c["dropout_day"] and float(c["dropout_day"]) + 181 <= demo.horizon]  # fmt: skip
    assert len(gone) > 500
    assert sum(stages[c] == "churned" for c in gone) / len(gone) >= 0.99
    churned = sum(s == "churned" for s in stages.values())
    assert len(gone) <= churned <= 1.25 * len(gone)


def test_survival_follows_the_drop_outs(demo: Demo) -> None:
    """Kaplan–Meier from the CRM's data against Kaplan–Meier (lifelines, independently)
    on the generator's own lifetimes, with churn seen 365 days after the last purchase:
    the CRM's curve may only lie below the truth's (a quiet, living customer counts as
    churned) and by no more than 5 points."""
    days = 365
    (curve,) = survival(demo.source, SurvivalParams(as_of=LAST_DAY, inactive_days=days))
    durations, events = [], []
    for c in demo.customers:
        if not c["first_purchase_day"]:
            continue
        first = float(c["first_purchase_day"])
        seen = c["dropout_day"] and float(c["dropout_day"]) + days <= demo.horizon
        durations.append(float(c["dropout_day"]) - first + days if seen else demo.horizon - first)
        events.append(bool(seen))
    truth = KaplanMeierFitter().fit(durations, events)
    assert abs(curve.customers - len(durations)) <= 0.005 * len(durations)
    for day in (400, 500, 600, 700, 800):
        ours = next(p.survival for p in reversed(curve.points) if p.day <= day)
        expected = 100 * float(truth.survival_function_at_times(day).iloc[0])
        assert expected - 5 <= ours <= expected + 1, (day, ours, expected)


def test_web_funnel_rates_are_recovered(demo: Demo) -> None:
    """Abandonment = 1 − cart→checkout × payment success; payment success as generated
    (both within the 99.9 % Wilson interval)."""
    web = demo.truth["params"]["web"]
    (rates,) = web_rates(demo.source, FunnelParams(as_of=LAST_DAY, confidence=0.999))
    assert rates.success_low <= 100 * web["payment_success"] <= rates.success_high
    abandon = 100 * (1 - web["cart_to_checkout"] * web["payment_success"])
    assert rates.abandonment_low <= abandon <= rates.abandonment_high


def test_thresholds_shift_the_stages(demo: Demo) -> None:
    """Longer thresholds can only move customers from churned to at risk or active."""
    short = LifecycleParams(LifecycleThresholds(at_risk_days=60, churned_days=120))
    long = LifecycleParams(LifecycleThresholds(at_risk_days=120, churned_days=365))

    def count(params: LifecycleParams) -> dict[str, int]:
        rows = demo.source.to_arrow(stages_on(demo.source, params, LAST_DAY)).to_pylist()
        out: dict[str, int] = {}
        for r in rows:
            out[r["stage"]] = out.get(r["stage"], 0) + 1
        return out

    assert count(long)["churned"] < count(short)["churned"]
    assert count(long)["lead"] == count(short)["lead"]


def test_summary_agrees_with_pandas(demo: Demo) -> None:
    """The per-customer summary against the same figures computed independently with
    pandas from the raw orders (purchases by day, as the BG/NBD summaries count them)."""
    import pandas as pd

    from rapport.analytics.summary import SummaryParams, customer_summary

    with demo.engine.connect() as connection:
        orders = pd.read_sql(
            "SELECT customer_id, ordered_at, total_minor FROM orders "
            "WHERE status = 'paid' AND currency = 'CNY'", connection)  # fmt: skip
    moments = pd.to_datetime(orders["ordered_at"], format="ISO8601", utc=True)
    orders["day"] = moments.dt.tz_localize(None).dt.normalize()
    daily = orders.groupby(["customer_id", "day"])["total_minor"].sum().reset_index()
    grouped = daily.groupby("customer_id")
    first, last = grouped["day"].min(), grouped["day"].max()
    expected = pd.DataFrame({
        "frequency": grouped.size() - 1,
        "recency_days": (last - first).dt.days,
        "t_days": (pd.Timestamp(LAST_DAY) - first).dt.days,
        "revenue_minor": grouped["total_minor"].sum(),
    })  # fmt: skip
    first_value = daily[daily["day"] == daily["customer_id"].map(first)].set_index("customer_id")
    repeat = expected["revenue_minor"] - first_value["total_minor"]
    expected["monetary_minor"] = (repeat / expected["frequency"]).where(expected["frequency"] > 0)

    ours = customer_summary(demo.source, SummaryParams(as_of=LAST_DAY, buyers_only=True))
    got = ours.to_pandas().set_index("customer_id")[list(expected.columns)]
    assert len(got) == len(expected) > 2000
    pd.testing.assert_frame_equal(got.sort_index(), expected.sort_index(), check_dtype=False,
                                  check_names=False)  # fmt: skip
