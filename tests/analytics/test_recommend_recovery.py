"""Recommendations on data with a known structure: item–item similarity finds the groups
of products customers buy together, and beats popularity in a leave-last-out test; on
the demo data (each customer prefers a category and buys complements,
``rapport.demo.simulate``), the same holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rapport.analytics.recommend import RecommendParams, evaluate, recommendations
from rapport.analytics.source import Source
from rapport.db import make_engine
from tests.analytics.conftest import DEMO_END

GROUPS, SIZE, CUSTOMERS, OWN = 20, 10, 3000, 0.8
END = DEMO_END


def _grouped_baskets(folder: Path, seed: int) -> Path:
    """200 products in 20 groups of 10. Each of 3,000 customers belongs to a group and
    places 2–6 orders on different days of 2025, each of 1–3 products: from their
    group with probability 0.8 (uniformly), otherwise from the whole catalogue with
    Zipf-like weights (so a few products are popular everywhere). Product 200 is not
    on sale."""
    rng = np.random.default_rng(seed)
    group = rng.integers(GROUPS, size=CUSTOMERS)
    orders = rng.integers(2, 7, size=CUSTOMERS)
    customer = np.repeat(np.arange(CUSTOMERS), orders)
    day = np.concatenate([rng.choice(365, n, replace=False) for n in orders])
    lines = rng.integers(1, 4, size=len(customer))
    order = np.repeat(np.arange(len(customer)), lines)
    anywhere = 1 / np.arange(1, GROUPS * SIZE + 1)
    own = group[customer[order]] * SIZE + rng.integers(SIZE, size=len(order))
    other = rng.choice(GROUPS * SIZE, size=len(order), p=anywhere / anywhere.sum())
    product = np.where(rng.random(len(order)) < OWN, own, other) + 1
    start = np.datetime64("2025-01-01T10:00:00", "us")
    pq.write_table(pa.table({
        "id": np.arange(1, len(customer) + 1), "customer_id": customer + 1,
        "status": ["paid"] * len(customer),
        "ordered_at": start + day.astype("timedelta64[D]"),
    }), folder / "orders.parquet")  # fmt: skip
    pq.write_table(pa.table({"id": np.arange(1, len(order) + 1), "order_id": order + 1,
                             "product_id": product}), folder / "order_items.parquet")  # fmt: skip
    ids = np.arange(1, GROUPS * SIZE + 1)
    pq.write_table(pa.table({"id": ids, "is_active": ids != GROUPS * SIZE}),
                   folder / "products.parquet")  # fmt: skip
    return folder


def test_item_item_beats_popularity_on_grouped_baskets(tmp_path: Path) -> None:
    """A customer's next order comes from their group 8 times in 10: the products
    scored by similarity are their group's, so at k = 10 item–item names a hidden
    product for at least 75 % of customers, 50 points or more above popularity, with
    the 95 % Wilson intervals apart. (Measured on seeds 1–3: item–item 82.4–83.4 %,
    popularity 21.0–21.9 %.)"""
    source = Source.from_folder(_grouped_baskets(tmp_path, seed=1))
    found = evaluate(source, RecommendParams(as_of=date(2025, 12, 31)))
    assert found.customers == CUSTOMERS  # everyone has two purchase days or more
    assert found.item_hit_rate >= 75
    assert found.item_hit_rate - found.popular_hit_rate >= 50
    assert found.item_low > found.popular_high
    recommended = recommendations(source, RecommendParams(as_of=date(2025, 12, 31)))
    assert not (recommended.product_id == GROUPS * SIZE).any()  # not on sale
    # Most of a customer's recommendations come from the group they buy from.
    groups = (recommended.product_id - 1) // SIZE
    mode = np.array([np.bincount(row, minlength=GROUPS).max() for row in groups])
    assert np.median(mode) >= 8


@pytest.fixture(scope="module")
def demo(demo_folder: Path) -> Iterator[Source]:
    engine = make_engine(f"sqlite:///{demo_folder / 'demo.db'}")
    yield Source.from_database(engine)
    engine.dispose()


def test_demo_recommendations_beat_popularity(demo: Source) -> None:
    """The demo's customers buy mostly from one preferred category (70 %), often
    with a product's complement (45 %), and two hidden lines in three re-buy an
    earlier product: leave-last-out at k = 10, item–item (with sim(j, j) = 1) names a
    product of the hidden order more often than popularity, by at least 4 points,
    with the 95 % Wilson intervals apart. (Measured: 54.1 % against 47.3 % of 2,653
    customers; without sim(j, j), 44.3 %.)"""
    last_day = END - timedelta(days=1)
    found = evaluate(demo, RecommendParams(as_of=last_day))
    assert found.customers > 1000
    assert found.item_hit_rate - found.popular_hit_rate >= 4, found
    assert found.item_low > found.popular_high
    recommended = recommendations(demo, RecommendParams(as_of=last_day))
    assert recommended.product_id.shape == (len(recommended.customer_id), 10)
    assert (recommended.product_id > 0).all()  # 30 products on sale: no padding
