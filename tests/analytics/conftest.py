"""Fixtures for the analyses: small tables written into SQLite, PostgreSQL or a folder of
CSV files, read back through a ``Source``."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from rapport import migrate
from rapport.analytics.source import Source
from rapport.bulk import insert_rows
from rapport.db import make_engine
from rapport.demo import service as demo_service
from rapport.demo.params import DemoParams
from rapport.models import metadata
from tests.conftest import empty_database

NOW = datetime(2026, 1, 1, tzinfo=UTC)
DEMO_END = date(2026, 11, 1)  # the shared demo's history ends at midnight starting it
SOURCES = ["sqlite", "postgresql", "folder", "parquet"]
Tables = Mapping[str, list[dict[str, Any]]]


def at(day: str, time: str = "12:00:00") -> datetime:
    """``day`` (2026-01-31) at ``time``, UTC."""
    return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=UTC)


def customer_row(cid: int, channel: str, **fields: Any) -> dict[str, Any]:
    """A customers row with what the table requires."""
    return {"id": cid, "kind": "person", "name": f"客户{cid}", "channel": channel,
            "lifecycle_stage": "lead", "custom_fields": {}, "marketing_opt_out": False,
            "created_at": NOW, "updated_at": NOW} | fields  # fmt: skip


def order_row(oid: int, cid: int, day: str, total: int, status: str = "paid",
              currency: str = "CNY", **fields: Any) -> dict[str, Any]:  # fmt: skip
    """An orders row with what the table requires."""
    return {"id": oid, "number": f"SO-{oid}", "customer_id": cid, "status": status,
            "currency": currency, "total_minor": total, "ordered_at": at(day),
            "created_at": NOW, "updated_at": NOW} | fields  # fmt: skip


def interaction_row(iid: int, cid: int, day: str, **fields: Any) -> dict[str, Any]:
    """An interactions row (a call unless ``kind`` says otherwise)."""
    return {"id": iid, "customer_id": cid, "kind": "call", "occurred_at": at(day),
            "created_at": NOW, "updated_at": NOW} | fields  # fmt: skip


def ticket_row(tid: int, cid: int, day: str, **fields: Any) -> dict[str, Any]:
    """A tickets row opened on ``day``."""
    return {"id": tid, "customer_id": cid, "subject": f"Ticket {tid}", "status": "open",
            "priority": "normal", "opened_at": at(day), "created_at": NOW,
            "updated_at": NOW} | fields  # fmt: skip


def survey_rows() -> list[dict[str, Any]]:
    """Surveys 1 (NPS, 0–10), 2 (CSAT, 1–5) and 3 (CES, 1–7)."""
    kinds = (("nps", 0, 10), ("csat", 1, 5), ("ces", 1, 7))
    return [{"id": i, "name": kind, "kind": kind, "question": "?", "scale_min": low,
             "scale_max": high, "is_active": True, "created_at": NOW, "updated_at": NOW}
            for i, (kind, low, high) in enumerate(kinds, 1)]  # fmt: skip


def answer_row(survey: int, cid: int, score: int, day: str, **fields: Any) -> dict[str, Any]:
    """A survey_responses row: ``cid`` answered ``survey`` with ``score`` on ``day``."""
    return {"survey_id": survey, "customer_id": cid, "score": score, "responded_at": at(day),
            "created_at": NOW, "updated_at": NOW} | fields  # fmt: skip


def load_tables(url: str, tables: Tables) -> None:
    """Migrate the empty database at ``url`` and insert ``tables`` in their order."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        for name, rows in tables.items():
            keys = {k for row in rows for k in row}
            insert_rows(connection, metadata.tables[name], [dict.fromkeys(keys) | r for r in rows])
    engine.dispose()


def write_folder(tables: Tables, folder: Path) -> Path:
    """``tables`` as ``<name>.csv`` files in ``folder`` (docs/data-format.md)."""
    for name, rows in tables.items():
        keys = sorted({k for row in rows for k in row})
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(keys)
            for row in rows:
                writer.writerow([_text(row.get(k)) for k in keys])
    return folder


def source_fixture(tables: Callable[[], Tables]) -> Any:
    """A module-wide fixture: ``tables()`` in each kind of source (``SOURCES``), built
    once per module and kind (the analyses only read). Assign it to the name the tests
    ask for: ``source = source_fixture(_tables)``."""

    @pytest.fixture(scope="module", params=SOURCES)
    def made(
        request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
    ) -> Iterator[Source]:
        folder = tmp_path_factory.mktemp(request.param)
        with tables_source(request.param, tables(), folder) as source:
            yield source

    return made


def write_parquet(tables: Tables, folder: Path) -> Path:
    """``tables`` as ``<name>.parquet`` files in ``folder``, typed as the CRM's tables
    (times as UTC without a zone, JSON as text)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from rapport.analytics.columns import arrow_type as _arrow_type

    for name, rows in tables.items():
        table = metadata.tables[name]
        keys = [c.name for c in table.c if any(c.name in row for row in rows)]
        columns = {}
        for key in keys:
            values = [_plain(row.get(key)) for row in rows]
            columns[key] = pa.array(values, type=_arrow_type(table.c[key].type))
        pq.write_table(pa.table(columns), folder / f"{name}.parquet")
    return folder


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


@contextmanager
def tables_source(kind: str, tables: Tables, folder: Path, **options: Any) -> Iterator[Source]:
    """A ``Source`` over ``tables`` held in ``kind`` (one of ``SOURCES``); ``options`` go to
    ``Source.from_database`` (such as ``actor``) or ``Source.from_folder``."""
    if kind in ("folder", "parquet"):
        write = write_folder if kind == "folder" else write_parquet
        yield Source.from_folder(write(tables, folder), **options)
        return
    with empty_database(kind, folder) as url:
        load_tables(url, tables)
        engine = make_engine(url)
        try:
            yield Source.from_database(engine, **options)
        finally:
            engine.dispose()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the demo of 6,000 customers (seed 11, ending at ``DEMO_END``) in
    ``demo.db`` (SQLite) with its truth files: made once for every test that reads it
    (they only read; each opens its own engine)."""
    folder = tmp_path_factory.mktemp("demo")
    engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
    migrate.upgrade(engine)
    params = DemoParams(customers=6000, seed=11, end=DEMO_END)
    demo_service.load(engine=engine, params=params, truth_dir=folder)
    engine.dispose()
    return folder
