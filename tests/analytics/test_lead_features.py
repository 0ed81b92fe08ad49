"""Open leads' features and conversions, and customers' profiles as leads, on a fixture
worked out by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

from rapport.analytics.lead_features import (
    CATEGORIES,
    NUMBERS,
    LeadFeatureParams,
    lead_features,
    profile_expr,
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

AS_OF = date(2026, 6, 30)  # "recently" (30 days) is from 1 June; 90 days on: 28 September
STAMP = {"created_at": NOW, "updated_at": NOW}
# stages: 1 open 10 %, 2 open 40 %, 3 won, 4 lost
STAGES = ((1, "open", 10), (2, "open", 40), (3, "won", 100), (4, "lost", 0))


def _deal(did: int, cid: int, opened: str, moves: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """A deal row (opened on ``opened``) and its stage changes (to stage, day)."""
    deal = {"id": did, "name": f"Deal {did}", "pipeline_id": 1, "stage_id": moves[-1][0],
            "customer_id": cid, "status": "open", "amount_minor": 1000, "currency": "CNY",
            "custom_fields": {}, "created_at": at(opened), "updated_at": NOW}  # fmt: skip
    changes = [{"id": 10 * did + k, "deal_id": did, "to_stage_id": stage, "changed_at": at(day)}
               for k, (stage, day) in enumerate(moves)]  # fmt: skip
    return [deal, *changes]


def _tables() -> dict[str, list[dict[str, Any]]]:
    """Created 1 January 2026 unless said.

    1: person from WeChat in Shanghai; calls 1 Feb and 20 Jun; web sessions s1 (25 Jun,
       two events) and s2 (1 Mar); first paid order 1 Aug: converted.
    2: company from a trade show; deal 1 in stage 1 from 1 Feb, stage 2 from 1 Mar, won
       10 Jul (no order: converted by the deal); deal 2 lost 1 Apr.
    3: contact at company 2, referred by 1, created 1 June; nothing else.
    4: bought on 1 June: no lead.   5: won deal 3 on 1 May: no lead.
    6: created 5 July: not yet there.   7: first paid order 15 Oct: after the window.
    """
    customers = [
        customer_row(1, "wechat", country="CN", province="上海市", language="zh_CN",
                     campaign_id=None),
        customer_row(2, "trade_show", kind="company"),
        customer_row(3, "referral", company_id=2, referred_by_id=1, created_at=at("2026-06-01")),
        customer_row(4, "email"), customer_row(5, "email", kind="company"),
        customer_row(6, "email", created_at=at("2026-07-05")), customer_row(7, "direct"),
    ]  # fmt: skip
    deals = [*_deal(1, 2, "2026-02-01", [(1, "2026-02-01"), (2, "2026-03-01"), (3, "2026-07-10")]),
             *_deal(2, 2, "2026-02-01", [(1, "2026-02-01"), (4, "2026-04-01")]),
             *_deal(3, 5, "2026-04-01", [(1, "2026-04-01"), (3, "2026-05-01")])]  # fmt: skip
    event = {"name": "page_view", "properties": {}}
    return {
        "customers": customers,
        "pipelines": [{"id": 1, "name": "Sales", "is_default": True} | STAMP],
        "stages": [
            {
                "id": i,
                "pipeline_id": 1,
                "name": f"S{i}",
                "position": i,
                "probability": p,
                "outcome": o,
            }
            | STAMP
            for i, o, p in STAGES
        ],
        "deals": [row for row in deals if "name" in row],
        "deal_stage_changes": [row for row in deals if "name" not in row],
        "orders": [
            order_row(1, 1, "2026-08-01", 100),
            order_row(2, 4, "2026-06-01", 100),
            order_row(3, 7, "2026-10-15", 100),
        ],
        "interactions": [interaction_row(1, 1, "2026-02-01"), interaction_row(2, 1, "2026-06-20")],
        "events": [
            {"id": 1, "customer_id": 1, "session_id": "s1", "occurred_at": at("2026-06-25")}
            | event,
            {
                "id": 2,
                "customer_id": 1,
                "session_id": "s1",
                "occurred_at": at("2026-06-25", "12:01:00"),
            }
            | event,
            {"id": 3, "customer_id": 1, "session_id": "s2", "occurred_at": at("2026-03-01")}
            | event,
        ],
    }


source = source_fixture(_tables)


def test_open_leads_and_their_features(source: Source) -> None:
    table = lead_features(source, LeadFeatureParams(as_of=AS_OF), horizon_days=90)
    assert table.column_names == ["customer_id", *CATEGORIES, *NUMBERS, "converted"]
    rows = {row["customer_id"]: row for row in table.to_pylist()}
    assert set(rows) == {1, 2, 3, 7}
    one, two, three = rows[1], rows[2], rows[3]
    assert (one["kind"], one["channel"], one["campaign"], one["country"], one["province"]) == (
        "person", "wechat", "(none)", "CN", "上海市")  # fmt: skip
    # calls 1 Feb and 20 Jun (10 days before 30 Jun, the only one since 1 Jun); sessions
    # s1 (25 Jun) and s2 (1 Mar); 1 Jan → 30 Jun is 180 days
    assert (one["interactions"], one["interactions_recent"], one["days_since_interaction"]) == (
        2,
        1,
        10,
    )
    assert (one["sessions"], one["sessions_recent"], one["age_days"]) == (2, 1, 180)
    assert (one["deals_open"], one["deal_probability"], one["converted"]) == (0, None, True)
    # deal 1 in stage 2 (40 %) at the cut-off, deal 2 lost; deal 1 won on 10 Jul
    assert (two["kind"], two["deals_open"], two["deal_probability"], two["deals_lost"]) == (
        "company", 1, 40.0, 1)  # fmt: skip
    assert two["converted"] is True and two["days_since_interaction"] is None
    assert (three["is_contact"], three["referred"], three["age_days"]) == (1, 1, 29)
    assert three["converted"] is False and rows[7]["converted"] is False
    assert one["is_contact"] == 0 and one["referred"] == 0


def test_without_a_window_there_is_no_outcome(source: Source) -> None:
    table = lead_features(source, LeadFeatureParams(as_of=AS_OF))
    assert "converted" not in table.column_names
    assert table["customer_id"].to_pylist() == [1, 2, 3, 7]


def test_profiles_as_leads(source: Source) -> None:
    """In their first 14 days: 1 had no call (1 Feb is a month on) and no session; 2
    opened deals 1 and 2 on 1 Feb (a month on): none early; 3 (created 1 Jun) is
    complete; 6 was created after 30 Jun. Buyers by 30 Jun: 4 only (5's deal has no
    order)."""
    table = source.to_arrow(profile_expr(source, AS_OF, 14, "CNY"))
    rows = {row["customer_id"]: row for row in table.to_pylist()}
    assert set(rows) == {1, 2, 3, 4, 5, 7}
    assert (rows[1]["interactions_early"], rows[1]["sessions_early"]) == (0, 0)
    assert (rows[2]["deals_early"], rows[5]["deals_early"]) == (0, 0)
    assert rows[3]["complete"] is True and rows[3]["is_contact"] == 1
    assert [c for c, r in rows.items() if r["buyer"]] == [4]
    assert rows[4]["revenue_minor"] == 100
