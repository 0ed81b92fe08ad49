"""The dashboard's numbers, computed by hand on a tiny CRM (docs/metrics.md, "Dashboard").

Period: March 2026 (1–31); the period before: the 31 days up to 28 February (from
29 January). Customers 1–4 were created on 1 January, customer 5 on 10 March.
Paid CNY orders: customer 1 on 5 March (100.00; a refunded one on 20 March does not
count), customer 2 on 10 February (50.00), customer 3 on 10 September 2025 (30.00);
customer 4 paid 70.00 in USD on 15 March.

- customers 5 (before: 4); new 1 (before: 0);
- active, with a paid order in the 180 days up to the last day: customers 1, 2 and 4
  on 31 March (3); customers 2 and 3 on 28 February (2);
- revenue in CNY: 100.00 (before: 50.00);
- churn rate of March: active on 1 March are customers 2 and 3; customer 3 churns on
  9 March (180 days after 10 September): 1 of 2, 50 % (February: customer 3 only, none
  churned: 0 %);
- NPS of March: 10, 9 and 3 are 2 promoters and 1 detractor of 3: (2 − 1) / 3 = 33.3
  (no answer before: none);
- win rate: one deal won and one lost in March, 50 % (none closed before);
- open pipeline: one open deal of 200.00 in a stage of 40 %: 200.00, weighted 80.00.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rapport.config import Settings
from rapport.reports.catalog import Inputs
from rapport.reports.dashboard import headlines
from rapport.reports.filters import ReportFilters
from tests.analytics.conftest import (
    NOW,
    answer_row,
    at,
    customer_row,
    order_row,
    survey_rows,
    tables_source,
)


def _tables() -> dict[str, list[dict[str, object]]]:
    stages = [
        {"id": 1, "pipeline_id": 1, "name": "Proposal", "position": 1, "probability": 40,
         "outcome": "open", "created_at": NOW, "updated_at": NOW},
        {"id": 2, "pipeline_id": 1, "name": "Won", "position": 2, "probability": 100,
         "outcome": "won", "created_at": NOW, "updated_at": NOW},
        {"id": 3, "pipeline_id": 1, "name": "Lost", "position": 3, "probability": 0,
         "outcome": "lost", "created_at": NOW, "updated_at": NOW},
    ]  # fmt: skip

    def deal(did: int, stage: int, status: str, closed: str | None) -> dict[str, object]:
        return {"id": did, "name": f"Deal {did}", "pipeline_id": 1, "stage_id": stage,
                "customer_id": 1, "status": status, "amount_minor": 20_000, "currency": "CNY",
                "closed_at": at(closed) if closed else None, "custom_fields": {},
                "created_at": at("2026-02-01"), "updated_at": NOW}  # fmt: skip

    return {
        "customers": [*(customer_row(c, "web") for c in range(1, 5)),
                      customer_row(5, "web", created_at=at("2026-03-10"))],
        "orders": [order_row(1, 1, "2026-03-05", 10_000),
                   order_row(2, 1, "2026-03-20", 9_000, "refunded"),
                   order_row(3, 2, "2026-02-10", 5_000), order_row(4, 3, "2025-09-10", 3_000),
                   order_row(5, 4, "2026-03-15", 7_000, currency="USD")],
        "surveys": survey_rows(),
        "survey_responses": [answer_row(1, 1, 10, "2026-03-02"), answer_row(1, 2, 9, "2026-03-03"),
                             answer_row(1, 4, 3, "2026-03-04")],
        "pipelines": [{"id": 1, "name": "Sales", "is_default": True, "created_at": NOW,
                       "updated_at": NOW}],
        "stages": stages,
        "deals": [deal(1, 2, "won", "2026-03-10"), deal(2, 3, "lost", "2026-03-12"),
                  deal(3, 1, "open", None)],
    }  # fmt: skip


@pytest.mark.parametrize("kind", ["sqlite", "parquet"])
def test_the_headline_numbers_and_the_period_before(kind: str, tmp_path: Path) -> None:
    with tables_source(kind, _tables(), tmp_path) as source:
        period = ReportFilters(date(2026, 3, 1), date(2026, 3, 31))
        found = headlines(Inputs(source, period, Settings()))
    numbers = {n.key: (n.value, n.previous) for n in found["numbers"]}
    assert numbers["customers"] == (5, 4)
    assert numbers["new_customers"] == (1, 0)
    assert numbers["active"] == (3, 2)
    assert numbers["revenue"] == (100.0, 50.0)
    assert numbers["churn_rate"] == (pytest.approx(50.0), pytest.approx(0.0))
    assert numbers["nps"][0] == pytest.approx(100 / 3)
    assert numbers["nps"][1] is None
    assert numbers["win_rate"] == (pytest.approx(50.0), None)
    assert numbers["pipeline"] == (200.0, None)
    assert found["weighted_pipeline"] == pytest.approx(80.0)
