"""The PostgreSQL reader: a SELECT's rows as Arrow, with the query's names and the values
the database holds (JSON as its text, Chinese text, NULLs, UTC times, empty answers)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy import Engine, false, func, select

from rapport.analytics.readers import postgres_reader, postgres_uri, sqlite_reader
from rapport.analytics.source import _typed
from rapport.db import make_engine
from rapport.models import metadata
from tests.analytics.conftest import NOW, at, customer_row, order_row
from tests.analytics.conftest import load_tables as load
from tests.conftest import empty_database

CUSTOMERS, ORDERS = metadata.tables["customers"], metadata.tables["orders"]
BEIJING = timezone(timedelta(hours=8))
TABLES = {
    "customers": [
        customer_row(1, "wechat", name="王小明", city="北京", birthday=date(1990, 2, 28),
                     custom_fields={"等级": "金卡", "tags": ["老客户", "vip"], "n": 3},
                     marketing_opt_out=True, employee_count=12,
                     lifecycle_changed_at=datetime(2026, 1, 2, 8, 30, tzinfo=BEIJING)),
        customer_row(2, "web", name="Ann Lee"),  # every optional field NULL
    ],
    "orders": [
        order_row(10, 1, "2025-12-31", 1_999_999_999_999, ordered_at=at("2025-12-31", "23:59:59")),
        order_row(11, 2, "2026-01-01", 0, status="refunded", refunded_at=at("2026-01-02")),
    ],
}  # fmt: skip


def _sql(engine: Engine, stmt: Any) -> str:
    """``stmt`` as SQL text with its values inlined, as ``Source.from_database`` sends it."""
    return str(stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    with empty_database("postgresql", tmp_path) as url:
        load(url, TABLES)
        engine = make_engine(url)
        yield engine
        engine.dispose()


def test_the_uri_is_libpq_s() -> None:
    where = "rapport:s3cret@db.example:5433/crm?sslmode=require"
    assert postgres_uri(make_engine(f"postgresql+psycopg://{where}")) == f"postgresql://{where}"


def test_rows_keep_their_names_types_and_values(engine: Engine) -> None:
    query = select(*CUSTOMERS.c).order_by(CUSTOMERS.c.id)
    data = postgres_reader(engine)(_sql(engine, query))
    assert data.column_names == [c.name for c in CUSTOMERS.c]
    assert data.num_rows == 2
    assert data.schema.field("id").type == pa.int32()  # INTEGER
    assert data.schema.field("annual_revenue_minor").type == pa.int64()  # BIGINT
    assert data.schema.field("marketing_opt_out").type == pa.bool_()
    assert data.schema.field("birthday").type == pa.date32()
    assert data.schema.field("created_at").type == pa.timestamp("us", tz="UTC")
    first, second = data.to_pylist()
    assert (first["name"], first["city"], second["name"]) == ("王小明", "北京", "Ann Lee")
    assert first["birthday"] == date(1990, 2, 28)
    assert (first["marketing_opt_out"], second["marketing_opt_out"]) == (True, False)
    assert first["employee_count"] == 12
    # JSON as its text, which reads back as the object written
    assert data.schema.field("custom_fields").type == pa.string()
    assert json.loads(first["custom_fields"]) == {"等级": "金卡", "tags": ["老客户", "vip"], "n": 3}
    assert json.loads(second["custom_fields"]) == {}
    # 08:30 in Beijing is 00:30 UTC
    assert first["lifecycle_changed_at"] == datetime(2026, 1, 2, 0, 30, tzinfo=UTC)
    assert first["created_at"] == NOW
    optional = [c.name for c in CUSTOMERS.c if c.nullable and c.name != "channel"]
    assert [name for name in optional if second[name] is not None] == []
    assert second["channel"] == "web"
    assert data["birthday"].null_count == 1


def test_big_integers_and_times_to_the_second(engine: Engine) -> None:
    query = select(ORDERS.c.id, ORDERS.c.total_minor, ORDERS.c.ordered_at, ORDERS.c.refunded_at)
    data = postgres_reader(engine)(_sql(engine, query.order_by(ORDERS.c.id)))
    assert data.to_pylist() == [
        {"id": 10, "total_minor": 1_999_999_999_999,
         "ordered_at": datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC), "refunded_at": None},
        {"id": 11, "total_minor": 0, "ordered_at": datetime(2026, 1, 1, 12, tzinfo=UTC),
         "refunded_at": datetime(2026, 1, 2, 12, tzinfo=UTC)},
    ]  # fmt: skip


def test_computed_columns_keep_the_query_s_names(engine: Engine) -> None:
    query = (
        select(
            ORDERS.c.customer_id,
            func.count().label("orders"),
            func.sum(ORDERS.c.total_minor).label("spent"),
            func.max(ORDERS.c.ordered_at).label("last"),
        )
        .group_by(ORDERS.c.customer_id)
        .order_by(ORDERS.c.customer_id)
    )
    data = postgres_reader(engine)(_sql(engine, query))
    assert data.column_names == ["customer_id", "orders", "spent", "last"]
    rows = data.to_pylist()
    assert [(r["customer_id"], r["orders"], r["last"].date()) for r in rows] == [
        (1, 1, date(2025, 12, 31)), (2, 1, date(2026, 1, 1))]  # fmt: skip
    # sum(bigint) is numeric in PostgreSQL: its exact text
    assert data.schema.field("spent").type == pa.string()
    assert [r["spent"] for r in rows] == ["1999999999999", "0"]


def test_percent_signs_mean_what_they_say(engine: Engine) -> None:
    """SQLAlchemy doubles ``%`` for psycopg (``LIKE '王%%'``); the database must see one."""
    query = select(CUSTOMERS.c.id, (CUSTOMERS.c.id % 2).label("odd"),
                   func.concat(CUSTOMERS.c.name, "%").label("tagged"))  # fmt: skip
    data = postgres_reader(engine)(_sql(engine, query.where(CUSTOMERS.c.name.like("王%"))))
    assert data.to_pylist() == [{"id": 1, "odd": 1, "tagged": "王小明%"}]


def test_an_empty_answer_is_an_empty_table_of_the_columns(engine: Engine) -> None:
    query = select(*CUSTOMERS.c).where(false())
    data = postgres_reader(engine)(_sql(engine, query))
    assert data.num_rows == 0
    assert data.column_names == [c.name for c in CUSTOMERS.c]
    assert data.schema.field("created_at").type == pa.timestamp("us", tz="UTC")
    assert data.schema.field("name").type == pa.string()
    typed = _typed(data, CUSTOMERS)
    assert typed.schema.field("created_at").type == pa.timestamp("us")
    assert typed.schema.field("id").type == pa.int64()


def test_the_same_tables_as_the_sqlite_reader(engine: Engine, tmp_path: Path) -> None:
    """After ``Source``'s typing, PostgreSQL and SQLite give the same table, value for value."""
    with empty_database("sqlite", tmp_path) as url:
        load(url, TABLES)
        lite = make_engine(url)
        for table in (CUSTOMERS, ORDERS):
            query = select(*table.c).order_by(table.c.id)
            ours = _typed(postgres_reader(engine)(_sql(engine, query)), table)
            theirs = _typed(sqlite_reader(lite)(_sql(lite, query)), table)
            assert ours.schema == theirs.schema
            assert ours.to_pylist() == theirs.to_pylist()
        lite.dispose()


def test_reading_sqlite_leaves_the_write_ahead_log_of_open_connections_alone(
    tmp_path: Path,
) -> None:
    """The driver's own SQLite, closing in this process, would delete the log under
    Python's open connection (it cannot see that connection's locks); the reader runs it
    in a worker process, so the log and its shared memory stay."""
    import sqlite3

    from rapport.db import make_engine

    path = tmp_path / "wal.db"
    mine = sqlite3.connect(path, isolation_level=None)
    mine.execute("PRAGMA journal_mode = wal")
    mine.execute("CREATE TABLE t (a INTEGER)")
    mine.execute("INSERT INTO t VALUES (1)")
    engine = make_engine(f"sqlite:///{path}")
    assert sqlite_reader(engine)("SELECT count(*) AS n FROM t").to_pylist() == [{"n": 1}]
    assert (tmp_path / "wal.db-wal").exists() and (tmp_path / "wal.db-shm").exists()
    mine.execute("INSERT INTO t VALUES (2)")
    assert mine.execute("SELECT count(*) FROM t").fetchone() == (2,)
    mine.close()
    engine.dispose()


def test_a_failed_read_is_reported_and_the_readers_go_on(tmp_path: Path) -> None:
    """The driver's error cannot travel back as itself (it would break every later read):
    it comes as SqliteReadError with its text, and the next read works."""
    from rapport.analytics.readers import SqliteReadError
    from rapport.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    read = sqlite_reader(engine)
    with pytest.raises(SqliteReadError, match="no such table"):
        read("SELECT * FROM missing")
    assert read("SELECT 1 AS one").to_pylist() == [{"one": 1}]
    engine.dispose()
