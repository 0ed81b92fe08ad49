"""Engagement from events (docs/metrics.md) on five sessions worked out by hand, read from
SQLite, PostgreSQL and a folder of CSV files."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from rapport.analytics.common import BadParameter
from rapport.analytics.engagement import EngagementParams, engagement, pages, paths
from rapport.analytics.source import Source
from tests.analytics.conftest import at, customer_row, source_fixture, write_folder

# (session, customer or None, channel, [(seconds after 10:00 on 2026-03-01, name, page)])
SESSIONS = [
    ("s1", 1, "web", [(0, "page_view", "/"), (30, "product_view", "/products/1"),
                      (90, "add_to_cart", "/cart"), (150, "checkout", "/checkout"),
                      (200, "payment", "/checkout/pay")]),
    # a download on the product page continues its view; "/" is viewed twice
    ("s2", 1, "web", [(0, "page_view", "/"), (60, "product_view", "/products/2"),
                      (80, "download", "/products/2"), (200, "page_view", "/")]),
    ("s3", None, "app", [(0, "page_view", "/")]),
    # a failed payment, then an event without a page
    ("s4", 2, "app", [(0, "page_view", "/"), (40, "product_view", "/products/1"),
                      (100, "add_to_cart", "/cart"), (130, "checkout", "/checkout"),
                      (170, "payment_failed", "/checkout/pay"), (175, "login", None)]),
    ("s5", 2, "web", [(0, "page_view", "/"), (50, "product_view", "/products/1"),
                      (70, "add_to_cart", "/cart"), (100, "checkout", "/checkout"),
                      (160, "payment", "/checkout/pay")]),
]  # fmt: skip
MARCH = EngagementParams(start=date(2026, 3, 1), end=date(2026, 3, 31), path_length=2)


def _tables() -> dict[str, list[dict[str, Any]]]:
    customers = [customer_row(1, "wechat"), customer_row(2, "email")]
    events = []
    for session, cid, channel, steps in SESSIONS:
        for seconds, name, page in steps:
            moment = at("2026-03-01", "10:00:00") + timedelta(seconds=seconds)
            events.append({"id": len(events) + 1, "customer_id": cid,
                           "anonymous_id": None if cid else "a1", "session_id": session,
                           "name": name, "page": page, "channel": channel, "properties": {},
                           "occurred_at": moment, "received_at": moment})  # fmt: skip
    # In February: outside the dates asked for.
    events.append({"id": 100, "customer_id": 1, "session_id": "s0", "name": "download",
                   "page": "/old", "channel": "web", "properties": {},
                   "occurred_at": at("2026-02-27"), "received_at": at("2026-02-27")})  # fmt: skip
    return {"customers": customers, "events": events}


source = source_fixture(_tables)


def test_sessions_by_hand(source: Source) -> None:
    """Lengths (last − first event): 200, 200, 0, 175, 160 → mean 735 / 5 = 147, median
    175. Customers 1 and 2 have four sessions: 2 each; s3 is anonymous.

    Page views (runs of one page): s1 5; s2 3 (/, /products/2 from 60 s with the download
    at 80 s, / again); s3 1; s4 5 (login has no page); s5 5 → 19 / 5 = 3.8 per session,
    one single-page session (s3). Time on page, to the next view's start:
    s1 30 60 60 50; s2 60 140; s4 40 60 30 40; s5 50 20 30 60 (the last view of each
    session has none): 14 times summing to 730 → mean 52.14; sorted, the 7th and 8th are
    50 and 50 → median 50. Purchases: s1, s5. One download, in s2 (February's is out).
    """
    (row,) = engagement(source, MARCH)
    assert (row.group, row.sessions, row.anonymous_sessions, row.customers) == ("all", 5, 1, 2)
    assert (row.sessions_per_customer, row.mean_seconds, row.median_seconds) == (2.0, 147.0, 175.0)
    assert (row.pages_per_session, row.single_page_sessions) == (3.8, 1)
    assert (round(row.mean_page_seconds or 0, 2), row.median_page_seconds) == (52.14, 50.0)
    assert (row.purchase_sessions, row.downloads, row.download_sessions) == (2, 1, 1)


def test_sessions_by_session_channel(source: Source) -> None:
    """app: s3 (0 s, anonymous), s4 (175 s): means 87.5; 6 views → 3 per session; times
    40 60 30 40 → mean 42.5, median 40. web: s1, s2, s5 (200, 200, 160 → mean 186.67,
    median 200), both customers (1.5 sessions each); 13 views → 4.33; times 30 60 60 50
    60 140 50 20 30 60 → mean 56, median (50 + 60) / 2 = 55."""
    rows = {r.group: r for r in engagement(source, EngagementParams(
        start=date(2026, 3, 1), by="session_channel"))}  # fmt: skip
    app, web = rows["app"], rows["web"]
    assert set(rows) == {"app", "web"}
    assert (app.sessions, app.anonymous_sessions, app.customers, app.sessions_per_customer) == (
        2, 1, 1, 1.0)  # fmt: skip
    assert (app.mean_seconds, app.median_seconds, app.pages_per_session) == (87.5, 87.5, 3.0)
    assert (app.mean_page_seconds, app.median_page_seconds, app.downloads) == (42.5, 40.0, 0)
    assert (web.sessions, web.customers, web.sessions_per_customer) == (3, 2, 1.5)
    assert (round(web.mean_seconds or 0, 2), web.median_seconds) == (186.67, 200.0)
    assert (web.mean_page_seconds, web.median_page_seconds, web.downloads) == (56.0, 55.0, 1)


def test_sessions_by_customer_field(source: Source) -> None:
    """Customer 1 (wechat): s1, s2; customer 2 (email): s4, s5; s3 has no customer."""
    rows = engagement(source, EngagementParams(start=date(2026, 3, 1), by="channel"))
    assert [(r.group, r.sessions, r.customers) for r in rows] == [
        ("(anonymous)", 1, 0), ("email", 2, 1), ("wechat", 2, 1)]  # fmt: skip
    assert rows[0].sessions_per_customer is None


def test_time_on_page_and_exits_by_hand(source: Source) -> None:
    """/: viewed in s1, s2 (twice), s3, s4, s5 = 6; exits: s2's second view and s3;
    timed 30 (s1), 60 (s2), 40 (s4), 50 (s5) → mean 45, median 45.
    /products/1: s1 60, s4 60, s5 20 → mean 46.67, median 60. /cart: 60, 30, 30 → 40, 30.
    /checkout: 50, 40, 60 → 50, 50. /checkout/pay: three views, all exits, never timed.
    /products/2: s2 140."""
    rows = {r.page: r for r in pages(source, MARCH)}
    got = {p: (r.views, r.exits, r.timed_views, r.mean_seconds and round(r.mean_seconds, 2),
               r.median_seconds) for p, r in rows.items()}  # fmt: skip
    assert got == {
        "/": (6, 2, 4, 45.0, 45.0),
        "/products/1": (3, 0, 3, 46.67, 60.0),
        "/cart": (3, 0, 3, 40.0, 30.0),
        "/checkout": (3, 0, 3, 50.0, 50.0),
        "/checkout/pay": (3, 3, 0, None, None),
        "/products/2": (1, 0, 1, 140.0, 140.0),
    }
    assert [r.page for r in pages(source, MARCH)][:2] == ["/", "/cart"]  # most views, then name
    assert round(rows["/"].exit_rate, 2) == 33.33


def test_paths_by_hand(source: Source) -> None:
    """Two pages. Entry: s1, s4, s5 start / → /products/1 (3 of 5 = 60 %), s2 / →
    /products/2, s3 only / (20 % each). Purchase (s1, s5): the last two views up to the
    one with the payment: /checkout → /checkout/pay, both. Drop-out (s2, s3, s4):
    /products/2 → /, /, /checkout → /checkout/pay, a third each."""
    got = [(r.kind, r.pages, r.sessions, round(r.share, 2)) for r in paths(source, MARCH)]
    assert got == [
        ("entry", ["/", "/products/1"], 3, 60.0),
        ("entry", ["/"], 1, 20.0),
        ("entry", ["/", "/products/2"], 1, 20.0),
        ("purchase", ["/checkout", "/checkout/pay"], 2, 100.0),
        ("drop_out", ["/"], 1, 33.33),
        ("drop_out", ["/products/2", "/"], 1, 33.33),
        ("drop_out", ["/checkout", "/checkout/pay"], 1, 33.33),
    ]


def test_a_purchase_event_of_another_name_and_a_shorter_top(source: Source) -> None:
    """With checkout as the purchase, s1, s4 and s5 buy and the path ends on /checkout
    (the view in which the checkout happened); only s2 and s3 drop out."""
    params = EngagementParams(start=date(2026, 3, 1), path_length=2, top=1,
                              purchase_events=("checkout",))  # fmt: skip
    got = [(r.kind, r.pages, r.sessions, round(r.share, 2)) for r in paths(source, params)]
    assert got == [
        ("entry", ["/", "/products/1"], 3, 60.0),
        ("purchase", ["/cart", "/checkout"], 3, 100.0),
        ("drop_out", ["/"], 1, 50.0),
    ]


def test_downloads_of_another_event_name(source: Source) -> None:
    """Counting add_to_cart events instead: s1, s4, s5 one each."""
    params = EngagementParams(start=date(2026, 3, 1), download_event="add_to_cart")
    (row,) = engagement(source, params)
    assert (row.downloads, row.download_sessions) == (3, 3)


def test_engagement_refuses_bad_parameters(source: Source) -> None:
    with pytest.raises(BadParameter, match="by"):
        engagement(source, EngagementParams(by="shoe_size"))
    with pytest.raises(BadParameter, match="path_length"):
        paths(source, EngagementParams(path_length=0))
    with pytest.raises(BadParameter, match="start"):
        pages(source, EngagementParams(start=date(2026, 3, 2), end=date(2026, 3, 1)))


def test_the_cli_prints_paths_as_csv(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from rapport.cli import app

    folder = write_folder(_tables(), tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["analyze", "engagement", "paths", "--start", "2026-03-01",
                                 "--path-length", "2", "--top", "1", "--purchase-event",
                                 "checkout", "--purchase-event", "payment",
                                 "--source", str(folder), "--format", "csv"])  # fmt: skip
    assert result.exit_code == 0, result.output
    # with checkout or payment as purchases, the first purchase event is the checkout
    assert result.output.strip().splitlines() == [
        "kind,pages,sessions,share", "entry,/ /products/1,3,60.00",
        "purchase,/cart /checkout,3,100.00", "drop_out,/,1,50.00"]  # fmt: skip
    bad = runner.invoke(app, ["analyze", "engagement", "--by", "shoe_size",
                              "--source", str(folder)])  # fmt: skip
    assert bad.exit_code == 2
    assert "by:" in bad.output
