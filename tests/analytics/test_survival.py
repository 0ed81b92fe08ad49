"""Kaplan–Meier survival and churn drift (docs/metrics.md) on fixtures small enough to
work out by hand, read from SQLite, PostgreSQL and a folder of CSV files; and the survival
curve recovered from customers generated with a known exponential drop-out."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rapport.analytics.common import BadParameter
from rapport.analytics.source import Source
from rapport.analytics.survival import (
    DriftParams,
    SurvivalParams,
    last_item_drift,
    purchase_drift,
    survival,
)
from tests.analytics.conftest import NOW, customer_row, order_row, source_fixture

AS_OF = date(2026, 6, 30)

# Survival with 30 inactive days at 2026-06-30: (customer, channel, paid order days).
#   1  first = last = 01-01: churned 01-31, lifetime 30 days
#   2  01-01 … 03-01 (59 days): churned 03-31, lifetime 59 + 30 = 89
#   3  02-01 … 06-20: 10 days since the last, active; censored at 149 (02-01 → 06-30)
#   4  03-01 … 03-31 (30 days): churned 04-30, lifetime 60
#   5  06-10 only: 20 days since, active; censored at 20
#   6  04-01 … 05-31 (60 days): churned on 06-30 itself (counted), lifetime 90
#   7  05-15 only: churned 06-14, lifetime 30
LIVES = [
    (1, "wechat", ["2026-01-01"]),
    (2, "wechat", ["2026-01-01", "2026-02-10", "2026-03-01"]),
    (3, "wechat", ["2026-02-01", "2026-06-20"]),
    (4, "email", ["2026-03-01", "2026-03-31"]),
    (5, "email", ["2026-06-10"]),
    (6, "email", ["2026-04-01", "2026-05-31"]),
    (7, "email", ["2026-05-15"]),
]


def _survival_tables() -> dict[str, list[dict[str, Any]]]:
    customers = [customer_row(c, channel) for c, channel, _ in LIVES] + [customer_row(8, "email")]
    orders = [order_row(10 * c + i, c, day, 100)
              for c, _, days in LIVES for i, day in enumerate(days)]  # fmt: skip
    orders += [
        order_row(200, 7, "2026-06-20", 100, status="refunded"),  # would keep 7 active
        order_row(201, 5, "2026-07-05", 100),  # after as_of
        order_row(202, 3, "2026-01-10", 100, status="cancelled"),  # would move 3's start
        order_row(203, 8, "2026-01-10", 100, status="cancelled"),  # 8 never bought
    ]
    return {"customers": customers, "orders": orders}


lives = source_fixture(_survival_tables)


def test_kaplan_meier_by_hand(lives: Source) -> None:
    """Lifetimes 20+ (censored), 30, 30, 60, 89, 90, 149+. The product-limit estimate
    S(t) = ∏_{t_i ≤ t} (1 − d_i / n_i), n_i = lifetimes ≥ t_i:

        t    n  d   S(t)
        30   6  2   4/6             = 0.6667
        60   4  1   4/6 · 3/4       = 0.5
        89   3  1   0.5 · 2/3       = 0.3333
        90   2  1   0.3333 · 1/2    = 0.1667

    (the customer censored on day 20 leaves the risk set before day 30; the one on day
    149 is never seen to churn). Median: the first day S ≤ 50 %, day 60.

    Interval on day 30 (exponential Greenwood): V = (2 / (6 · 4)) / ln(2/3)² = 0.50690,
    c = exp(1.959964 · √V) = 4.0365; S^c = 19.46 %, S^(1/c) = 90.44 %. Day 60:
    V = (1/12 + 1/(4 · 3)) / ln(0.5)² = 0.34686, c = 3.1088: 11.09 % … 80.37 %.
    """
    (curve,) = survival(lives, SurvivalParams(as_of=AS_OF, inactive_days=30))
    assert (curve.group, curve.customers, curve.churned, curve.median_days) == ("all", 7, 5, 60)
    got = [(p.day, round(p.survival, 2), p.at_risk) for p in curve.points]
    assert got == [(0, 100.0, 7), (30, 66.67, 6), (60, 50.0, 4), (89, 33.33, 3), (90, 16.67, 2)]
    intervals = {p.day: (round(p.low, 2), round(p.high, 2)) for p in curve.points}
    assert intervals[0] == (100.0, 100.0)
    assert intervals[30] == (19.46, 90.44)
    assert intervals[60] == (11.09, 80.37)


def test_kaplan_meier_on_a_grid_of_days(lives: Source) -> None:
    """Every 50 days up to the longest lifetime (149): on day 50 the curve is still at its
    day-30 step (66.67 %) with 60, 89, 90 and 149 at risk; on day 100 it is at the day-90
    step (16.67 %) with only 149 left."""
    (curve,) = survival(lives, SurvivalParams(as_of=AS_OF, inactive_days=30, every=50))
    got = [(p.day, round(p.survival, 2), p.at_risk) for p in curve.points]
    assert got == [(0, 100.0, 7), (50, 66.67, 4), (100, 16.67, 1)]


def test_kaplan_meier_by_channel(lives: Source) -> None:
    """wechat (1, 2, 3): 30, 89, 149+ → S = 2/3 from day 30, 1/3 from day 89; median 89.
    email (4–7): 20+, 30, 60, 90 → n = 3 on day 30 (2/3), 2 on day 60 (1/3), 1 on day 90
    (0); median 60."""
    params = SurvivalParams(as_of=AS_OF, inactive_days=30, by="channel")
    curves = {c.group: c for c in survival(lives, params)}
    assert set(curves) == {"email", "wechat"}
    wechat, email = curves["wechat"], curves["email"]
    assert (wechat.customers, wechat.churned, wechat.median_days) == (3, 2, 89)
    assert [(p.day, round(p.survival, 2)) for p in wechat.points] == [
        (0, 100.0), (30, 66.67), (89, 33.33)]  # fmt: skip
    assert (email.customers, email.churned, email.median_days) == (4, 3, 60)
    assert [(p.day, round(p.survival, 2), p.at_risk) for p in email.points] == [
        (0, 100.0, 4), (30, 66.67, 3), (60, 33.33, 2), (90, 0.0, 1)]  # fmt: skip


def test_the_median_is_none_while_the_curve_stays_above_half(lives: Source) -> None:
    """At 2026-01-31 with 60 inactive days only 1 and 2 have bought (both on 01-01; 2's
    February order and 3's cancelled one do not count), 30 days ago: both active, censored
    at 30. Nobody churned, so the curve stays at 100 % and has no median."""
    (curve,) = survival(lives, SurvivalParams(as_of=date(2026, 1, 31), inactive_days=60))
    assert (curve.customers, curve.churned, curve.median_days) == (2, 0, None)
    assert [(p.day, p.survival, p.at_risk) for p in curve.points] == [(0, 100.0, 2)]


def test_survival_refuses_bad_parameters(lives: Source) -> None:
    with pytest.raises(BadParameter, match="inactive_days"):
        survival(lives, SurvivalParams(as_of=AS_OF, inactive_days=0))
    with pytest.raises(BadParameter, match="every"):
        survival(lives, SurvivalParams(as_of=AS_OF, every=0))
    with pytest.raises(BadParameter, match="by"):
        survival(lives, SurvivalParams(as_of=AS_OF, by="shoe_size"))


# -- a known exponential drop-out ----------------------------------------------------------

MEAN_LIFE = 400.0  # days
EVERY = 30  # days between a customer's orders
GAP = 180  # inactive days that make a customer churned
TOLERANCE = 0.02  # absolute, on S(t): five times the largest standard error here (0.004)


def test_kaplan_meier_recovers_an_exponential_drop_out(tmp_path: Path) -> None:
    """20,000 customers join on a day uniform over the 4 years before as_of and would stop
    buying after D ~ Exponential(mean 400 days); they order on the day they join and every
    30 days while the days since joining are at most D (and the day is at most as_of).

    Their last order is at 30·⌊D/30⌋, so churn is seen at L = 30·⌊D/30⌋ + 180 unless that
    is after as_of (then the lifetime is censored at as_of, independently of D). Hence, for
    t ≥ 180, S(t) = P(L > t) = P(⌊D/30⌋ ≥ ⌊(t − 180)/30⌋ + 1)
    = exp(−30 · (⌊(t − 180)/30⌋ + 1) / 400), and S(t) = 1 before day 180.
    """
    rng = np.random.default_rng(20260630)
    n = 20_000
    joined = rng.integers(0, 4 * 365, n)  # days before as_of
    life = rng.exponential(MEAN_LIFE, n)
    ids, days = [], []
    for cid, (back, d) in enumerate(zip(joined, life, strict=True), 1):
        count = int(min(d, back) // EVERY) + 1
        ids.append(np.full(count, cid))
        days.append(-int(back) + EVERY * np.arange(count))
    customer_ids, offsets = np.concatenate(ids), np.concatenate(days)
    noon = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 12)
    ordered_at = [noon + timedelta(days=int(k)) for k in offsets]
    orders = pa.table({
        "id": np.arange(1, len(customer_ids) + 1), "customer_id": customer_ids,
        "status": ["paid"] * len(customer_ids), "currency": ["CNY"] * len(customer_ids),
        "total_minor": np.full(len(customer_ids), 100),
        "ordered_at": pa.array(ordered_at, pa.timestamp("us")),
    })  # fmt: skip
    pq.write_table(orders, tmp_path / "orders.parquet")

    (curve,) = survival(Source.from_folder(tmp_path),
                        SurvivalParams(as_of=AS_OF, inactive_days=GAP, every=15))  # fmt: skip
    assert curve.customers == n
    at = {p.day: p for p in curve.points}

    def truth(t: int) -> float:
        return 1.0 if t < GAP else math.exp(-EVERY * ((t - GAP) // EVERY + 1) / MEAN_LIFE)

    for t in (90, 195, 300, 450, 600, 900, 1200):
        point = at[t]
        assert abs(point.survival / 100 - truth(t)) < TOLERANCE, (t, point, truth(t))
        assert point.low <= 100 * truth(t) <= point.high, (t, point, truth(t))
    # S(t) first falls below one half on day 30 · 9 + 180 = 450: exp(−300/400) = 0.472,
    # after exp(−270/400) = 0.509 from day 420
    assert curve.median_days is not None and abs(curve.median_days - 450) <= 30


# -- drift ---------------------------------------------------------------------------------

# Drift with 30 inactive days at 2026-06-30: (customer, [(day, products of the order)]).
#   11  01-10 [P1]                       1 order, churned
#   12  01-05 [P2], 02-01 [P1, P3]       2 orders, churned, last held P1 and P3
#   13  03-01, 04-01, 06-15 [P2]         3 orders, active
#   14  06-20 [P1]                       1 order, active
#   15  02-01 … 05-15 [P3]               5 orders, churned (46 days)
#   16  six orders, 06-25 [P2, P2]       6 orders (5+), active
#   17  05-31 [P3]                       1 order, churned on 06-30 itself
# Products: P1 in category 1 (茶具), P2 in category 2 (茶叶), P3 without a category.
DRIFT = [
    (11, [("2026-01-10", [1])]),
    (12, [("2026-01-05", [2]), ("2026-02-01", [1, 3])]),
    (13, [("2026-03-01", [2]), ("2026-04-01", [2]), ("2026-06-15", [2])]),
    (14, [("2026-06-20", [1])]),
    (15, [("2026-02-01", [1]), ("2026-03-01", [1]), ("2026-04-01", [2]), ("2026-05-01", [2]),
          ("2026-05-15", [3])]),
    (16, [("2026-01-01", [1]), ("2026-02-01", [1]), ("2026-03-01", [1]), ("2026-04-01", [1]),
          ("2026-05-01", [1]), ("2026-06-25", [2, 2])]),
    (17, [("2026-05-31", [3])]),
]  # fmt: skip


def _drift_tables() -> dict[str, list[dict[str, Any]]]:
    customers = [customer_row(c, "direct") for c, _ in DRIFT]
    categories = [{"id": i, "name": name, "created_at": NOW, "updated_at": NOW}
                  for i, name in ((1, "茶具"), (2, "茶叶"))]  # fmt: skip
    products = [{"id": p, "sku": f"P{p}", "name": f"产品{p}", "category_id": category,
                 "unit_price_minor": 100, "currency": "CNY", "is_active": True,
                 "created_at": NOW, "updated_at": NOW}
                for p, category in ((1, 1), (2, 2), (3, None))]  # fmt: skip
    orders, items = [], []
    for cid, bought in DRIFT:
        for day, lines in bought:
            oid = len(orders) + 1
            orders.append(order_row(oid, cid, day, 100 * len(lines)))
            items += [{"id": len(items) + i, "order_id": oid, "product_id": p, "quantity": 1,
                       "unit_price_minor": 100, "discount_minor": 0, "line_total_minor": 100}
                      for i, p in enumerate(lines, 1)]  # fmt: skip
    orders += [
        order_row(100, 11, "2026-06-01", 100, status="cancelled"),  # would keep 11 active
        order_row(101, 14, "2026-07-05", 100),  # after as_of
    ]
    items.append({"id": 100, "order_id": 100, "product_id": 2, "quantity": 1,  # cancelled
                  "unit_price_minor": 100, "discount_minor": 0,
                  "line_total_minor": 100})  # fmt: skip
    return {"customers": customers, "product_categories": categories, "products": products,
            "orders": orders, "order_items": items}  # fmt: skip


drifts = source_fixture(_drift_tables)


def test_purchase_drift_by_hand(drifts: Source) -> None:
    """Churned: 11 (1 order), 12 (2), 15 (5), 17 (1): four. Active: 13 (3), 14 (1), 16 (6
    → 5+): three.

        purchases  churned  stayed  churned %  stayed %  churn rate
        1          2        1       50         33.33     2/3 = 66.67 (Wilson 20.77–93.85)
        2          1        0       25         0         100
        3          0        1       0          33.33     0
        4          0        0       0          0         none
        5+         1        1       25         33.33     50
    """
    rows = purchase_drift(drifts, DriftParams(as_of=AS_OF, inactive_days=30))
    got = [(r.purchases, r.churned, r.stayed, r.churned_share, _r(r.stayed_share), _r(r.rate))
           for r in rows]  # fmt: skip
    assert got == [
        ("1", 2, 1, 50.0, 33.33, 66.67),
        ("2", 1, 0, 25.0, 0.0, 100.0),
        ("3", 0, 1, 0.0, 33.33, 0.0),
        ("4", 0, 0, 0.0, 0.0, None),
        ("5+", 1, 1, 25.0, 33.33, 50.0),
    ]
    assert (_r(rows[0].low), _r(rows[0].high)) == (20.77, 93.85)
    assert (rows[3].low, rows[3].high) == (None, None)


def test_product_drift_by_hand(drifts: Source) -> None:
    """Last orders: 11 [P1], 12 [P1, P3], 13 [P2], 14 [P1], 15 [P3], 16 [P2, P2], 17 [P3].
    Overall churn: 4 of 7 = 57.14 %.

        P3  churned 12, 15, 17; stayed none   3/3 = 100 %   lift 1 / (4/7) = 1.75
        P1  churned 11, 12; stayed 14         2/3 = 66.67 % lift (2/3) / (4/7) = 1.1667
        P2  stayed 13, 16 (16's two lines count once): 2 customers, below the minimum 3
    """
    rows = last_item_drift(drifts, DriftParams(as_of=AS_OF, inactive_days=30, min_customers=3))
    got = [(r.id, r.name, r.churned, r.stayed, r.customers, _r(r.rate), _r(r.lift, 4))
           for r in rows]  # fmt: skip
    assert got == [(3, "产品3", 3, 0, 3, 100.0, 1.75), (1, "产品1", 2, 1, 3, 66.67, 1.1667)]
    assert (_r(rows[1].low), _r(rows[1].high)) == (20.77, 93.85)
    everything = last_item_drift(drifts, DriftParams(as_of=AS_OF, inactive_days=30,
                                                     min_customers=1))  # fmt: skip
    assert [(r.id, r.churned, r.stayed, r.rate) for r in everything][-1] == (2, 0, 2, 0.0)


def test_category_drift_by_hand(drifts: Source) -> None:
    """Categories of the last orders: 茶具 (P1): churned 11, 12, stayed 14 → 66.67 %;
    茶叶 (P2): stayed 13, 16 → 0 %; no category (P3): churned 12, 15, 17 → 100 %."""
    rows = last_item_drift(drifts, DriftParams(as_of=AS_OF, inactive_days=30, min_customers=1),
                           "category")  # fmt: skip
    got = [(r.id, r.name, r.churned, r.stayed, _r(r.rate)) for r in rows]
    assert got == [(None, None, 3, 0, 100.0), (1, "茶具", 2, 1, 66.67), (2, "茶叶", 0, 2, 0.0)]


def test_drift_refuses_bad_parameters(drifts: Source) -> None:
    with pytest.raises(BadParameter, match="min_customers"):
        last_item_drift(drifts, DriftParams(as_of=AS_OF, min_customers=0))
    with pytest.raises(BadParameter, match="level"):
        last_item_drift(drifts, DriftParams(as_of=AS_OF), "brand")  # type: ignore[arg-type]
    with pytest.raises(BadParameter, match="purchase_buckets"):
        purchase_drift(drifts, DriftParams(as_of=AS_OF, purchase_buckets=1))


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def test_the_cli_prints_curves_and_drift_as_csv(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from rapport.cli import app
    from tests.analytics.conftest import write_folder

    runner = CliRunner()
    lives_folder = write_folder(_survival_tables(), _folder(tmp_path / "lives"))
    result = runner.invoke(app, ["analyze", "survival", "--as-of", "2026-06-30",
                                 "--inactive-days", "30", "--source", str(lives_folder),
                                 "--format", "csv"])  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "group,customers,churned,median_days,day,survival,low,high,at_risk"
    assert lines[2] == "all,7,5,60,30,66.67,19.46,90.44,6"
    drift_folder = write_folder(_drift_tables(), _folder(tmp_path / "drift"))
    result = runner.invoke(app, ["analyze", "drift", "categories", "--as-of", "2026-06-30",
                                 "--inactive-days", "30", "--min-customers", "3",
                                 "--source", str(drift_folder), "--format", "csv"])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = result.output.strip().splitlines()[1:]
    assert rows == [",,3,0,3,100.00,43.85,100.00,1.75", "1,茶具,2,1,3,66.67,20.77,93.85,1.17"]
    bad = runner.invoke(app, ["analyze", "drift", "brands", "--source", str(drift_folder)])
    assert bad.exit_code == 2
    assert "view:" in bad.output


def _folder(path: Path) -> Path:
    path.mkdir()
    return path
