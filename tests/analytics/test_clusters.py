"""Clusters and personas: a fixture of three groups worked out by hand, groups of
generated customers found again, and the edges (few customers, identical customers,
no buyers, bad parameters)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from rapport.analytics.clusters import ClusterParams, ClusterResult, clusters
from rapport.analytics.common import BadParameter
from rapport.analytics.personas import CategoryShare
from rapport.analytics.source import Source
from tests.analytics.conftest import (
    NOW,
    answer_row,
    at,
    customer_row,
    interaction_row,
    order_row,
    source_fixture,
    survey_rows,
    tables_source,
    ticket_row,
)

AS_OF = date(2026, 3, 31)
CREATED = "2025-03-31"  # every customer: 365 days of tenure on AS_OF


def _category(cid: int, name: str) -> dict[str, Any]:
    return {"id": cid, "name": name, "created_at": NOW, "updated_at": NOW}


def _product(pid: int, category: int | None) -> dict[str, Any]:
    return {"id": pid, "sku": f"P{pid}", "name": f"Product {pid}", "category_id": category,
            "unit_price_minor": 100, "currency": "CNY", "is_active": True,
            "created_at": NOW, "updated_at": NOW}  # fmt: skip


def _line(lid: int, oid: int, product: int, total: int) -> dict[str, Any]:
    return {"id": lid, "order_id": oid, "product_id": product, "quantity": 1,
            "unit_price_minor": total, "discount_minor": 0, "line_total_minor": total}  # fmt: skip


def _event(eid: int, cid: int | None, session: str, day: str) -> dict[str, Any]:
    return {"id": eid, "customer_id": cid, "session_id": session, "name": "page_view",
            "page": "/", "properties": {}, "occurred_at": at(day)}  # fmt: skip


def _tables() -> dict[str, list[dict[str, Any]]]:
    """Categories 1 Paper, 2 Pens, 3 Ink; products 1–3 in them, product 4 in none.

    A (customers 1–3; wechat, wechat, email): five paid orders each on the 1st of Oct,
    Nov, Dec, Jan and Feb (the last 58 days before 31 Mar) of 1,000, 1,100 and 900 yuan;
    customer 1's orders are Paper 600 + Pens 400, the others' one Paper line; a refunded
    order of Ink. No contact, no web session.
    B (4–6; email, email, phone): one order of 50 yuan on 20 Mar (11 days before), Ink
    (customer 6: product 4, no category); 7, 8 and 9 calls; a ticket each; NPS 9 (4)
    and 7 (5); web sessions 2, 3 and 2.
    C (7–9; store, store, wechat): one order of 30 yuan on 1 Apr 2025 (364 days
    before), Pens. Nothing else.
    Not clustered: 10 (calls, no order), 11 (refunded order only), 12 (dollars only).
    """
    channels = {1: "wechat", 2: "wechat", 3: "email", 4: "email", 5: "email", 6: "phone",
                7: "store", 8: "store", 9: "wechat"}  # fmt: skip
    channels |= dict.fromkeys((10, 11, 12), "email")
    orders, lines, interactions, events = [], [], [], []
    for cid, yuan in ((1, 1000), (2, 1100), (3, 900)):
        for month, day in enumerate(("2025-10-01", "2025-11-01", "2025-12-01", "2026-01-01",
                                     "2026-02-01")):  # fmt: skip
            oid = cid * 10 + month
            orders.append(order_row(oid, cid, day, yuan * 100))
            if cid == 1:
                lines += [_line(oid * 10, oid, 1, 60_000), _line(oid * 10 + 1, oid, 2, 40_000)]
            else:
                lines.append(_line(oid * 10, oid, 1, yuan * 100))
    orders.append(order_row(19, 1, "2026-02-15", 70_000, status="refunded"))
    lines.append(_line(190, 19, 3, 70_000))
    for cid, calls, product in ((4, 7, 3), (5, 8, 3), (6, 9, 4)):
        orders.append(order_row(cid * 10, cid, "2026-03-20", 5_000))
        lines.append(_line(cid * 100, cid * 10, product, 5_000))
        interactions += [interaction_row(cid * 100 + i, cid, f"2026-03-{i + 1:02d}")
                         for i in range(calls)]  # fmt: skip
    interactions.append(interaction_row(999, 4, "2026-04-05"))  # after AS_OF
    interactions += [interaction_row(1000 + i, 10, "2026-03-01") for i in range(3)]
    for cid in (7, 8, 9):
        orders.append(order_row(cid * 10, cid, "2025-04-01", 3_000))
        lines.append(_line(cid * 100, cid * 10, 2, 3_000))
    orders += [order_row(110, 11, "2026-03-01", 9_000, status="refunded"),
               order_row(120, 12, "2026-03-01", 9_000, currency="USD")]  # fmt: skip
    sessions = {4: ("s1", "s1", "s2"), 5: ("s3", "s4", "s5"), 6: ("s6", "s7")}
    for cid, names in sessions.items():
        events += [_event(cid * 10 + i, cid, name, "2026-03-10") for i, name in enumerate(names)]
    events += [_event(90, None, "s9", "2026-03-10"), _event(91, 4, "s8", "2026-04-02")]
    return {
        "customers": [customer_row(c, ch, created_at=at(CREATED)) for c, ch in channels.items()],
        "product_categories": [_category(1, "Paper"), _category(2, "Pens"), _category(3, "Ink")],
        "products": [_product(1, 1), _product(2, 2), _product(3, 3), _product(4, None)],
        "orders": orders,
        "order_items": lines,
        "interactions": interactions,
        "tickets": [ticket_row(cid, cid, "2026-03-05", resolved_at=None) for cid in (4, 5, 6)],
        "surveys": survey_rows(),
        "survey_responses": [answer_row(1, 4, 9, "2026-03-21"), answer_row(1, 5, 7, "2026-03-21")],
        "events": events,
    }


source = source_fixture(_tables)


def test_three_groups_by_hand(source: Source) -> None:
    """k = 3 and the groups come back, numbered by value (A, then B of 50 yuan, then C
    of 30); every figure below is worked out from the docstring of ``_tables``."""
    result = clusters(source, ClusterParams(as_of=AS_OF))
    assert result.k == 3
    assert set(result.silhouettes) == set(range(2, 8))  # 7 distinct customers: k ≤ 7
    assert max(result.silhouettes, key=lambda k: result.silhouettes[k]) == 3
    assert result.silhouettes[3] > 0.8
    assert result.customer_id.tolist() == list(range(1, 10))
    assert result.cluster.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert result.features == ("revenue", "orders", "interactions", "days_since_purchase",
                               "tickets", "web_sessions")  # fmt: skip
    a, b, c = result.personas
    assert [(p.customers, p.share) for p in result.personas] == [(3, 1 / 3)] * 3

    # A: 5 × (1,000 + 1,100 + 900) yuan = 1,500,000 fen over 15 orders and 3 years
    assert (a.label, a.text) == ({"value": "high", "engagement": "low"},
                                 "High value, low engagement")  # fmt: skip
    assert (a.revenue_minor, a.revenue_mean_minor, a.revenue_median_minor) == (
        1_500_000, 500_000, 500_000)  # fmt: skip
    assert a.revenue_share == pytest.approx(1_500_000 / (1_500_000 + 15_000 + 9_000))
    assert (a.orders_mean, a.aov_minor) == (5, 100_000)
    assert a.revenue_per_year_minor == pytest.approx(1_500_000 / (3 * 365 / 365.25))
    assert (a.interactions_mean, a.days_since_purchase_median, a.tickets_mean) == (0, 58, 0)
    assert (a.nps_mean, a.nps_answered, a.web_sessions_mean) == (None, 0, 0)
    assert (a.channel, a.channel_share) == ("wechat", 2 / 3)
    # lines: Paper 5 (customer 1, 600 each) + 10 (customers 2 and 3), Pens 5 (400 each);
    # the refunded Ink line does not count
    assert a.categories == [
        CategoryShare(1, "Paper", 15, 0.75, 1_300_000, 1_300_000 / 1_500_000),
        CategoryShare(2, "Pens", 5, 0.25, 200_000, 200_000 / 1_500_000),
    ]
    revenue = np.log1p([500_000, 550_000, 450_000]).mean()
    assert a.centre["revenue"] == pytest.approx(np.expm1(revenue))
    assert a.centre["orders"] == pytest.approx(5) and a.centre["interactions"] == 0

    assert (b.label, b.text) == ({"value": "low", "engagement": "high"},
                                 "Low value, high engagement")  # fmt: skip
    assert (b.revenue_minor, b.aov_minor, b.orders_mean) == (15_000, 5_000, 1)
    assert (b.interactions_mean, b.days_since_purchase_median, b.tickets_mean) == (8, 11, 1)
    assert (b.nps_mean, b.nps_answered) == (8, 2)  # (9 + 7) / 2; customer 6 never answered
    assert b.web_sessions_mean == pytest.approx(7 / 3)
    assert (b.channel, b.channel_share) == ("email", 2 / 3)
    assert b.categories == [CategoryShare(3, "Ink", 2, 2 / 3, 10_000, 2 / 3),
                            CategoryShare(None, None, 1, 1 / 3, 5_000, 1 / 3)]  # fmt: skip

    assert c.label == {"value": "low", "engagement": "low"}
    assert (c.revenue_minor, c.days_since_purchase_median) == (9_000, 364)  # 1 Apr → 31 Mar
    assert (c.channel, c.channel_share) == ("store", 2 / 3)
    assert c.categories == [CategoryShare(2, "Pens", 3, 1.0, 9_000, 1.0)]
    assert (a.value_score or 0) > 0.25 > (b.value_score or 0)


def test_results_are_json(source: Source) -> None:
    result = clusters(source, ClusterParams(as_of=AS_OF))
    parameters = json.loads(json.dumps(result.parameters()))
    assert parameters["k"] == 3 and parameters["features"] == list(result.features)
    assert len(parameters["means"]) == len(parameters["scales"]) == 6
    assert np.shape(parameters["centres"]) == (3, 6)
    assert set(parameters["silhouettes"]) == {str(k) for k in range(2, 8)}
    evaluation = json.loads(json.dumps(result.evaluation()))
    assert evaluation["sizes"] == [3, 3, 3]
    assert evaluation["silhouette"] == result.silhouettes[3]
    personas = json.loads(json.dumps(result.personas_json()))
    assert personas[0]["label"] == {"value": "high", "engagement": "low"}
    # the stored model assigns the customers to the clusters they are in
    assert result.model is not None
    x = np.log1p(np.array([[p.centre[f] for f in result.features] for p in result.personas]))
    assert result.model.assign(x).tolist() == [0, 1, 2]


def test_the_same_clusters_twice(source: Source) -> None:
    one, two = (clusters(source, ClusterParams(as_of=AS_OF, seed=5)) for _ in range(2))
    assert one.cluster.tolist() == two.cluster.tolist() and one.silhouettes == two.silhouettes


def test_chosen_features_and_levels(source: Source) -> None:
    """Value alone: A apart from B and C (which differ by 20 yuan); no engagement level."""
    result = clusters(source, ClusterParams(as_of=AS_OF, features=("revenue", "orders")))
    assert result.features == ("revenue", "orders")
    assert result.cluster.tolist()[:3] == [0, 0, 0]
    assert set(result.cluster.tolist()[3:]) != {0}
    assert result.personas[0].label == {"value": "high"}
    assert result.personas[0].text == "High value"
    assert result.personas[0].engagement_score is None


def test_without_events(tmp_path: Path) -> None:
    """A folder without events.parquet: no web sessions, the same three groups."""
    tables = {k: v for k, v in _tables().items() if k != "events"}
    with tables_source("parquet", tables, tmp_path) as folder:
        result = clusters(folder, ClusterParams(as_of=AS_OF))
    assert "web_sessions" not in result.features
    assert result.cluster.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert all(p.web_sessions_mean is None for p in result.personas)
    (tmp_path / "2").mkdir()
    with tables_source("parquet", tables, tmp_path / "2") as folder, pytest.raises(BadParameter):
        clusters(folder, ClusterParams(as_of=AS_OF, features=("web_sessions",)))


def _generated(seed: int) -> tuple[dict[str, list[dict[str, Any]]], list[int]]:
    """Three groups of 40 customers, and each customer's group (0, 1, 2 by id).

    0 "big spenders": 8–12 orders of 800–1,200 yuan, the last 60–120 days ago, no contact;
    1 "talkers": 1–2 orders of 30–80 yuan, the last 5–30 days ago, 6–12 calls, 1–2 tickets;
    2 "sleepers": one order of 20–60 yuan 300–360 days ago, nothing else.
    """
    rng = np.random.default_rng(seed)
    customers, orders, calls, tickets, truth = [], [], [], [], []
    end = np.datetime64(AS_OF.isoformat())

    def day(back: int) -> str:
        return str(end - np.timedelta64(int(back), "D"))

    for cid in range(1, 121):
        group = (cid - 1) // 40
        truth.append(group)
        customers.append(customer_row(cid, ("wechat", "email", "store")[group],
                                      created_at=at("2024-01-01")))  # fmt: skip
        if group == 0:
            n, last, low, high = int(rng.integers(8, 13)), int(rng.integers(60, 121)), 800, 1200
        elif group == 1:
            n, last, low, high = int(rng.integers(1, 3)), int(rng.integers(5, 31)), 30, 80
        else:
            n, last, low, high = 1, int(rng.integers(300, 361)), 20, 60
        for i in range(n):
            yuan = int(rng.integers(low, high))
            orders.append(order_row(cid * 100 + i, cid, day(last + 15 * i), yuan * 100))
        if group == 1:
            calls += [interaction_row(cid * 100 + i, cid, day(i + 1))
                      for i in range(int(rng.integers(6, 13)))]  # fmt: skip
            tickets += [
                ticket_row(cid * 10 + i, cid, day(3), resolved_at=None)
                for i in range(rng.integers(1, 3))
            ]
    tables = {"customers": customers, "orders": orders, "interactions": calls,
              "tickets": tickets, "surveys": survey_rows(),
              "survey_responses": [answer_row(1, 1, 9, "2026-03-01")]}  # fmt: skip
    return tables, truth


@pytest.mark.parametrize("kind", ["sqlite", "parquet"])
def test_generated_groups_are_found(kind: str, tmp_path: Path) -> None:
    """k = 3 out of 2–8, and the groups recovered: adjusted Rand index ≥ 0.95 (measured
    1.0 on seeds 0–4). Each k is fitted on 100 of the 120 customers and refined on all;
    the silhouette is taken on 60."""
    tables, truth = _generated(seed=3)
    with tables_source(kind, tables, tmp_path) as data:
        result = clusters(data, ClusterParams(as_of=AS_OF, sample=60, fit_sample=100))
    assert result.k == 3
    assert result.model is not None and (result.model.fit_rows, result.model.silhouette_rows) == (
        100, 60)  # fmt: skip
    assert adjusted_rand_score(truth, result.cluster) >= 0.95
    labels = [p.label for p in result.personas]
    assert labels == [{"value": "high", "engagement": "low"},
                      {"value": "low", "engagement": "high"},
                      {"value": "low", "engagement": "low"}]  # fmt: skip
    assert [p.channel for p in result.personas] == ["wechat", "email", "store"]
    assert [p.categories for p in result.personas] == [[], [], []]  # no order lines


def test_fewer_customers_than_k_max(tmp_path: Path) -> None:
    """Four buyers, two and two: k is tried up to 3 (n − 1), and 2 is chosen."""
    tables = {
        "customers": [customer_row(c, "wechat") for c in (1, 2, 3, 4)],
        "orders": [order_row(1, 1, "2026-03-01", 100_000), order_row(2, 2, "2026-03-01", 110_000),
                   order_row(3, 3, "2025-05-01", 1_000), order_row(4, 4, "2025-05-01", 1_100)],
    }  # fmt: skip
    with tables_source("sqlite", tables, tmp_path) as data:
        result = clusters(data, ClusterParams(as_of=AS_OF))
    assert set(result.silhouettes) == {2, 3}
    assert (result.k, result.cluster.tolist()) == (2, [0, 0, 1, 1])
    assert result.features == ("revenue", "days_since_purchase")  # the others never vary


def test_identical_customers_make_one_cluster(tmp_path: Path) -> None:
    """Three buyers alike in every feature: one cluster, no silhouette, level "mid"."""
    tables = {
        "customers": [customer_row(c, "wechat" if c < 3 else "email") for c in (1, 2, 3)],
        "orders": [order_row(c, c, "2026-03-01", 5_000) for c in (1, 2, 3)],
    }
    with tables_source("sqlite", tables, tmp_path) as data:
        result = clusters(data, ClusterParams(as_of=AS_OF))
    assert (result.k, result.silhouettes, result.cluster.tolist()) == (1, {}, [0, 0, 0])
    (persona,) = result.personas
    assert (persona.customers, persona.share, persona.revenue_minor) == (3, 1.0, 15_000)
    assert persona.label == {"value": "mid", "engagement": "mid"}
    assert (persona.channel, persona.channel_share) == ("wechat", 2 / 3)
    assert result.evaluation()["silhouette"] is None


def test_no_buyers(tmp_path: Path) -> None:
    tables = {"customers": [customer_row(1, "wechat")],
              "orders": [order_row(1, 1, "2026-03-01", 100, status="refunded")]}  # fmt: skip
    with tables_source("sqlite", tables, tmp_path) as data:
        result = clusters(data, ClusterParams(as_of=AS_OF))
    assert (result.k, len(result.customer_id), result.personas, result.model) == (0, 0, [], None)
    assert isinstance(result, ClusterResult) and result.evaluation()["silhouette"] is None


@pytest.mark.parametrize(
    ("field", "params"),
    [
        ("k_min", ClusterParams(k_min=1)),
        ("k_max", ClusterParams(k_min=4, k_max=3)),
        ("k_max", ClusterParams(k_max=21)),
        ("sample", ClusterParams(sample=5)),
        ("fit_sample", ClusterParams(fit_sample=50)),
        ("seed", ClusterParams(seed=-1)),
        ("top_categories", ClusterParams(top_categories=-1)),
        ("mid_band", ClusterParams(mid_band=-0.1)),
        ("features", ClusterParams(features=("revenue", "likes"))),
        ("features", ClusterParams(features=())),
        ("features", ClusterParams(features=("revenue", "revenue"))),
    ],
)
def test_bad_parameters(field: str, params: ClusterParams, tmp_path: Path) -> None:
    with pytest.raises(BadParameter) as raised:
        clusters(Source.from_folder(tmp_path), params)  # refused before reading
    assert raised.value.field == field
