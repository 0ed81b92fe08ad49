"""The per-customer summary on a fixture worked out by hand."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from rapport.analytics.source import Source
from rapport.analytics.summary import COLUMNS, SummaryParams, customer_summary
from tests.analytics.conftest import (
    answer_row,
    at,
    customer_row,
    interaction_row,
    order_row,
    source_fixture,
    survey_rows,
    ticket_row,
)

AS_OF = date(2026, 6, 30)


def _tables() -> dict[str, list[dict[str, Any]]]:
    """Customers 1–3 were created on 1 January 2026, customer 4 after the as-of day.

    1: paid 100 + 50 on 1 Feb (one purchase day worth 150), 200 on 1 Mar, 300 on 1 May;
       a refund on 1 Apr is no purchase.
    2: paid 80 on 30 Jun (the as-of day itself); an order on 1 Jul is after it.
    3: never bought; calls on 1 Mar and 1 Apr (and 5 Jul, after); tickets opened 1 Feb
       (resolved 3 Feb) and 1 Jun (open); NPS 3 then 9, CSAT 4.
    """
    return {
        "customers": [customer_row(c, "wechat") for c in (1, 2, 3)]
        + [customer_row(4, "email", created_at=at("2026-07-15"))],
        "orders": [
            order_row(1, 1, "2026-02-01", 100), order_row(2, 1, "2026-02-01", 50),
            order_row(3, 1, "2026-03-01", 200), order_row(4, 1, "2026-05-01", 300),
            order_row(5, 1, "2026-04-01", 999, status="refunded"),
            order_row(6, 2, "2026-06-30", 80), order_row(7, 2, "2026-07-01", 70),
            order_row(8, 4, "2026-07-20", 10),
        ],
        "interactions": [interaction_row(1, 3, "2026-03-01"), interaction_row(2, 3, "2026-04-01"),
                         interaction_row(3, 3, "2026-07-05")],
        "tickets": [ticket_row(1, 3, "2026-02-01", resolved_at=at("2026-02-03"),
                               status="resolved"),
                    ticket_row(2, 3, "2026-06-01")],
        "surveys": survey_rows(),
        "survey_responses": [answer_row(1, 3, 3, "2026-02-01"), answer_row(1, 3, 9, "2026-05-01"),
                             answer_row(2, 3, 4, "2026-03-01")],
    }  # fmt: skip


source = source_fixture(_tables)


def test_the_summary_of_each_customer(source: Source) -> None:
    table = customer_summary(source, SummaryParams(as_of=AS_OF))
    assert table.column_names == list(COLUMNS)
    rows = {row["customer_id"]: row for row in table.to_pylist()}
    assert set(rows) == {1, 2, 3}
    one = rows[1]
    # purchase days 1 Feb (150), 1 Mar (200), 1 May (300): two repeat purchases; 1 Feb →
    # 1 May is 28 + 31 + 30 = 89 days; 1 Feb → 30 Jun is 149; repeat mean (200 + 300) / 2
    assert (one["orders"], one["revenue_minor"], one["frequency"]) == (4, 650, 2)
    assert (one["recency_days"], one["t_days"], one["monetary_minor"]) == (89, 149, 250.0)
    assert (one["first_purchase"], one["last_purchase"]) == (date(2026, 2, 1), date(2026, 5, 1))
    assert one["tenure_days"] == 180  # 1 January → 30 June
    two = rows[2]
    assert (two["orders"], two["frequency"], two["recency_days"], two["t_days"]) == (1, 0, 0, 0)
    assert two["monetary_minor"] is None or math.isnan(two["monetary_minor"])
    three = rows[3]
    assert three["orders"] is None and three["frequency"] is None
    assert (three["interactions"], three["tickets"], three["open_tickets"]) == (2, 2, 1)
    assert (three["last_nps"], three["last_csat"]) == (9, 4)
    assert rows[1]["interactions"] == 0 and rows[1]["last_nps"] is None


def test_buyers_only(source: Source) -> None:
    table = customer_summary(source, SummaryParams(as_of=AS_OF, buyers_only=True))
    assert table.column("customer_id").to_pylist() == [1, 2]
