"""Sales cycle and sales performance on a fixture small enough to compute by hand
(docs/metrics.md), read from SQLite, PostgreSQL and a folder of CSV files alike.

The pipeline: Lead (1), Qualified (2), Proposal (3), Negotiation (4), then Won (5) and
Lost (6). Reps 1 and 2 are in team 10; user 3 has no team. Deals, each with its own
customer (the deal's id), every change at noon UTC, all in CNY but deal 7 (EUR):

| deal | owner | amount | history |
| --- | --- | --- | --- |
| 1 | 1 | 100,000 | Lead 01-01, Qualified 01-03, Proposal 01-08, Negotiation 01-10, Won 01-20 |
| 2 | 1 | 200,000 | Lead 01-02, Qualified 01-06, Lost 01-07 |
| 3 | 2 | 300,000 | Lead 01-05, Qualified 01-09, Proposal 01-19, Won 02-08 |
| 4 | 2 | 400,000 | Lead 01-10, Qualified 01-12, Proposal 01-22, Lost 02-01 |
| 5 | 1 | 50,000 | Lead 02-01, Qualified 02-11 (Proposal 04-03, after the end) |
| 6 | none | 150,000 | Lead 02-15, Qualified 02-20, Lead 02-25, Qualified 03-05 |
| 7 | 2 | 250,000 EUR | Lead 03-01, Qualified 03-03, Proposal 03-06, Lost 03-10 |
| 8 | 1 | 80,000 | Lead 2025-12-20, Qualified 01-04, Won 01-15 |

Dates are 2026 unless given; the end is 2026-03-31.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from rapport.analytics.common import BadParameter
from rapport.analytics.sales_cycle import SalesCycleParams, sales_cycle
from rapport.analytics.sales_performance import SalesPerformanceParams, sales_performance
from rapport.analytics.source import Source
from tests.analytics.conftest import (
    NOW,
    at,
    customer_row,
    order_row,
    source_fixture,
    write_folder,
)

STAGES = [(1, "Lead", "open"), (2, "Qualified", "open"), (3, "Proposal", "open"),
          (4, "Negotiation", "open"), (5, "Won", "won"), (6, "Lost", "lost")]  # fmt: skip
# deal: (owner, amount, currency, channel, [(stage, day)])
DEALS: dict[int, tuple[int | None, int, str, str | None, list[tuple[int, str]]]] = {
    1: (1, 100_000, "CNY", "referral",
        [(1, "2026-01-01"), (2, "2026-01-03"), (3, "2026-01-08"), (4, "2026-01-10"),
         (5, "2026-01-20")]),
    2: (1, 200_000, "CNY", "web", [(1, "2026-01-02"), (2, "2026-01-06"), (6, "2026-01-07")]),
    3: (2, 300_000, "CNY", "referral",
        [(1, "2026-01-05"), (2, "2026-01-09"), (3, "2026-01-19"), (5, "2026-02-08")]),
    4: (2, 400_000, "CNY", None,
        [(1, "2026-01-10"), (2, "2026-01-12"), (3, "2026-01-22"), (6, "2026-02-01")]),
    5: (1, 50_000, "CNY", "web", [(1, "2026-02-01"), (2, "2026-02-11"), (3, "2026-04-03")]),
    6: (None, 150_000, "CNY", "web",
        [(1, "2026-02-15"), (2, "2026-02-20"), (1, "2026-02-25"), (2, "2026-03-05")]),
    7: (2, 250_000, "EUR", "web",
        [(1, "2026-03-01"), (2, "2026-03-03"), (3, "2026-03-06"), (6, "2026-03-10")]),
    8: (1, 80_000, "CNY", "web", [(1, "2025-12-20"), (2, "2026-01-04"), (5, "2026-01-15")]),
}  # fmt: skip
# deal: [(product, quantity, unit price)]; products 101 (A) and 103 (C) are in category 1,
# 102 (B) in category 2.
ITEMS = {
    1: [(101, 1, 100_000)],
    2: [(101, 1, 50_000), (102, 3, 50_000)],
    3: [(102, 2, 100_000), (103, 1, 100_000)],
    4: [(102, 4, 100_000)],
    6: [(101, 1, 150_000)],
    8: [(101, 1, 50_000), (102, 1, 30_000)],
}
# (customer, user, day)
INTERACTIONS = [(1, 1, "2025-12-28"), (3, 2, "2026-01-10"), (2, 1, "2026-01-04"),
                (2, 1, "2026-02-10"), (5, 2, "2026-04-02"), (6, None, "2026-02-16")]  # fmt: skip
PROVINCES = {1: "广东", 2: "上海", 3: "广东", 8: "北京"}
OWNERS = {1: 1, 2: 1, 3: 2}  # customers' owners
# (customer, day, total, status, currency): paid CNY orders in Q1 count, by owner.
ORDERS = [(1, "2026-01-25", 50_000, "paid", "CNY"), (1, "2026-02-01", 9_999, "refunded", "CNY"),
          (3, "2026-02-10", 70_000, "paid", "CNY"), (3, "2026-02-11", 999, "paid", "EUR"),
          (2, "2025-12-31", 8_888, "paid", "CNY")]  # fmt: skip
END = date(2026, 3, 31)


def _tables() -> dict[str, list[dict[str, Any]]]:
    stamp = {"created_at": NOW, "updated_at": NOW}
    users = [{"id": u, "email": f"rep{u}@example.com", "name": f"销售{u}", "role": "rep",
              "team_id": 10 if u < 3 else None, "locale": "zh_CN", "is_active": True} | stamp
             for u in (1, 2, 3)]  # fmt: skip
    stages = [{"id": s, "pipeline_id": 1, "name": name, "position": s, "probability": 10 * s,
               "outcome": outcome} | stamp for s, name, outcome in STAGES]  # fmt: skip
    customers = [customer_row(c, "wechat" if c % 2 else "email", province=PROVINCES.get(c),
                              country="US" if c == 4 else "CN", owner_id=OWNERS.get(c))
                 for c in DEALS]  # fmt: skip
    orders = [order_row(i, c, day, total, status, currency)
              for i, (c, day, total, status, currency) in enumerate(ORDERS, 1)]  # fmt: skip
    deals, changes = [], []
    for d, (owner, amount, currency, channel, history) in DEALS.items():
        last = history[-1][0]
        outcome = STAGES[last - 1][2]
        deals.append({"id": d, "name": f"商机{d}", "pipeline_id": 1, "stage_id": last,
                      "customer_id": d, "owner_id": owner, "channel": channel,
                      "status": outcome, "amount_minor": amount, "currency": currency,
                      "closed_at": at(history[-1][1]) if outcome != "open" else None,
                      "lost_reason": "price" if outcome == "lost" else None,
                      "custom_fields": {}, "created_at": at(history[0][1]),
                      "updated_at": NOW})  # fmt: skip
        previous = None
        for stage, day in history:
            changes.append({"id": len(changes) + 1, "deal_id": d, "from_stage_id": previous,
                            "to_stage_id": stage, "changed_at": at(day)})  # fmt: skip
            previous = stage
    items = [{"deal_id": d, "product_id": p, "quantity": q, "unit_price_minor": price}
             for d, lines in ITEMS.items() for p, q, price in lines]  # fmt: skip
    products = [{"id": p, "sku": f"SKU-{p}", "name": f"产品{p}",
                 "category_id": 2 if p == 102 else 1, "unit_price_minor": 0, "currency": "CNY",
                 "is_active": True} | stamp
                for p in (101, 102, 103)]  # fmt: skip
    interactions = [{"id": i, "customer_id": c, "user_id": u, "kind": "call",
                     "occurred_at": at(day)} | stamp
                    for i, (c, u, day) in enumerate(INTERACTIONS, 1)]  # fmt: skip
    quotas = [
        _quota(1, "user_id", 1, "revenue", "2026-01-01", "2026-03-31", 300_000, "CNY"),
        _quota(2, "user_id", 2, "revenue", "2026-01-01", "2026-06-30", 1_810_000, "CNY"),
        _quota(3, "team_id", 10, "revenue", "2026-01-01", "2026-01-31", 400_000, "CNY"),
        _quota(4, "user_id", 2, "deals_won", "2026-02-01", "2026-02-28", 2, None),
        _quota(5, "user_id", 1, "revenue", "2026-01-01", "2026-03-31", 999, "EUR"),
    ]
    return {
        "teams": [{"id": 10, "name": "华南"} | stamp],
        "users": users, "pipelines": [{"id": 1, "name": "标准", "is_default": True} | stamp],
        "stages": stages, "customers": customers,
        "product_categories": [{"id": c, "name": f"类{c}"} | stamp for c in (1, 2)],
        "products": products, "orders": orders, "deals": deals, "deal_items": items,
        "deal_stage_changes": changes, "interactions": interactions, "quotas": quotas,
    }  # fmt: skip


def _quota(qid: int, holder: str, who: int, metric: str, first: str, last: str, target: int,
           currency: str | None) -> dict[str, Any]:  # fmt: skip
    return {"id": qid, holder: who, "metric": metric, "period_start": date.fromisoformat(first),
            "period_end": date.fromisoformat(last), "target": target, "currency": currency,
            "created_at": NOW, "updated_at": NOW}  # fmt: skip


source = source_fixture(_tables)


def _cycle(source: Source, **options: Any) -> Any:
    return sales_cycle(source, SalesCycleParams(start=date(2026, 1, 1), end=END, **options))


def _performance(source: Source, **options: Any) -> dict[tuple[date | None, str], Any]:
    params = SalesPerformanceParams(start=date(2026, 1, 1), end=END, **options)
    return {(r.period, r.group): r for r in sales_performance(source, params)}


def test_stage_durations_conversion_and_losses(source: Source) -> None:
    """Deals 1–7 (deal 8 entered in 2025). Completed stays, in days:
    Lead: 2, 4, 4, 2, 10, 5 and 8 (deal 6 twice), 2 → sorted 2 2 2 4 4 5 8 10: median 4,
    p90 at position 0.9 × 7 = 6.3: 8 + 0.3 × 2 = 8.6; all 7 went on.
    Qualified: 5, 1, 10, 10, 5, 3 → median 5, p90 at 4.5: 10; 1, 3, 4, 7 went on (4 of
    7), 2 was lost; 5 (since 02-11 noon: 48.5 days to the end) and 6 (since 03-05 noon:
    26.5 days) are still there, median 37.5. Deal 6 went back to Lead: not a later stage.
    Proposal: 2, 20, 10, 4 → median 7, p90 at 2.7: 10 + 0.7 × 10 = 17; 1 and 3 went on
    (3 straight to Won), 4 and 7 were lost. Negotiation: deal 1, 10 days, then won."""
    rows = {r.stage: r for r in _cycle(source).stages}
    assert list(rows) == ["Lead", "Qualified", "Proposal", "Negotiation"]
    got = {name: (r.entered, r.advanced, r.lost, r.completed, r.median_days,
                  round(r.p90_days or 0, 6), r.current, r.current_median_days)
           for name, r in rows.items()}  # fmt: skip
    assert got == {
        "Lead": (7, 7, 0, 8, 4.0, 8.6, 0, None),
        "Qualified": (7, 4, 1, 6, 5.0, 10.0, 2, 37.5),
        "Proposal": (4, 2, 2, 4, 7.0, 17.0, 0, None),
        "Negotiation": (1, 1, 0, 1, 10.0, 10.0, 0, None),
    }
    assert rows["Qualified"].conversion == pytest.approx(400 / 7)
    assert rows["Proposal"].loss_rate == 50.0
    # Wilson for 7 of 7: low = 1 / (1 + z²/7) = 1 / (1 + 3.841459 / 7) = 64.567 %
    assert round(rows["Lead"].low, 3) == 64.567
    assert rows["Lead"].high == pytest.approx(100)


def test_bottleneck_is_the_largest_share_of_time_or_of_losses(source: Source) -> None:
    """Time in completed stays: Lead 37, Qualified 34, Proposal 36, Negotiation 10 days
    (117 in all); losses: Qualified 1, Proposal 2.
    By owner — rep 1 (deals 1, 2, 5): Lead 2 + 4 + 10 = 16 of 16 + 6 + 2 + 10 = 34 days,
    the one loss in Qualified. Rep 2 (3, 4, 7): Proposal 20 + 10 + 4 = 34 of 65 days and
    both losses. No owner (deal 6): Lead 13 of 18 days, no losses."""
    rows = {r.stage: r for r in _cycle(source).stages}
    shares = {name: (round(r.time_share or 0, 2), round(r.loss_share or 0, 2), r.bottleneck)
              for name, r in rows.items()}  # fmt: skip
    assert shares == {
        "Lead": (31.62, 0.0, "time"),
        "Qualified": (29.06, 33.33, None),
        "Proposal": (30.77, 66.67, "losses"),
        "Negotiation": (8.55, 0.0, None),
    }
    by_owner = {(r.group, r.stage): r.bottleneck for r in _cycle(source, by="owner").stages
                if r.bottleneck}  # fmt: skip
    assert by_owner == {("1", "Lead"): "time", ("1", "Qualified"): "losses",
                        ("2", "Proposal"): "both", ("(none)", "Lead"): "time"}  # fmt: skip
    none = {r.stage: r.loss_share for r in _cycle(source, by="owner").stages if r.group == "(none)"}
    assert none == {"Lead": None, "Qualified": None}


def test_cycle_runs_from_first_contact_to_won(source: Source) -> None:
    """Won: deal 1 (customer 1 first called on 2025-12-28, before its Lead on 01-01; won
    01-20: 23 days, 19 in the pipeline) and deal 3 (its customer's first call, 01-10,
    came after its Lead on 01-05; won 02-08: 34 days either way). Median 28.5, p90
    23 + 0.9 × 11 = 32.9. Lost: 2, 4, 7; open: 5, 6 → win rate 2 / 5."""
    (row,) = _cycle(source).cycle
    assert (row.group, row.deals, row.won, row.lost, row.open) == ("all", 7, 2, 3, 2)
    assert (row.median_days, round(row.p90_days or 0, 6), row.pipeline_median_days) == (
        28.5, 32.9, 26.5)  # fmt: skip
    assert row.win_rate == 40.0


def test_cycle_by_team_product_and_size(source: Source) -> None:
    teams = {r.group: (r.deals, r.won, r.lost, r.open) for r in _cycle(source, by="team").cycle}
    assert teams == {"10": (6, 2, 3, 1), "(none)": (1, 0, 0, 1)}  # deal 6 has no owner
    # Product 101: deals 1, 2, 6; 102: 2, 3, 4; 103: 3; no items: 5, 7.
    products = {r.group: (r.deals, r.won, r.lost, r.median_days)
                for r in _cycle(source, by="product").cycle}  # fmt: skip
    assert products == {"101": (3, 1, 1, 23.0), "102": (3, 1, 2, 34.0), "103": (1, 1, 0, 34.0),
                        "(none)": (2, 0, 1, None)}  # fmt: skip
    # Quartiles of the CNY amounts 50k 100k 150k 200k 300k 400k (positions 1.25, 2.5,
    # 3.75): 112,500, 175,000 and 275,000; the one EUR deal's quartiles are all 250,000.
    sizes = {r.group: r.deals for r in _cycle(source, by="size").cycle}
    assert sizes == {"CNY <112500": 2, "CNY 112500-175000": 1, "CNY 175000-275000": 1,
                     "CNY >=275000": 2, "EUR >=250000": 1}  # fmt: skip
    given = {r.group: r.deals for r in _cycle(source, by="size", size_edges=(200_000,)).cycle}
    assert given == {"CNY <200000": 3, "CNY >=200000": 3, "EUR >=200000": 1}


def test_cycle_sees_the_history_up_to_its_end(source: Source) -> None:
    """At 2026-01-31, of the deals that entered in January (1–4): 1 won, 2 lost, 3 and 4
    in Proposal since 01-19 and 01-22 noon (12.5 and 9.5 days at the end). In EUR only
    deal 7, lost from Proposal."""
    result = sales_cycle(source, SalesCycleParams(start=date(2026, 1, 1), end=date(2026, 1, 31)))
    (cycle,) = result.cycle
    assert (cycle.deals, cycle.won, cycle.lost, cycle.open) == (4, 1, 1, 2)
    proposal = next(r for r in result.stages if r.stage == "Proposal")
    assert (proposal.entered, proposal.advanced, proposal.completed, proposal.current,
            proposal.current_median_days) == (3, 1, 1, 2, 11.0)  # fmt: skip
    euros = _cycle(source, currency="EUR")
    assert [(r.stage, r.entered, r.lost) for r in euros.stages] == [
        ("Lead", 1, 0), ("Qualified", 1, 0), ("Proposal", 1, 1)]  # fmt: skip
    assert _cycle(source, pipeline_id=2).stages == []


def test_performance_per_rep(source: Source) -> None:
    """Closed in Q1 2026 in CNY: rep 1 won 1 (100,000, 19 days from creation) and 8
    (80,000, created 2025-12-20: 26 days), lost 2; rep 2 won 3 (300,000, 34 days), lost 4
    (7 is in EUR). Calls in Q1: rep 1 two, rep 2 one. Quotas: rep 1 300,000 over Q1 (the
    EUR one aside): 180,000 / 300,000 = 60 %; rep 2 1,810,000 over 181 days to June:
    90 / 181 of it is 900,000, of which 300,000 = 33.3 %, and two deals in February, of
    which deal 3: 50 %. Paid CNY orders in Q1 of their customers: rep 1 (customers 1
    and 2) 50,000 (the refund, the EUR order and the one in 2025 aside); rep 2 70,000."""
    rows = _performance(source)
    assert set(rows) == {(None, "1"), (None, "2")}
    one, two = rows[(None, "1")], rows[(None, "2")]
    assert (one.revenue_minor, one.won, one.lost, one.average_deal_minor,
            one.median_cycle_days, one.activities) == (180_000, 2, 1, 90_000, 22.5, 2)  # fmt: skip
    assert one.win_rate == pytest.approx(200 / 3)
    assert (one.quota_minor, one.attainment, one.deals_quota) == (300_000, 60.0, None)
    assert (two.revenue_minor, two.won, two.lost, two.median_cycle_days, two.activities) == (
        300_000, 1, 1, 34.0, 1)  # fmt: skip
    assert two.quota_minor == pytest.approx(900_000)
    assert two.attainment == pytest.approx(100 / 3)
    assert (two.deals_quota, two.deals_attainment) == (2.0, 50.0)
    assert (one.order_revenue_minor, two.order_revenue_minor) == (50_000, 70_000)
    # Wilson for 1 of 2: centre 0.5, half-width z·√(1/8 + z²/16) / (1 + z²/2) = 0.40547
    assert (round(two.low or 0, 2), round(two.high or 0, 2)) == (9.45, 90.55)


def test_attainment_on_order_revenue(source: Source) -> None:
    """Measured on paid orders of their customers instead: rep 1 50,000 / 300,000, rep 2
    70,000 / 900,000; the deals-won quota still counts won deals."""
    rows = _performance(source, quota_basis="orders")
    one, two = rows[(None, "1")], rows[(None, "2")]
    assert one.attainment == pytest.approx(100 / 6)
    assert two.attainment == pytest.approx(700 / 90)
    assert two.deals_attainment == 50.0


def test_team_attainment_counts_revenue_within_the_quotas_days(source: Source) -> None:
    """Team 10 (reps 1 and 2) won 480,000 in Q1 (deals 1, 3, 8), but its quota covers
    January only: 100,000 + 80,000 against 400,000 = 45 %."""
    (team,) = _performance(source, by="team").values()
    assert (team.group, team.revenue_minor, team.won, team.lost, team.activities) == (
        "10", 480_000, 3, 2, 3)  # fmt: skip
    assert (team.median_cycle_days, team.quota_minor, team.attainment) == (26.0, 400_000, 45.0)
    assert team.order_revenue_minor == 120_000


def test_performance_by_month_prorates_quotas(source: Source) -> None:
    """Rep 1's quota: 31/90, 28/90 and 31/90 of 300,000 in January to March; all of
    rep 1's revenue is in January. Rep 2's: 31/181 × 1,810,000 = 310,000 in January,
    280,000 in February (300,000 won: 107 %)."""
    rows = _performance(source, period="month")
    jan, feb, mar = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
    assert set(rows) == {(m, rep) for m in (jan, feb, mar) for rep in ("1", "2")}
    one = {m: (rows[(m, "1")].revenue_minor, round(rows[(m, "1")].attainment or 0, 2),
               rows[(m, "1")].activities) for m in (jan, feb, mar)}  # fmt: skip
    assert one == {jan: (180_000, 174.19, 1), feb: (0, 0.0, 1), mar: (0, 0.0, 0)}
    assert rows[(jan, "1")].quota_minor == pytest.approx(300_000 * 31 / 90)
    assert rows[(jan, "2")].quota_minor == pytest.approx(310_000)
    assert rows[(jan, "2")].win_rate is None  # nothing closed: no rate
    assert rows[(feb, "2")].attainment == pytest.approx(300 / 2.8)
    orders = {key: r.order_revenue_minor for key, r in rows.items() if r.order_revenue_minor}
    assert orders == {(jan, "1"): 50_000, (feb, "2"): 70_000}


def test_results_by_product_category_region_and_channel(source: Source) -> None:
    """Won lines: deal 1 A 100,000; deal 3 B 200,000 and C 100,000; deal 8 A 50,000 and
    B 30,000. Lost: deal 2 (A, B), deal 4 (B). A and C are in category 1, B in 2."""

    def cut(by: str) -> dict[str, tuple[int, int, int]]:
        return {g: (r.revenue_minor, r.won, r.lost) for (_, g), r in _performance(
            source, by=by).items()}  # fmt: skip

    assert cut("product") == {"101": (150_000, 2, 1), "102": (230_000, 2, 2),
                              "103": (100_000, 1, 0)}  # fmt: skip
    assert cut("category") == {"1": (250_000, 3, 1), "2": (230_000, 2, 2)}
    assert cut("province") == {"广东": (400_000, 2, 0), "上海": (0, 0, 1), "北京": (80_000, 1, 0),
                               "(none)": (0, 0, 1)}  # fmt: skip
    assert cut("country") == {"CN": (480_000, 3, 1), "US": (0, 0, 1)}
    assert cut("deal_channel") == {"referral": (400_000, 2, 0), "web": (80_000, 1, 1),
                                   "(none)": (0, 0, 1)}  # fmt: skip
    assert cut("channel") == {"wechat": (400_000, 2, 0), "email": (80_000, 1, 2)}
    rows = _performance(source, by="product")
    assert rows[(None, "101")].average_deal_minor == 75_000
    assert rows[(None, "101")].activities is None
    assert rows[(None, "101")].order_revenue_minor is None
    assert rows[(None, "101")].quota_minor is None
    (total,) = _performance(source, by=None).values()
    assert (total.group, total.revenue_minor, total.won, total.lost) == ("all", 480_000, 3, 2)


@pytest.mark.parametrize(
    ("run", "field"),
    [
        (lambda s: _cycle(s, by="shoe_size"), "by"),
        (lambda s: _cycle(s, by="size", size_edges=(5, 5)), "size_edges"),
        (lambda s: sales_cycle(s, SalesCycleParams(start=date(2026, 5, 1), end=END)), "start"),
        (lambda s: _performance(s, period="fortnight"), "period"),
        (lambda s: _performance(s, by="shoe_size"), "by"),
    ],
)
def test_bad_parameters_are_named(tmp_path: Path, run: Any, field: str) -> None:
    source = Source.from_folder(write_folder(_tables(), tmp_path))
    with pytest.raises(BadParameter) as raised:
        run(source)
    assert raised.value.field == field


def test_the_cli_runs_both_analyses(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from rapport.cli import app

    folder = str(write_folder(_tables(), tmp_path))
    runner = CliRunner()
    window = ["--start", "2026-01-01", "--end", "2026-03-31", "--source", folder]
    result = runner.invoke(app, ["analyze", "sales-performance", *window, "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("period,group,revenue_minor,won,lost,win_rate")
    assert lines[1].split(",")[:6] == ["", "1", "180000", "2", "1", "66.67"]
    sizes = ["--by", "size", "--size-edges", "200000", "--format", "csv"]
    cycle = runner.invoke(app, ["analyze", "sales-cycle", "cycle", *window, *sizes])
    assert cycle.exit_code == 0, cycle.output
    assert [line.split(",")[:2] for line in cycle.output.strip().splitlines()[1:]] == [
        ["CNY <200000", "3"], ["CNY >=200000", "3"], ["EUR >=200000", "1"]]  # fmt: skip
    bad = runner.invoke(app, ["analyze", "sales-cycle", "--by", "shoe_size", "--source", folder])
    assert bad.exit_code == 2
    assert "by:" in bad.output


def _repeat_customer() -> dict[str, list[dict[str, Any]]]:
    """Customer 1 won deal 1 (opened 1 Jan, won 10 Jan) and deal 2 (opened 1 Mar, won
    11 Mar); calls on 20 Dec and 20 Feb."""
    stamp = {"created_at": NOW, "updated_at": NOW}
    spans = {1: ("2026-01-01", "2026-01-10"), 2: ("2026-03-01", "2026-03-11")}
    deals = [{"id": d, "name": f"Deal {d}", "pipeline_id": 1, "stage_id": 5, "customer_id": 1,
              "status": "won", "amount_minor": 1000, "currency": "CNY", "custom_fields": {},
              "closed_at": at(won)} | stamp for d, (_, won) in spans.items()]  # fmt: skip
    changes = [{"id": 10 * d + k, "deal_id": d, "from_stage_id": (None, 1)[k],
                "to_stage_id": (1, 5)[k], "changed_at": at(day)}
               for d, days in spans.items() for k, day in enumerate(days)]  # fmt: skip
    calls = [{"id": i, "customer_id": 1, "kind": "call", "occurred_at": at(day)} | stamp
             for i, day in enumerate(("2025-12-20", "2026-02-20"), 1)]  # fmt: skip
    stages = [{"id": i, "pipeline_id": 1, "name": name, "position": i, "probability": 0,
               "outcome": outcome} | stamp for i, name, outcome in STAGES]  # fmt: skip
    pipelines = [{"id": 1, "name": "Sales", "is_default": True} | stamp]
    return {"customers": [customer_row(1, "email")], "pipelines": pipelines, "stages": stages,
            "deals": deals, "deal_stage_changes": changes, "interactions": calls}  # fmt: skip


repeat = source_fixture(_repeat_customer)


def test_a_repeat_customer_s_cycle_starts_after_the_last_deal(repeat: Source) -> None:
    """Deal 1: 20 Dec → 10 Jan, 21 days; deal 2: the call of 20 Feb (after deal 1 was
    won) → 11 Mar, 19 days, not the 81 days since 20 December. Median 20."""
    (row,) = _cycle(repeat).cycle
    assert (row.won, row.median_days, row.pipeline_median_days) == (2, 20.0, 9.5)
