"""Funnels on fixtures worked out by hand.

Lifecycle (loyal from 3 orders), customers created 1 January 2026: 1 (wechat) nothing;
2 (wechat) a call; 3 (email) a call and one order; 4 (email) two orders, no call;
5 (email) three orders. 6 is a contact of 5 (left out), 7 was created in 2025 (before the
window).

Pipeline: Qualify (1) → Propose (2) → Negotiate (3) → Won / Lost. Deal 1 (rep 7) goes
through every stage and is won; deal 2 (rep 7) skips from Qualify to Negotiate and is
lost; deal 3 (rep 8) is open in Propose; deal 4 (rep 8) is lost from Qualify.

Web sessions on 1 February: S1 (customer 1) view, product, cart, checkout, payment;
S2 (customer 2) view, cart, checkout, failed payment; S3 (anonymous) product, cart;
S4 (customer 3, in the app) a view; S5 (customer 4) cart, checkout, payment — no view.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rapport.analytics.common import BadParameter
from rapport.analytics.funnels import (
    FunnelParams,
    lifecycle_funnel,
    pipeline_funnel,
    web_funnel,
    web_rates,
    win_rate,
)
from rapport.analytics.source import Source
from tests.analytics.conftest import (
    NOW,
    at,
    customer_row,
    interaction_row,
    order_row,
    source_fixture,
)

WINDOW = FunnelParams(start=date(2026, 1, 1), end=date(2026, 3, 31), loyal_orders=3)
STAGES = [(1, "Qualify", 1, "open"), (2, "Propose", 2, "open"), (3, "Negotiate", 3, "open"),
          (4, "Won", 4, "won"), (5, "Lost", 5, "lost")]  # fmt: skip
# deal: (owner, status, stages it went through)
DEALS = {1: (7, "won", [1, 2, 3, 4]), 2: (7, "lost", [1, 3, 5]), 3: (8, "open", [1, 2]),
         4: (8, "lost", [1, 5])}  # fmt: skip
SESSIONS = {
    "S1": (1, "web", ["page_view", "product_view", "add_to_cart", "checkout", "payment"]),
    "S2": (2, "web", ["page_view", "add_to_cart", "checkout", "payment_failed"]),
    "S3": (None, "web", ["product_view", "add_to_cart"]),
    "S4": (3, "app", ["page_view"]),
    "S5": (4, "web", ["add_to_cart", "checkout", "payment"]),
}


def _tables() -> dict[str, list[dict[str, Any]]]:
    customers = [customer_row(c, "wechat" if c < 3 else "email") for c in range(1, 6)]
    customers += [customer_row(6, "email", company_id=5),
                  customer_row(7, "email", created_at=at("2025-06-01"))]  # fmt: skip
    buys = [(3, "2026-02-01"), (4, "2026-02-01"), (4, "2026-02-10"), (5, "2026-02-01"),
            (5, "2026-02-10"), (5, "2026-02-20"), (6, "2026-02-01"), (7, "2026-02-01")]  # fmt: skip
    users = [{"id": u, "email": f"u{u}@example.com", "name": f"User {u}", "role": "rep",
              "locale": "en", "is_active": True, "created_at": NOW, "updated_at": NOW}
             for u in (7, 8)]  # fmt: skip
    stamp = {"created_at": NOW, "updated_at": NOW}
    stages = [{"id": i, "pipeline_id": 1, "name": name, "position": pos, "probability": 0,
               "outcome": outcome} | stamp for i, name, pos, outcome in STAGES]  # fmt: skip
    deals, changes = [], []
    for d, (owner, status, path) in DEALS.items():
        closed = at("2026-02-15") if status != "open" else None
        deals.append({"id": d, "name": f"Deal {d}", "pipeline_id": 1, "stage_id": path[-1],
                      "customer_id": d, "owner_id": owner, "status": status,
                      "amount_minor": 1000, "currency": "CNY", "custom_fields": {},
                      "closed_at": closed, "created_at": at("2026-01-10"),
                      "updated_at": NOW})  # fmt: skip
        for step, (before, stage) in enumerate(zip([None, *path], path, strict=False)):
            changes.append({"id": 10 * d + step, "deal_id": d, "from_stage_id": before,
                            "to_stage_id": stage,
                            "changed_at": at(f"2026-01-{10 + step:02d}")})  # fmt: skip
    events = []
    for session, (cid, channel, names) in SESSIONS.items():
        for i, name in enumerate(names):
            events.append({"id": len(events) + 1, "customer_id": cid, "session_id": session,
                           "anonymous_id": None if cid else "a1", "name": name,
                           "channel": channel, "properties": {},
                           "occurred_at": at("2026-02-01", f"10:0{i}:00")})  # fmt: skip
    return {
        "users": users,
        "customers": customers,
        "orders": [order_row(i, c, day, 100) for i, (c, day) in enumerate(buys, 1)],
        "interactions": [interaction_row(1, 2, "2026-01-05"), interaction_row(2, 3, "2026-01-05")],
        "pipelines": [{"id": 1, "name": "Sales", "is_default": True} | stamp],
        "stages": stages,
        "deals": deals,
        "deal_stage_changes": changes,
        "events": events,
    }


source = source_fixture(_tables)


def _shape(rows: list[Any]) -> dict[tuple[str, str], tuple[int, float, float]]:
    return {(r.group, r.step): (r.reached, round(r.conversion, 2), round(r.of_first, 2))
            for r in rows}  # fmt: skip


def test_lifecycle_funnel(source: Source) -> None:
    rows = lifecycle_funnel(source, WINDOW)
    assert _shape(rows) == {
        ("all", "lead"): (5, 100.0, 100.0), ("all", "contacted"): (4, 80.0, 80.0),
        ("all", "first_purchase"): (3, 75.0, 60.0), ("all", "repeat"): (2, 66.67, 40.0),
        ("all", "loyal"): (1, 50.0, 20.0),
    }  # fmt: skip
    # Wilson 95 % for 4 of 5: (0.8 + z²/10 ∓ z·√(0.032 + z²/100)) / (1 + z²/5)
    contacted = rows[1]
    assert (round(contacted.low, 2), round(contacted.high, 2)) == (37.55, 96.38)


def test_lifecycle_funnel_by_channel(source: Source) -> None:
    rows = lifecycle_funnel(source, FunnelParams(**{**WINDOW.__dict__, "by": "channel"}))
    got = {(r.group, r.step): r.reached for r in rows}
    assert [got["wechat", s] for s in ("lead", "contacted", "first_purchase")] == [2, 1, 0]
    assert [got["email", s] for s in ("lead", "contacted", "first_purchase", "repeat",
                                      "loyal")] == [3, 3, 3, 2, 1]  # fmt: skip


def test_pipeline_funnel_counts_skipped_stages_as_passed(source: Source) -> None:
    rows = pipeline_funnel(source, WINDOW)
    assert _shape(rows) == {
        ("all", "Qualify"): (4, 100.0, 100.0), ("all", "Propose"): (3, 75.0, 75.0),
        ("all", "Negotiate"): (2, 66.67, 50.0), ("all", "won"): (1, 50.0, 25.0),
    }  # fmt: skip
    by_owner = pipeline_funnel(source, FunnelParams(**{**WINDOW.__dict__, "by": "owner"}))
    got = {(r.group, r.step): r.reached for r in by_owner}
    assert [got["8", s] for s in ("Qualify", "Propose", "Negotiate", "won")] == [2, 1, 0, 0]


def test_pipeline_funnel_as_it_stood_on_a_past_day(source: Source) -> None:
    """On 11 January deal 1 was in Propose, 2 in Negotiate (from Qualify), 3 in Propose,
    4 lost: nothing won yet."""
    rows = pipeline_funnel(source, FunnelParams(start=date(2026, 1, 1), as_of=date(2026, 1, 11)))
    assert [(r.step, r.reached) for r in rows] == [
        ("Qualify", 4), ("Propose", 3), ("Negotiate", 1), ("won", 0)]  # fmt: skip


def test_win_rate(source: Source) -> None:
    (row,) = win_rate(source, WINDOW)
    assert (row.reached, round(row.conversion, 2)) == (1, 33.33)
    rows = win_rate(source, FunnelParams(**{**WINDOW.__dict__, "by": "owner"}))
    assert [(r.group, r.reached, r.conversion) for r in rows] == [("7", 1, 50.0), ("8", 0, 0.0)]


def test_web_funnel_and_rates(source: Source) -> None:
    assert _shape(web_funnel(source, WINDOW)) == {
        ("all", "view"): (4, 100.0, 100.0), ("all", "cart"): (3, 75.0, 75.0),
        ("all", "checkout"): (2, 66.67, 50.0), ("all", "payment"): (1, 50.0, 25.0),
    }  # fmt: skip
    (rates,) = web_rates(source, WINDOW)
    # carts: S1, S2, S3, S5, abandoned S2, S3; payment tried in S1, S2, S5, paid in S1, S5
    assert (rates.carts, rates.abandoned, rates.abandonment) == (4, 2, 50.0)
    assert (rates.attempts, rates.paid, round(rates.payment_success, 2)) == (3, 2, 66.67)


def test_web_funnel_by_session_channel_and_customer_field(source: Source) -> None:
    rows = web_funnel(source, FunnelParams(**{**WINDOW.__dict__, "by": "session_channel"}))
    got = {(r.group, r.step): r.reached for r in rows}
    assert [got["web", s] for s in ("view", "cart", "checkout", "payment")] == [3, 3, 2, 1]
    assert got["app", "view"] == 1
    rows = web_funnel(source, FunnelParams(**{**WINDOW.__dict__, "by": "kind"}))
    views = {r.group: r.reached for r in rows if r.step == "view"}
    assert views == {"(anonymous)": 1, "person": 3}
    # by the customers' own channel: 1 and 2 wechat, 3 email (S4)
    rows = web_funnel(source, FunnelParams(**{**WINDOW.__dict__, "by": "channel"}))
    views = {r.group: r.reached for r in rows if r.step == "view"}
    assert views == {"(anonymous)": 1, "wechat": 2, "email": 1}


def test_a_bad_breakdown_is_named(source: Source) -> None:
    with pytest.raises(BadParameter, match="by"):
        lifecycle_funnel(source, FunnelParams(by="shoe_size"))
