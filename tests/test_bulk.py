"""``insert_rows`` writes what the ORM reads back unchanged, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, select
from sqlalchemy.orm import Session

from rapport import migrate
from rapport.bulk import insert_rows, insert_values
from rapport.customers.models import Customer, CustomerKind, LifecycleStage
from rapport.db import make_engine
from tests.conftest import empty_database

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
CUSTOMERS = Customer.__table__


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a new, migrated database of each backend."""
    with empty_database(request.param, tmp_path) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        yield engine
        engine.dispose()


def _row(cid: int, **values: Any) -> dict[str, Any]:
    """A customers row with every column, in the table's column order."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    row: dict[str, Any] = {column.name: None for column in CUSTOMERS.columns}
    row.update(
        id=cid,
        kind="person",
        name=f"Customer {cid}",
        lifecycle_stage="lead",
        custom_fields={},
        marketing_opt_out=False,
        created_at=now,
        updated_at=now,
    )
    row.update(values)
    return row


FULL = _row(
    1,
    kind="company",
    name="上海星辰科技有限公司",
    email="info@example.cn",
    birthday=date(1990, 2, 28),
    employee_count=120,
    annual_revenue_minor=12_345_678_901_234,  # beyond 32 bits
    lifecycle_stage="won_back",
    custom_fields={"备注": "重要客户，请优先处理", "tier": 2, "tags": ["甲", "b"], "vip": True},
    marketing_opt_out=True,
    # 09:30 in Shanghai (UTC+8) is 01:30 UTC; microseconds must survive.
    marketing_opt_out_at=datetime(2026, 1, 15, 9, 30, 15, 123456, tzinfo=SHANGHAI),
    # 20:00 in New York in winter (UTC−5) is 01:00 UTC the next day.
    created_at=datetime(2025, 12, 31, 20, 0, tzinfo=NEW_YORK),
    updated_at=datetime(2026, 1, 15, 9, 30, tzinfo=SHANGHAI),
    lifecycle_changed_at=datetime(2026, 1, 15, 1, 30, tzinfo=UTC),
)
SPARSE = _row(2, name="Ann Lee")  # every optional column None, booleans False


def test_rows_read_back_equal_through_the_orm(engine: Engine) -> None:
    with engine.begin() as connection:
        insert_rows(connection, CUSTOMERS, [FULL, SPARSE])

    with Session(engine) as session:
        got = {c.id: c for c in session.scalars(select(Customer))}

    full, sparse = got[1], got[2]
    assert full.kind is CustomerKind.COMPANY
    assert full.lifecycle_stage is LifecycleStage.WON_BACK
    assert full.name == "上海星辰科技有限公司"
    assert full.birthday == date(1990, 2, 28)
    assert full.annual_revenue_minor == 12_345_678_901_234
    assert full.custom_fields == FULL["custom_fields"]
    assert full.marketing_opt_out is True
    for column in ("marketing_opt_out_at", "created_at", "updated_at", "lifecycle_changed_at"):
        value = getattr(full, column)
        assert value == FULL[column], column
        assert value.tzinfo == UTC, column
    assert full.created_at == datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    assert full.marketing_opt_out_at == datetime(2026, 1, 15, 1, 30, 15, 123456, tzinfo=UTC)

    assert sparse.marketing_opt_out is False
    assert sparse.custom_fields == {}
    for column in ("email", "birthday", "company_id", "marketing_opt_out_at", "deleted_at"):
        assert getattr(sparse, column) is None, column


def test_rows_with_only_some_columns(engine: Engine) -> None:
    """Columns left out of the rows are NULL: the models' Python-side defaults do not apply."""
    row = {
        "id": 3,
        "kind": "person",
        "name": "王芳",
        "lifecycle_stage": "lead",
        "custom_fields": {"城市": "杭州"},
        "marketing_opt_out": False,
        "created_at": datetime(2026, 3, 1, 8, 0, tzinfo=SHANGHAI),
        "updated_at": datetime(2026, 3, 1, 8, 0, tzinfo=SHANGHAI),
    }
    with engine.begin() as connection:
        insert_rows(connection, CUSTOMERS, [row])
    with Session(engine) as session:
        customer = session.get_one(Customer, 3)
    assert customer.custom_fields == {"城市": "杭州"}
    assert customer.created_at == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert customer.email is None


def test_no_rows_is_a_no_op(engine: Engine) -> None:
    with engine.begin() as connection:
        insert_rows(connection, CUSTOMERS, [])
    with Session(engine) as session:
        assert session.scalars(select(Customer)).all() == []


def test_a_naive_datetime_is_refused(engine: Engine) -> None:
    naive = _row(4, created_at=datetime(2026, 1, 1, 12, 0))
    with pytest.raises(ValueError, match="naive datetime"), engine.begin() as connection:
        insert_rows(connection, CUSTOMERS, [naive])
    with Session(engine) as session:
        assert session.get(Customer, 4) is None


def test_the_orm_agrees_timestamps_are_utc(engine: Engine) -> None:
    """What the ORM writes and what ``insert_rows`` writes compare equal on read."""
    moment = datetime(2026, 6, 1, 12, 0, tzinfo=SHANGHAI)
    with Session(engine) as session, session.begin():
        session.add(
            Customer(id=5, name="ORM", created_at=moment, updated_at=moment, custom_fields={})
        )
    with engine.begin() as connection:
        insert_rows(connection, CUSTOMERS, [_row(6, created_at=moment, updated_at=moment)])
    with Session(engine) as session:
        orm, bulk = session.get_one(Customer, 5), session.get_one(Customer, 6)
    assert orm.created_at == bulk.created_at == moment
    assert bulk.created_at.utcoffset() == timedelta(0)


def test_rows_may_list_their_keys_in_any_order(engine: Engine) -> None:
    first = _row(7, email="first@example.com")
    second = dict(reversed(list(_row(8, email="second@example.com").items())))
    with engine.begin() as connection:
        insert_rows(connection, CUSTOMERS, [first, second])
    with Session(engine) as session:
        assert session.get_one(Customer, 8).email == "second@example.com"
        assert session.get_one(Customer, 8).name == "Customer 8"


def test_columns_null_in_every_row_are_left_out_but_stay_null(engine: Engine) -> None:
    metadata = MetaData()
    table = Table(
        "bulk_defaults", metadata, Column("id", Integer, primary_key=True),
        Column("note", String(20)), Column("flag", String(5), server_default="yes"),
    )  # fmt: skip
    metadata.create_all(engine)
    try:
        with engine.begin() as connection:
            insert_values(connection, table, ("id", "note", "flag"), [[1, None, None]])
            insert_values(connection, table, ("id", "note", "flag"), [[2, None, "no"]])
            insert_rows(connection, table, [{"id": 3, "note": "x"}])
            stored = connection.execute(select(table).order_by(table.c.id)).all()
        # An explicit NULL stays NULL even where the column has a default.
        assert [tuple(r) for r in stored] == [(1, None, None), (2, None, "no"), (3, "x", "yes")]
    finally:
        metadata.drop_all(engine)
