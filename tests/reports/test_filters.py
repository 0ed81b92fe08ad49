"""The filters of the analytics pages narrow the customers, and what hangs off them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from starlette.datastructures import QueryParams

from rapport.reports.filters import ReportFilters, narrow, parse
from tests.analytics.conftest import NOW, at, customer_row, order_row, tables_source


def _tables() -> dict[str, list[dict[str, object]]]:
    """Customers 1 (web, owner 1), 2 (web, owner 2), 3 (shop, owner 1); an order each, and
    a deal of customer 3 owned by user 2."""
    users = [{"id": u, "email": f"u{u}@example.com", "name": f"U{u}", "role": "rep",
              "locale": "en", "is_active": True, "created_at": NOW, "updated_at": NOW}
             for u in (1, 2)]  # fmt: skip
    return {
        "users": users,
        "customers": [customer_row(1, "web", owner_id=1), customer_row(2, "web", owner_id=2),
                      customer_row(3, "shop", owner_id=1)],
        "orders": [order_row(1, 1, "2026-01-05", 100), order_row(2, 2, "2026-01-06", 200),
                   order_row(3, 3, "2026-01-07", 400)],
        "pipelines": [{"id": 1, "name": "P", "is_default": True, "created_at": NOW,
                       "updated_at": NOW}],
        "stages": [{"id": 1, "pipeline_id": 1, "name": "S", "position": 1, "probability": 10,
                    "outcome": "open", "created_at": NOW, "updated_at": NOW}],
        "deals": [{"id": 1, "name": "D", "pipeline_id": 1, "stage_id": 1, "customer_id": 3,
                   "owner_id": 2, "status": "open", "amount_minor": 5, "currency": "CNY",
                   "custom_fields": {}, "created_at": at("2026-01-02"), "updated_at": NOW}],
    }  # fmt: skip


def test_owner_channel_and_segment_narrow_every_table(tmp_path: Path) -> None:
    with tables_source("sqlite", _tables(), tmp_path) as source:
        day = date(2026, 1, 31)

        def seen(filters: ReportFilters, members: list[int] | None = None) -> tuple[list, ...]:
            view = narrow(source, filters, members)
            ids = sorted(
                source.to_arrow(view.table("customers").select("id")).column(0).to_pylist()
            )
            total = source.to_arrow(view.table("orders").total_minor.sum().name("t").as_table())
            deals = sorted(source.to_arrow(view.table("deals").select("id")).column(0).to_pylist())
            return ids, total.column(0).to_pylist(), deals

        assert seen(ReportFilters(day, day)) == ([1, 2, 3], [700], [1])
        assert seen(ReportFilters(day, day, channel="web")) == ([1, 2], [300], [])
        # The owner filter: the owner's customers, and the deals the owner sells.
        assert seen(ReportFilters(day, day, owner_id=2)) == ([2], [200], [1])
        assert seen(ReportFilters(day, day, segment="saved:9"), [1, 3]) == ([1, 3], [500], [1])
        assert seen(ReportFilters(day, day, channel="shop", segment="rfm:x"), [1, 3]) == (
            [3], [400], [1])  # fmt: skip


def test_the_query_string_gives_the_filters_and_bad_values_their_defaults() -> None:
    today = date(2026, 11, 24)
    found = parse(QueryParams("start=2026-01-01&end=2026-03-31&owner=7&channel=web"), today)
    assert found == ReportFilters(date(2026, 1, 1), date(2026, 3, 31), 7, "web", None)
    assert found.previous() == ReportFilters(date(2025, 10, 3), date(2025, 12, 31), 7, "web")
    fallback = parse(QueryParams("start=yesterday&owner=x&segment=evil"), today, days=30)
    assert fallback == ReportFilters(date(2026, 10, 26), today, None, None, None)
    swapped = parse(QueryParams("start=2026-03-01&end=2026-01-01"), today)
    assert (swapped.start, swapped.end) == (date(2026, 1, 1), date(2026, 3, 1))
