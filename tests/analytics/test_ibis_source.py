"""The analyses run where the data lives: on PostgreSQL itself through Ibis (the work
pushed down, no snapshot), with the same results as from the CRM's own reading of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url

from rapport.analytics.engagement import engagement, pages, paths
from rapport.analytics.funnels import lifecycle_funnel, pipeline_funnel, web_rates
from rapport.analytics.lifecycle import stage_counts, time_in_stage, transitions
from rapport.analytics.retention import ChurnParams, churn, cohorts
from rapport.analytics.rfm import RfmParams, rfm
from rapport.analytics.sales_cycle import SalesCycleParams, sales_cycle
from rapport.analytics.sales_performance import SalesPerformanceParams, sales_performance
from rapport.analytics.satisfaction import SatisfactionParams, satisfaction
from rapport.analytics.source import Source
from rapport.analytics.summary import SummaryParams, customer_summary
from rapport.analytics.survival import (
    DriftParams,
    SurvivalParams,
    last_item_drift,
    purchase_drift,
    survival,
)
from rapport.analytics.value import ValueParams, ValueSummaryParams, value_over_time, value_summary
from rapport.db import make_engine
from tests.analytics import (
    test_analyses,
    test_engagement,
    test_funnels,
    test_lifecycle,
    test_sales,
    test_survival,
    test_value,
)
from tests.analytics.conftest import load_tables
from tests.conftest import empty_database

Run = Callable[[Source], Any]
DAYS = test_lifecycle.DAYS
CASES: list[tuple[str, Any, Run]] = [
    ("nps", test_analyses._tables, lambda s: satisfaction(s, SatisfactionParams(
        metric="nps", period="month", by="channel"))),
    ("ces", test_analyses._tables, lambda s: satisfaction(s, SatisfactionParams(metric="ces"))),
    ("rfm", test_analyses._tables, lambda s: rfm(s, RfmParams(as_of=date(2026, 6, 30)))),
    ("churn", test_analyses._tables, lambda s: churn(s, ChurnParams(
        start=date(2026, 1, 1), end=date(2026, 3, 31), inactive_days=30, by="channel"))),
    ("contract churn", test_analyses._tables, lambda s: churn(s, ChurnParams(
        start=date(2026, 1, 1), end=date(2026, 3, 31), contract_field="contract_end"))),
    ("cohorts", test_analyses._tables, lambda s: cohorts(s, end=date(2026, 3, 31))),
    ("stage counts", test_lifecycle._tables,
     lambda s: stage_counts(s, test_lifecycle.PARAMS, DAYS)),
    ("transitions", test_lifecycle._tables,
     lambda s: transitions(s, test_lifecycle.PARAMS, DAYS[0], DAYS[2])),
    ("time in stage", test_lifecycle._tables,
     lambda s: time_in_stage(s, test_lifecycle.PARAMS, DAYS[2])),
    ("lifecycle funnel", test_funnels._tables,
     lambda s: lifecycle_funnel(s, test_funnels.WINDOW)),
    ("pipeline funnel", test_funnels._tables,
     lambda s: pipeline_funnel(s, test_funnels.WINDOW)),
    ("web rates", test_funnels._tables, lambda s: web_rates(s, test_funnels.WINDOW)),
    ("value", test_value._tables, lambda s: value_over_time(s, ValueParams(
        start=date(2026, 1, 1), end=date(2026, 3, 31)))),
    ("value summary", test_value._tables,
     lambda s: value_summary(s, ValueSummaryParams(as_of=date(2026, 3, 31)))),
    ("summary", test_value._tables, lambda s: customer_summary(
        s, SummaryParams(as_of=date(2026, 3, 31))).to_pylist()),
    ("survival", test_survival._survival_tables, lambda s: survival(s, SurvivalParams(
        as_of=test_survival.AS_OF, inactive_days=30, by="channel"))),
    ("purchase drift", test_survival._drift_tables, lambda s: purchase_drift(s, DriftParams(
        as_of=test_survival.AS_OF, inactive_days=30))),
    ("category drift", test_survival._drift_tables, lambda s: last_item_drift(s, DriftParams(
        as_of=test_survival.AS_OF, inactive_days=30, min_customers=1), "category")),
    ("engagement", test_engagement._tables, lambda s: engagement(s, test_engagement.MARCH)),
    ("pages", test_engagement._tables, lambda s: pages(s, test_engagement.MARCH)),
    ("paths", test_engagement._tables, lambda s: paths(s, test_engagement.MARCH)),
    ("sales cycle", test_sales._tables, lambda s: sales_cycle(s, SalesCycleParams(
        start=date(2026, 1, 1), end=test_sales.END, by="owner"))),
    ("sales performance", test_sales._tables, lambda s: sales_performance(
        s, SalesPerformanceParams(start=date(2026, 1, 1), end=test_sales.END, period="month"))),
]  # fmt: skip


@pytest.mark.parametrize(("name", "tables", "run"), CASES, ids=[c[0] for c in CASES])
def test_pushed_down_to_postgresql(name: str, tables: Any, run: Run, tmp_path: Path) -> None:
    import ibis

    with empty_database("postgresql", tmp_path) as url:
        load_tables(url, tables())
        engine = make_engine(url)
        expected = run(Source.from_database(engine))
        engine.dispose()
        where = make_url(url)
        backend = ibis.postgres.connect(
            host=where.host, port=where.port, user=where.username, password=where.password,
            database=where.database,
        )  # fmt: skip
        try:
            got = run(Source.from_ibis(backend))
        finally:
            backend.disconnect()
    assert _plain(got) == _plain(expected), name


def _plain(value: Any) -> Any:
    """Results compared as values: floats to 9 significant digits (engines sum in their
    own order), times as naive UTC (PostgreSQL gives its own with a zone)."""
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value
