"""The churn model's features and labels on a fixture worked out by hand."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pytest

from rapport.analytics.common import BadParameter
from rapport.analytics.features import FEATURES, FeatureParams, churn_features, churn_labels
from rapport.analytics.models import bgnbd
from rapport.analytics.source import Source
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

AS_OF = date(2026, 6, 30)  # the cut-off moment is midnight starting 1 July
PARAMS = FeatureParams(as_of=AS_OF, recent_days=90, trend_days=90)  # windows from 2 Apr, 2 Jan


def _event(eid: int, cid: int | None, session: str, day: str) -> dict[str, Any]:
    return {"id": eid, "customer_id": cid, "session_id": session, "name": "page_view",
            "properties": {}, "occurred_at": at(day)}  # fmt: skip


def _tables() -> dict[str, list[dict[str, Any]]]:
    """Customers created 1 January 2026 (6 on 1 November 2025).

    1: paid 100 + 50 on 1 Feb, 200 on 1 Mar, 300 on 1 May (a refund on 1 Apr is none);
       calls 15 Feb and 1 Jun; tickets opened 10 Mar (resolved 2 days later), 1 Jun
       12:00 (resolved 18:00, a quarter day) and 20 Jun (open); NPS 3 on 1 Jun, CSAT 2
       on 1 May; web: sessions a (3 events) and b (1) in June, c in January, and an
       anonymous event.
    2: paid 70 USD on 2 Jan (no CNY purchase) and again on 15 Jul, after the cut-off.
    3: paid 90 on 1 Mar only.
    4: never bought.
    5: paid 40 on 1 Jun.
    6: paid 60 on 1 Dec 2025 only (churned by the cut-off: 211 days).
    """
    customers = [customer_row(c, "wechat") for c in (1, 2, 3, 4, 5)]
    customers.append(customer_row(6, "email", created_at=at("2025-11-01")))
    return {
        "customers": customers,
        "orders": [
            order_row(1, 1, "2026-02-01", 100), order_row(2, 1, "2026-02-01", 50),
            order_row(3, 1, "2026-03-01", 200), order_row(4, 1, "2026-05-01", 300),
            order_row(5, 1, "2026-04-01", 999, status="refunded"),
            order_row(6, 2, "2026-01-02", 70, currency="USD"),
            order_row(7, 2, "2026-07-15", 70, currency="USD"),
            order_row(8, 3, "2026-03-01", 90), order_row(9, 5, "2026-06-01", 40),
            order_row(10, 6, "2025-12-01", 60),
        ],
        "interactions": [interaction_row(1, 1, "2026-02-15"), interaction_row(2, 1, "2026-06-01")],
        "tickets": [
            ticket_row(1, 1, "2026-03-10", resolved_at=at("2026-03-12"), status="closed"),
            ticket_row(2, 1, "2026-06-01", resolved_at=at("2026-06-01", "18:00:00"),
                       status="closed"),
            ticket_row(3, 1, "2026-06-20"),
        ],
        "surveys": survey_rows(),
        "survey_responses": [answer_row(1, 1, 3, "2026-06-01"), answer_row(2, 1, 2, "2026-05-01")],
        "events": [
            _event(1, 1, "a", "2026-06-02"), _event(2, 1, "a", "2026-06-02"),
            _event(3, 1, "a", "2026-06-02"), _event(4, 1, "b", "2026-06-10"),
            _event(5, 1, "c", "2026-01-10"), _event(6, None, "d", "2026-06-10"),
        ],
    }  # fmt: skip


source = source_fixture(_tables)


def test_the_features_of_each_customer(source: Source) -> None:
    table = churn_features(source, PARAMS, horizon_days=90)
    assert table.column_names == ["customer_id", *FEATURES, "idle_after"]
    rows = {row["customer_id"]: row for row in table.to_pylist()}
    assert set(rows) == {1, 2, 3, 5, 6}  # 4 never bought
    one = rows[1]
    # purchase days 1 Feb, 1 Mar, 1 May: 1 May → 30 Jun is 60 days; 1 Feb → 1 May is 89
    # days over 2 gaps; 1 May is in the last 90 days (from 2 Apr), 1 Feb and 1 Mar in the
    # 90 before; 650 over 4 paid orders; 1 Feb → 30 Jun is 149 days, 1 Jan → 30 Jun 180
    assert (one["days_since_purchase"], one["usual_gap_days"], one["purchase_days"]) == (
        60,
        44.5,
        3,
    )
    assert (one["purchases_recent"], one["purchases_previous"]) == (1, 2)
    assert (one["revenue_minor"], one["order_value_minor"]) == (650, 162.5)
    assert (one["customer_days"], one["tenure_days"]) == (149, 180)
    # calls 15 Feb and 1 Jun (29 days before 30 Jun; the only one since 2 Apr)
    assert (one["interactions"], one["interactions_recent"], one["days_since_interaction"]) == (
        2,
        1,
        29,
    )
    # tickets: 3, two opened since 2 Apr, one open; resolved in 2 and 0.25 days
    assert (one["tickets"], one["tickets_recent"], one["open_tickets"]) == (3, 2, 1)
    assert one["mean_resolution_days"] == pytest.approx(1.125)
    assert one["last_resolution_days"] == pytest.approx(0.25)
    assert (one["last_nps"], one["last_csat"]) == (3, 2)
    assert (one["sessions_recent"], one["events_recent"]) == (2, 4)  # a and b; c is older
    two = rows[2]  # bought in USD only: no CNY value, no P(alive)
    assert (two["days_since_purchase"], two["purchase_days"], two["revenue_minor"]) == (179, 1, 0)
    assert two["usual_gap_days"] is None and two["p_alive"] is None
    assert two["order_value_minor"] is None or math.isnan(two["order_value_minor"])
    assert rows[3]["usual_gap_days"] is None and rows[3]["p_alive"] == 1.0  # x = 0: alive
    assert (rows[3]["last_nps"], rows[3]["days_since_interaction"]) == (None, None)
    assert (rows[3]["tickets"], rows[3]["mean_resolution_days"]) == (0, None)
    # idle at the window's end (28 Sep): 2 last bought 15 Jul (75 days), 3 on 1 Mar (211)
    assert (two["idle_after"], rows[3]["idle_after"], rows[5]["idle_after"]) == (75, 211, 119)


def test_p_alive_is_the_bgnbd_of_the_same_cut_off(source: Source) -> None:
    """CNY buyers 1, 3, 5, 6 as (x, t_x, T): (2, 89, 149), (0, 0, 121), (0, 0, 29),
    (0, 0, 211)."""
    table = churn_features(source, PARAMS)
    model = bgnbd.fit([2, 0, 0, 0], [89, 0, 0, 0], [149, 121, 29, 211])
    alive = dict(zip(table["customer_id"].to_pylist(), table["p_alive"].to_pylist(), strict=True))
    assert alive[1] == pytest.approx(float(model.p_alive(2, 89, 149)), rel=1e-6)


def test_the_labels(source: Source) -> None:
    """Churned at 180 days, a 90-day window: 6 (211 days idle) has churned already;
    5 (29) cannot churn by 28 Sep; 1 (60) neither; 2 (179) is at stake and buys on 15 Jul;
    3 (121) is at stake and does not buy: churned 28 Aug."""
    table = churn_features(source, PARAMS, horizon_days=90)
    labels = churn_labels(table, horizon_days=90, churned_days=180)
    ids = table["customer_id"].to_pylist()
    assert ids == [1, 2, 3, 5, 6]
    assert labels.active.tolist() == [True, True, True, True, False]
    assert labels.at_stake.tolist() == [False, True, True, False, False]
    assert labels.churned.tolist() == [False, False, True, False, False]
    # a 190-day window (to 6 Jan 2027): everyone active is at stake; 2 last bought 15 Jul
    # (175 days before), 1, 3 and 5 have churned
    long = churn_labels(churn_features(source, PARAMS, horizon_days=190), 190, 180)
    assert long.at_stake.tolist() == [True, True, True, True, False]
    assert long.churned.tolist() == [True, False, True, True, False]


def test_bad_windows_are_refused() -> None:
    with pytest.raises(BadParameter) as error:
        FeatureParams(as_of=AS_OF, recent_days=0)
    assert error.value.field == "recent_days"


def test_a_big_sample_is_drawn_for_the_fit() -> None:
    from rapport.analytics.features import _sample

    x = np.arange(10.0)
    assert len(_sample(x, x, x, 4)[0]) == 4
    assert np.array_equal(_sample(x, x, x, 20)[0], x)
