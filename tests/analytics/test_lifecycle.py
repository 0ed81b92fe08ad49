"""Lifecycle stages over time on six customers worked out by hand (thresholds: at risk
after 30 quiet days, churned after 60, loyal from 3 orders).

All customers are created on 1 January 2026 at midnight but 6 (1 March, 08:00); orders
and calls are at noon:

1. nothing: a lead throughout.
2. a call on 10 Jan: prospect from then.
3. a call on 5 Jan, paid 20 Jan: first-time buyer; at risk from 19 Feb (20 Jan + 30
   days), churned from 21 Mar (+ 60).
4. paid 10 Jan, 20 Jan, 1 Feb: first-time, repeat, loyal; at risk from 3 Mar, churned
   from 2 Apr.
5. paid 5 Jan and 10 Mar: first-time; at risk 4 Feb; churned 6 Mar; won back on 10 Mar
   (64 days after the first purchase, at least 60).
6. created 1 Mar at 08:00, paid 5 Mar: a lead for 4 days and 4 hours, then first-time.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rapport.analytics.common import BadParameter
from rapport.analytics.lifecycle import (
    LifecycleParams,
    stage_counts,
    stages_on,
    time_in_stage,
    transitions,
)
from rapport.analytics.source import Source
from rapport.customers.lifecycle import LifecycleThresholds, stage_at
from tests.analytics.conftest import (
    at,
    customer_row,
    interaction_row,
    order_row,
    source_fixture,
)

PARAMS = LifecycleParams(LifecycleThresholds(at_risk_days=30, churned_days=60, loyal_orders=3))
ORDERS = [(3, "2026-01-20"), (4, "2026-01-10"), (4, "2026-01-20"), (4, "2026-02-01"),
          (5, "2026-01-05"), (5, "2026-03-10"), (6, "2026-03-05")]  # fmt: skip
CALLS = [(2, "2026-01-10"), (3, "2026-01-05")]
DAYS = [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]


def _tables() -> dict[str, list[dict[str, Any]]]:
    customers = [customer_row(c, "email" if c % 2 else "wechat") for c in range(1, 6)]
    customers.append(customer_row(6, "email", created_at=at("2026-03-01", "08:00:00")))
    return {
        "customers": customers,
        "orders": [order_row(i, c, day, 100) for i, (c, day) in enumerate(ORDERS, 1)],
        "interactions": [interaction_row(i, c, day) for i, (c, day) in enumerate(CALLS, 1)],
    }


source = source_fixture(_tables)


def test_stage_counts_at_month_ends(source: Source) -> None:
    rows = stage_counts(source, PARAMS, DAYS)
    got = {(r.day, r.stage): r.customers for r in rows}
    assert got == {
        (DAYS[0], "lead"): 1, (DAYS[0], "prospect"): 1, (DAYS[0], "first_time"): 2,
        (DAYS[0], "repeat"): 1,
        (DAYS[1], "lead"): 1, (DAYS[1], "prospect"): 1, (DAYS[1], "loyal"): 1,
        (DAYS[1], "at_risk"): 2,
        (DAYS[2], "lead"): 1, (DAYS[2], "prospect"): 1, (DAYS[2], "first_time"): 1,
        (DAYS[2], "at_risk"): 1, (DAYS[2], "churned"): 1, (DAYS[2], "won_back"): 1,
    }  # fmt: skip
    assert [r.percent for r in rows if r.day == DAYS[0]] == [20.0, 20.0, 40.0, 20.0]


def test_stages_agree_with_the_stored_rule(source: Source) -> None:
    """The engine's timeline gives what ``stage_at`` gives one customer at a time."""
    for day in [date(2026, 1, d) for d in (4, 5, 19, 20)] + DAYS + [date(2026, 3, 9)]:
        rows = source.to_arrow(stages_on(source, PARAMS, day)).to_pylist()
        got = {r["customer_id"]: r["stage"] for r in rows}
        expected = {}
        for c in range(1, 7):
            if c == 6 and day < date(2026, 3, 1):
                continue
            bought = sorted(date.fromisoformat(d).toordinal() for k, d in ORDERS if k == c)
            contacted = any(k == c and date.fromisoformat(d) <= day for k, d in CALLS)
            stage = stage_at(contacted=contacted, purchase_days=bought,
                             as_of=day.toordinal(), thresholds=PARAMS.thresholds)  # fmt: skip
            expected[c] = stage.value
        assert got == expected, day


def test_transitions_between_two_dates(source: Source) -> None:
    rows = transitions(source, PARAMS, DAYS[0], DAYS[2])
    assert [(r.before, r.after, r.customers, r.percent) for r in rows] == [
        ("new", "first_time", 1, 100.0),
        ("lead", "lead", 1, 100.0),
        ("prospect", "prospect", 1, 100.0),
        ("first_time", "churned", 1, 50.0),
        ("first_time", "won_back", 1, 50.0),
        ("repeat", "at_risk", 1, 100.0),
    ]


def test_time_in_stage(source: Source) -> None:
    """Completed stays by 31 March: lead 9.5 (2), 4.5 (3), 9.5 (4), 4.5 (5), 4 1/6 (6);
    prospect 15 (3); first-time 29.5 (3), 10 (4), 29.5 (5); repeat 12; loyal 29.5;
    at risk 30 (3), 30 (5); churned 4.5 (5). Ongoing: lead 1, prospect 2, first-time 6,
    at risk 4, churned 3, won back 5."""
    rows = {r.stage: r for r in time_in_stage(source, PARAMS, DAYS[2])}
    got = {s: (r.completed, r.ongoing, r.median_days) for s, r in rows.items()}
    assert got == {
        "lead": (5, 1, 4.5), "prospect": (1, 1, 15.0), "first_time": (3, 1, 29.5),
        "repeat": (1, 0, 12.0), "loyal": (1, 0, 29.5), "at_risk": (2, 1, 30.0),
        "churned": (1, 1, 4.5), "won_back": (0, 1, None),
    }  # fmt: skip
    lead = rows["lead"]
    assert (lead.p25_days, lead.p75_days) == (4.5, 9.5)
    assert lead.mean_days == pytest.approx((4 + 1 / 6 + 4.5 + 4.5 + 9.5 + 9.5) / 5)
    assert rows["first_time"].mean_days == pytest.approx(23.0)


def test_counts_by_a_customer_field(source: Source) -> None:
    params = LifecycleParams(PARAMS.thresholds, by="channel")
    rows = stage_counts(source, params, [DAYS[2]])
    got = {(r.group, r.stage): r.customers for r in rows}
    # email: 1 (lead), 3 (churned), 5 (won back), 6 (first-time); wechat: 2, 4
    assert got == {("email", "lead"): 1, ("email", "churned"): 1, ("email", "won_back"): 1,
                   ("email", "first_time"): 1, ("wechat", "prospect"): 1,
                   ("wechat", "at_risk"): 1}  # fmt: skip


def test_thresholds_out_of_order_are_refused(source: Source) -> None:
    params = LifecycleParams(LifecycleThresholds(at_risk_days=90, churned_days=60))
    with pytest.raises(BadParameter, match="thresholds"):
        stage_counts(source, params, DAYS)
