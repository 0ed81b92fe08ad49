"""Value and behaviour on a fixture worked out by hand.

Customers: 1 (wechat) created 15 Dec 2025; 2 (wechat) 10 Jan 2026; 3 (email) 5 Feb,
brought by 1; 4 (email) 20 Feb, brought by 1; 5 created 1 Apr (after everything).
Paid orders in yuan: 1 — 100 on 20 Dec, 200 on 5 Jan, 300 on 25 Jan; 2 — 50 on 15 Jan
(and a refund on 10 Mar); 3 — 400 on 10 Feb, 100 on 1 Mar; 4 — 60 on 15 Mar (and $999
on 25 Feb, another currency but a purchase all the same). Interactions: 1 on 3 Jan,
2 on 12 Jan, 3 on 6 Feb and 2 Mar.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rapport.analytics.source import Source
from rapport.analytics.value import ValueParams, ValueSummaryParams, value_over_time, value_summary
from tests.analytics.conftest import (
    at,
    customer_row,
    interaction_row,
    order_row,
    source_fixture,
)


def _tables() -> dict[str, list[dict[str, Any]]]:
    return {
        "customers": [
            customer_row(1, "wechat", created_at=at("2025-12-15")),
            customer_row(2, "wechat", created_at=at("2026-01-10")),
            customer_row(3, "email", created_at=at("2026-02-05"), referred_by_id=1),
            customer_row(4, "email", created_at=at("2026-02-20"), referred_by_id=1),
            customer_row(5, "email", created_at=at("2026-04-01")),
        ],
        "orders": [
            order_row(1, 1, "2025-12-20", 100), order_row(2, 1, "2026-01-05", 200),
            order_row(3, 1, "2026-01-25", 300), order_row(4, 2, "2026-01-15", 50),
            order_row(5, 2, "2026-03-10", 70, status="refunded"),
            order_row(6, 3, "2026-02-10", 400), order_row(7, 3, "2026-03-01", 100),
            order_row(8, 4, "2026-02-25", 999, currency="USD"), order_row(9, 4, "2026-03-15", 60),
        ],
        "interactions": [interaction_row(1, 1, "2026-01-03"), interaction_row(2, 2, "2026-01-12"),
                         interaction_row(3, 3, "2026-02-06"), interaction_row(4, 3, "2026-03-02")],
    }  # fmt: skip


source = source_fixture(_tables)


def test_value_per_month(source: Source) -> None:
    rows = value_over_time(source, ValueParams(start=date(2026, 1, 1), end=date(2026, 3, 31)))
    got = [(r.period, r.customers_at_start, r.new_customers, r.customers_at_end, r.growth_rate,
            r.buyers, r.orders, r.revenue_minor, round(r.aov_minor, 2), r.purchase_frequency,
            r.repeat_buyers, r.repeat_rate, r.returning_buyers, r.interactions,
            r.interactions_per_customer) for r in rows]  # fmt: skip
    assert got == [
        # January: 1 existed, 2 joined; 1 bought twice (500, and in December before), 2 once
        (date(2026, 1, 1), 1, 1, 2, 100.0, 2, 3, 550, 183.33, 1.5, 1, 50.0, 1, 2, 1.0),
        (date(2026, 2, 1), 2, 2, 4, 100.0, 1, 1, 400, 400.0, 1.0, 0, 0.0, 0, 1, 0.25),
        # March: 3 bought again; 4's first purchase was in dollars in February
        (date(2026, 3, 1), 4, 0, 4, 0.0, 2, 2, 160, 80.0, 1.0, 0, 0.0, 2, 1, 0.25),
    ]


def test_value_per_month_by_channel(source: Source) -> None:
    params = ValueParams(start=date(2026, 2, 1), end=date(2026, 2, 28), by="channel")
    rows = {r.group: r for r in value_over_time(source, params)}
    assert (rows["wechat"].customers_at_start, rows["wechat"].new_customers) == (2, 0)
    assert (rows["email"].customers_at_start, rows["email"].new_customers) == (0, 2)
    assert rows["email"].revenue_minor == 400 and rows["wechat"].revenue_minor == 0


def test_value_summary(source: Source) -> None:
    (row,) = value_summary(source, ValueSummaryParams(as_of=date(2026, 3, 31)))
    # revenue per buyer: 1 → 600, 2 → 50, 3 → 500, 4 → 60
    assert (row.customers, row.buyers, row.orders, row.revenue_minor) == (4, 4, 7, 1210)
    assert row.value_mean_minor == 302.5
    assert row.value_median_minor == 280.0  # (60 + 500) / 2
    assert row.value_p90_minor == pytest.approx(570.0)  # 500 + 0.7 × (600 − 500)
    assert row.aov_minor == pytest.approx(1210 / 7)
    assert (row.purchase_frequency, row.repeat_buyers, row.repurchase_rate) == (1.75, 2, 50.0)
    assert row.interactions_per_customer == 1.0
    assert (row.referrers, row.referral_rate, row.referred) == (1, 25.0, 2)
    assert row.referred_value_mean_minor == 280.0  # 3 and 4: (500 + 60) / 2
    assert row.others_value_mean_minor == 325.0  # 1 and 2: (600 + 50) / 2
