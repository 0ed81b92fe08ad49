"""Recommendations and their leave-last-out evaluation, worked out by hand on a tiny
fixture (in every kind of source), then on generated baskets with a known structure
and on the demo data.

Products 1–5 are on sale, 6 is no longer offered (``is_active`` false) and 7 is in the
recycle bin. Paid orders (purchase days), up to 31 Mar 2026:

- customer 1: {1, 2} on 10 Jan; {3} on 10 Feb (31 days later); a refunded {4};
- customer 2: {1, 2} and {3} in two orders on 5 Jan (one purchase day);
- customer 3: {2, 3} on 29 Jan; {4} on 1 Mar (31 days later);
- customer 4: {4, 5} on 1 Feb; {1} on 10 Apr, after ``as_of``;
- customer 5: {5, 6} on 15 Feb;
- customer 6: a paid order without lines on 20 Feb;
- customer 7: {5} on 20 Feb;
- customer 8: only a cancelled order, of {1}.

Whole history, customers who bought each product: n1 = 2, n2 = 3, n3 = 3, n4 = 2,
n5 = 3, n6 = 1. Co-buyers: c12 = 2, c13 = 2, c23 = 3, c24 = 1, c34 = 1, c45 = 1,
c56 = 1. Cosines (no shrinkage): sim12 = sim13 = 2/√6 = 0.8165, sim23 = 3/3 = 1,
sim24 = sim34 = 1/√6 = 0.4082, sim45 = 1/√6 = 0.4082 (6 is never a neighbour).
With a half-life of 31 days, products bought 31 days before the last order weigh ½.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import pytest

from rapport.analytics.common import BadParameter
from rapport.analytics.recommend import (
    _NO_DAY,
    RecommendParams,
    _columns,
    _pairs,
    evaluate,
    recommendations,
)
from rapport.analytics.source import Source
from rapport.analytics.stats import wilson
from tests.analytics.conftest import NOW, at, customer_row, order_row, source_fixture

AS_OF = date(2026, 3, 31)
HAND = RecommendParams(as_of=AS_OF, k=3, half_life_days=31, shrinkage=0)
R6 = 1 / math.sqrt(6)


def _product(pid: int, **fields: Any) -> dict[str, Any]:
    return {"id": pid, "sku": f"P-{pid}", "name": f"产品{pid}", "unit_price_minor": 100,
            "currency": "CNY", "is_active": True, "created_at": NOW,
            "updated_at": NOW} | fields  # fmt: skip


def _tables() -> dict[str, list[dict[str, Any]]]:
    orders = [  # (order, customer, day, status, products)
        (1, 1, "2026-01-10", "paid", [1, 2]), (2, 1, "2026-02-10", "paid", [3]),
        (3, 1, "2026-02-12", "refunded", [4]), (4, 2, "2026-01-05", "paid", [1, 2]),
        (5, 2, "2026-01-05", "paid", [3]), (6, 3, "2026-01-29", "paid", [2, 3]),
        (7, 3, "2026-03-01", "paid", [4]), (8, 4, "2026-02-01", "paid", [4, 5]),
        (9, 4, "2026-04-10", "paid", [1]), (10, 5, "2026-02-15", "paid", [5, 6]),
        (11, 6, "2026-02-20", "paid", []), (12, 7, "2026-02-20", "paid", [5]),
        (13, 8, "2026-02-20", "cancelled", [1]),
    ]  # fmt: skip
    items = [{"id": 0, "order_id": oid, "product_id": pid, "quantity": 1,
              "unit_price_minor": 100, "discount_minor": 0, "line_total_minor": 100}
             for oid, _, _, _, products in orders for pid in products]  # fmt: skip
    for number, item in enumerate(items, 1):
        item["id"] = number
    return {
        "customers": [customer_row(c, "web") for c in range(1, 9)],
        "products": [*(_product(p) for p in range(1, 6)), _product(6, is_active=False),
                     _product(7, deleted_at=at("2026-01-02"))],
        "orders": [order_row(oid, cid, day, 100, status=status)
                   for oid, cid, day, status, _ in orders],
        "order_items": items,
    }  # fmt: skip


source = source_fixture(_tables)


def test_recommendations_by_hand(source: Source) -> None:
    """Excluding the last order, sim(j, j) = 1. Customer 1 (last {3}; 1 and 2 weigh
    ½): s1 = ½ + ½·2/√6 + 2/√6 = 1.7247, s2 = ½·2/√6 + ½ + 1 = 1.9082,
    s4 = ½/√6 + 1/√6 = 0.6124 → [2, 1, 4] (without sim(j, j): 1.2247, 1.4082, the
    same order). 2 ({1, 2, 3} all excluded): s4 = 2/√6 = 0.8165, then popularity:
    5 (n 3), 6 and 7 not offered → [4, 5] and padding. 3 (last {4}; 2 and 3 weigh ½):
    s2 = s3 = ½ + ½ + 1/√6 = 1.4082, s1 = ½·2/√6 + ½·2/√6 = 0.8165, s5 = 0.4082 →
    [2, 3, 1] (2 before 3: as popular, lower id). 4 ({4, 5}): s2 = s3 = 1/√6, then
    popularity: 1 → [2, 3, 1]. 5 ({5, 6}): s4 = 1/√6, then 2, 3 (n 3). 6 (no
    products): 2, 3, 5 (n 3 each). 7 ({5}): 4, 2, 3."""
    found = recommendations(source, HAND)
    assert found.customer_id.tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert found.product_id.tolist() == [
        [2, 1, 4], [4, 5, -1], [2, 3, 1], [2, 3, 1], [4, 2, 3], [2, 3, 5], [4, 2, 3]
    ]  # fmt: skip
    r = 2 * R6
    assert found.score[0] == pytest.approx([0.5 * r + 1.5, 0.5 + 1.5 * r, 1.5 * R6], rel=1e-9)
    assert found.score[2] == pytest.approx([1 + R6, 1 + R6, r], rel=1e-9)
    alone = recommendations(source, replace(HAND, self_similarity=0))
    assert alone.score[0] == pytest.approx([0.5 * r + 1, 1.5 * r, 1.5 * R6], rel=1e-9)
    assert found.popular.tolist() == [
        [False] * 3, [False, True, False], [False] * 3, [False, False, True],
        [False, True, True], [True] * 3, [False, True, True],
    ]  # fmt: skip
    assert found.lists()[1] == [4, 5]
    # similar pairs: 1–2, 1–3, 2–3, 2–4, 3–4, 4–5 both ways, and 6 → 5 (6 is no target)
    assert found.parameters() == {
        "as_of": "2026-03-31", "k": 3, "exclude": "last_order", "half_life_days": 31,
        "shrinkage": 0, "neighbours": 20, "self_similarity": 1.0, "confidence": 0.95,
        "customers": 7,
        "products": 5, "similar_pairs": 13,
    }  # fmt: skip


def test_everything_bought_can_be_excluded(source: Source) -> None:
    """Customer 1 ({1, 2, 3} excluded): s4 = 0.6124, then popularity: 5 → [4, 5]; 3
    ({2, 3, 4}): s1 = ½·(2/√6 + 2/√6) = 0.8165, s5 = 0.4082 → [1, 5]."""
    found = recommendations(source, replace(HAND, exclude="all_bought"))
    rows = dict(zip(found.customer_id.tolist(), found.lists(), strict=True))
    assert rows[1] == [4, 5] and rows[3] == [1, 5] and rows[2] == [4, 5]


def test_leave_last_out_by_hand(source: Source) -> None:
    """Customers 1 and 3 have two purchase days; their last orders ({3} and {4}) are
    hidden. Left: 1 {1, 2}, 2 {1, 2, 3}, 3 {2, 3}, 4 {4, 5}, 5 {5, 6}, 7 {5}; n1 = 2,
    n2 = 3, n3 = 2, n4 = 1, n5 = 3; sim12 = sim23 = 2/√6, sim13 = ½, sim45 = 1/√3.
    Customer 1 ({1, 2} excluded): s3 = ½ + 2/√6 = 1.3165 → 3, a hit at k = 1; by
    popularity 5 (n 3), 3, 4. Customer 3 ({2, 3}): s1 = 1.3165 → 1, then 5, 4 (hit at
    k = 3 only); by popularity 5, 1, 4. So at k = 1 item–item hits 1 of 2, popularity
    0; at k = 2 both 1; at k = 3 both 2."""
    expected = {1: (1, 0), 2: (1, 1), 3: (2, 2)}
    for k, (item, popular) in expected.items():
        found = evaluate(source, RecommendParams(as_of=AS_OF, k=k, half_life_days=31,
                                                 shrinkage=0))  # fmt: skip
        assert (found.customers, found.item_hits, found.popular_hits) == (2, item, popular)
        assert found.item_hit_rate == 50 * item
        assert (found.item_low, found.item_high) == wilson(item, 2)
        assert (found.popular_low, found.popular_high) == wilson(popular, 2)
    assert found.as_dict()["popular_hit_rate"] == 100


def test_nothing_bought_gives_empty_answers(source: Source) -> None:
    found = recommendations(source, RecommendParams(as_of=date(2025, 1, 1)))
    assert found.customer_id.tolist() == [] and found.product_id.shape == (0, 10)
    scored = evaluate(source, RecommendParams(as_of=date(2025, 1, 1)))
    assert scored.customers == 0 and scored.as_dict()["item_hit_rate"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("k", 0), ("exclude", "everything"), ("half_life_days", 0), ("shrinkage", -1),
     ("neighbours", 0), ("self_similarity", -1), ("confidence", 1.0)],
)  # fmt: skip
def test_bad_parameters_are_named(source: Source, field: str, value: Any) -> None:
    with pytest.raises(BadParameter) as raised:
        recommendations(source, RecommendParams(as_of=AS_OF, **{field: value}))
    assert raised.value.field == field


@pytest.mark.parametrize("scale", [1, 2**60])
def test_lines_reduce_to_pairs_whatever_the_ids(scale: int) -> None:
    """Customer 5 bought column 0 on days 10, 10 (two lines) and 12, column 1 on day
    12; customer 7 column 1 on day 3. Pairs: (5, 0) last 12, before it 10; (5, 1) last
    12, none before; (7, 1) last 3. Ids near 2⁶³ cannot be packed with the days and
    take the other path."""
    customer = np.array([5, 7, 5, 5, 5]) * scale
    found = _pairs(customer, np.array([0, 1, 0, 1, 0]), np.array([10, 3, 10, 12, 12]), 2)
    assert [a.tolist() for a in found] == [
        [5 * scale, 5 * scale, 7 * scale], [0, 1, 1], [12, 12, 3],
        [10, _NO_DAY, _NO_DAY], [12, 12, 3],
    ]  # fmt: skip


def test_product_columns_from_small_and_large_ids() -> None:
    ids = np.array([30, 10, 20, 30])
    assert _columns(ids, np.array([10, 20, 30])).tolist() == [2, 0, 1, 2]
    assert _columns(ids * 10**12, np.array([10, 20, 30]) * 10**12).tolist() == [2, 0, 1, 2]
