"""``Source``: what an analysis reads, whoever holds the tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from rapport.access import Actor
from rapport.analytics.rfm import RfmParams, rfm
from rapport.analytics.source import MissingTable, Source
from rapport.users.models import Role
from tests.analytics.conftest import (
    NOW,
    SOURCES,
    at,
    customer_row,
    order_row,
    tables_source,
)

AS_OF = RfmParams(as_of=date(2026, 6, 30))


def _user(uid: int, role: str) -> dict[str, Any]:
    return {"id": uid, "email": f"u{uid}@example.com", "name": f"User {uid}", "role": role,
            "locale": "en", "is_active": True, "created_at": NOW, "updated_at": NOW}  # fmt: skip


def _tables() -> dict[str, list[dict[str, Any]]]:
    """Customers 1 and 2 belong to rep 7, customer 3 to rep 8; customer 4 is in the
    recycle bin and order 6 (of customer 1) too."""
    return {
        "users": [_user(7, "rep"), _user(8, "rep")],
        "customers": [
            customer_row(1, "wechat", owner_id=7), customer_row(2, "email", owner_id=7),
            customer_row(3, "email", owner_id=8),
            customer_row(4, "email", owner_id=7, deleted_at=NOW),
        ],
        "orders": [
            order_row(1, 1, "2026-06-01", 100), order_row(2, 2, "2026-06-02", 200),
            order_row(3, 3, "2026-06-03", 300), order_row(4, 4, "2026-06-04", 400),
            order_row(5, 1, "2026-06-05", 500), order_row(6, 1, "2026-06-06", 600, deleted_at=NOW),
        ],
    }  # fmt: skip


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_rep_sees_only_their_customers_orders(kind: str, tmp_path: Path) -> None:
    rep = Actor(user_id=7, role=Role.REP)
    with tables_source(kind, _tables(), tmp_path, actor=rep) as source:
        rows = {r.customer_id: (r.frequency, r.monetary_minor) for r in rfm(source, AS_OF)}
    # customer 3 is rep 8's, customer 4 and order 6 are in the recycle bin
    assert rows == {1: (2, 600), 2: (1, 200)}


@pytest.mark.parametrize("kind", SOURCES)
def test_everything_but_the_recycle_bin_without_an_actor(kind: str, tmp_path: Path) -> None:
    with tables_source(kind, _tables(), tmp_path) as source:
        rows = {r.customer_id: r.monetary_minor for r in rfm(source, AS_OF)}
    # files hold what was exported: there, only rows with deleted_at set are left out,
    # so the order of customer 4 (binned, the order itself not) still counts
    expected = {1: 600, 2: 200, 3: 300} | ({4: 400} if kind in ("folder", "parquet") else {})
    assert rows == expected


@pytest.mark.parametrize("kind", ["sqlite", "folder", "parquet"])
def test_only_the_columns_an_analysis_reads_are_loaded(kind: str, tmp_path: Path) -> None:
    with tables_source(kind, _tables(), tmp_path) as source:
        rfm(source, AS_OF)
        held = source._columns["orders"]
    assert held == {"customer_id", "status", "currency", "ordered_at", "total_minor"}


def test_a_folder_needs_only_the_columns_read(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(
        "customer_id,status,currency,ordered_at,total_minor\n1,paid,CNY,2026-06-01 10:00:00,100\n",
        encoding="utf-8",
    )
    rows = rfm(Source.from_folder(tmp_path), AS_OF)
    assert [(r.customer_id, r.monetary_minor) for r in rows] == [(1, 100)]
    (tmp_path / "orders.csv").write_text(
        "customer_id,status,ordered_at,total_minor\n1,paid,2026-06-01 10:00:00,100\n",
        encoding="utf-8",
    )
    with pytest.raises(MissingTable, match=r"orders\.csv lacks the column currency"):
        rfm(Source.from_folder(tmp_path), AS_OF)


@pytest.mark.parametrize("kind", SOURCES)
def test_days_follow_the_analytics_clock(kind: str, tmp_path: Path) -> None:
    """An order at 20:00 UTC on 31 January is one of 1 February in Beijing (UTC+8)."""
    from rapport.analytics.retention import cohorts

    late = order_row(1, 1, "2026-01-31", 100, ordered_at=at("2026-01-31", "20:00:00"))
    tables = {"customers": [customer_row(1, "wechat")], "orders": [late]}
    for zone, month in (("UTC", 1), ("Asia/Shanghai", 2)):
        folder = tmp_path / zone.replace("/", "-")
        folder.mkdir()
        with tables_source(kind, tables, folder, time_zone=zone) as source:
            rows = cohorts(source, end=date(2026, 2, 28))
        assert [r.cohort for r in rows] == [date(2026, month, 1)], zone


def test_an_unknown_time_zone_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="time_zone"):
        Source.from_folder(tmp_path, time_zone="Mars/Olympus")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_order_lines_are_seen_with_their_orders(kind: str, tmp_path: Path) -> None:
    """Lines of order 6 (in the recycle bin) and of order 4 (its customer is) are out of
    sight; so are those of customer 3's order for rep 7, who cannot see customer 3."""
    tables = _tables()
    tables["products"] = [{"id": 1, "sku": "P-1", "name": "Pen", "unit_price_minor": 100,
                           "currency": "CNY", "is_active": True, "created_at": NOW,
                           "updated_at": NOW}]  # fmt: skip
    tables["order_items"] = [{"id": o, "order_id": o, "product_id": 1, "quantity": 1,
                              "unit_price_minor": 100, "discount_minor": 0,
                              "line_total_minor": 100} for o in (1, 3, 4, 6)]  # fmt: skip
    for actor, expected in ((None, [1, 3]), (Actor(user_id=7, role=Role.REP), [1])):
        folder = tmp_path / ("rep" if actor else "all")
        folder.mkdir()
        with tables_source(kind, tables, folder, actor=actor) as source:
            lines = source.table("order_items")
            rows = source.to_arrow(lines.select("order_id").order_by("order_id"))
        assert rows.column("order_id").to_pylist() == expected


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_table_read_in_parts_is_read_whole(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Big tables are read in ranges of ids side by side: every visible row once, the
    access rules and the recycle bin applied to each part."""
    from rapport.analytics import readers as module

    monkeypatch.setattr(module, "_PART_IDS", 1)
    monkeypatch.setattr(module, "_cores", lambda: 3)
    rep = Actor(user_id=7, role=Role.REP)
    for actor, expected in ((None, [1, 2, 3, 5]), (rep, [1, 2, 5])):
        folder = tmp_path / ("rep" if actor else "all")
        folder.mkdir()
        with tables_source(kind, _tables(), folder, actor=actor) as source:
            orders = source.table("orders")
            rows = source.to_arrow(orders.select("id").order_by("id"))
        assert rows.column("id").to_pylist() == expected


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_only_the_rows_a_query_keeps_by_a_constant_are_read(kind: str, tmp_path: Path) -> None:
    """Paid orders in yuan are read as such from a database (status and currency are
    then constants in the DuckDB); a later query wanting other rows reads them again,
    with only the conditions both share."""
    tables = _tables()
    tables["orders"] += [order_row(7, 2, "2026-06-07", 700, currency="USD"),
                         order_row(8, 3, "2026-06-08", 800, status="refunded")]  # fmt: skip
    with tables_source(kind, tables, tmp_path) as source:
        rows = {r.customer_id: r.monetary_minor for r in rfm(source, AS_OF)}
        assert source._equal["orders"] == {("status", "paid"), ("currency", "CNY")}
        orders = source.table("orders")
        paid = orders.filter(orders.status == "paid")
        by_currency = paid.group_by("currency").aggregate(n=paid.count()).order_by("currency")
        assert source.to_arrow(by_currency).to_pylist() == [
            {"currency": "CNY", "n": 4}, {"currency": "USD", "n": 1}
        ]  # fmt: skip
        assert source._equal["orders"] == {("status", "paid")}
        every = orders.group_by("status").aggregate(n=orders.count()).order_by("status")
        assert source.to_arrow(every).to_pylist() == [
            {"status": "paid", "n": 5}, {"status": "refunded", "n": 1}
        ]  # fmt: skip
        assert source._equal["orders"] == frozenset()
        again = {r.customer_id: r.monetary_minor for r in rfm(source, AS_OF)}
    assert rows == again == {1: 600, 2: 200, 3: 300}


def test_a_condition_is_pushed_only_when_every_reading_applies_it() -> None:
    from rapport.analytics.reads import query_reads as _reads

    source = Source.from_folder(Path("."))
    orders = source.table("orders")
    paid = orders.filter((orders.status == "paid") & (orders.currency == "CNY"))
    refunded = orders.filter((orders.status == "refunded") & (orders.currency == "CNY"))
    both = paid.select("customer_id").union(refunded.select("customer_id"))
    assert _reads(paid)["orders"].equal == {("status", "paid"), ("currency", "CNY")}
    assert _reads(both)["orders"].equal == {("currency", "CNY")}
    assert _reads(paid.union(orders))["orders"].equal == frozenset()
    numbered = orders.filter(orders.customer_id == 3)
    assert _reads(numbered)["orders"].equal == {("customer_id", 3)}
    # a constant of another type than its column is compared by each engine its own way
    mistyped = orders.filter(orders.status.cast("int64") == 3)
    assert _reads(mistyped)["orders"].equal == frozenset()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_rows_are_counted_when_every_column_read_is_a_constant(kind: str, tmp_path: Path) -> None:
    tables = _tables()
    tables["orders"].append(order_row(7, 2, "2026-06-07", 700, currency="USD"))
    tables["products"] = [{"id": 1, "sku": "P-1", "name": "Pen", "unit_price_minor": 100,
                           "currency": "CNY", "is_active": True, "created_at": NOW,
                           "updated_at": NOW}]  # fmt: skip
    tables["order_items"] = [{"id": i, "order_id": o, "product_id": 1, "quantity": 1,
                              "unit_price_minor": 100, "discount_minor": 0,
                              "line_total_minor": 100}
                             for i, o in ((1, 1), (2, 1), (3, 2))]  # fmt: skip
    with tables_source(kind, tables, tmp_path) as source:
        orders, customers = source.table("orders"), source.table("customers")
        items = source.table("order_items")

        def count(table: Any) -> int:
            return int(source.to_arrow(table.aggregate(n=table.count()))["n"][0].as_py())

        assert count(orders.filter((orders.status == "paid") & (orders.currency == "CNY"))) == 4
        assert count(orders.filter(orders.customer_id == 1)) == 2
        assert count(customers.filter(customers.channel == "email")) == 2  # 4 is binned
        assert count(items.filter(items.order_id == 1)) == 2  # a child by its link
        assert count(items) == 3
        assert count(orders) == 5


def test_json_is_compared_by_no_database_as_text() -> None:
    from rapport.analytics.reads import query_reads as _reads

    customers = Source.from_folder(Path(".")).table("customers")
    assert _reads(customers.filter(customers.custom_fields == "{}"))["customers"].equal == set()
