"""Backups restore every table row for row, on both engines, and bad files change nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, make_url, select, text, update
from sqlalchemy.orm import Session

from rapport import backup, migrate
from rapport.customers.models import Customer
from rapport.db import make_engine
from rapport.demo import service as demo_service
from rapport.demo.params import DemoParams
from rapport.events.models import Event
from rapport.models import metadata
from rapport.orders.models import Order
from tests.conftest import BACKENDS, empty_database

Tables = dict[str, list[tuple[Any, ...]]]

DEMO = DemoParams(customers=200, seed=3, end=date(2026, 6, 30), batch_size=100)


def _tables(engine: Engine) -> Tables:
    """Every table's rows, ordered by primary key."""
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in metadata.sorted_tables
        }


def _change(engine: Engine) -> None:
    """Delete some rows (with what cascades from them), edit one and add a customer."""
    with Session(engine) as session, session.begin():
        session.execute(delete(Event).where(Event.id % 2 == 0))
        session.execute(delete(Order).where(Order.id % 5 == 0))
        session.execute(update(Customer).where(Customer.id == 1).values(name="Changed"))
        session.add(Customer(name="Added after the backup", email="added@example.com"))


def _assert_same(engine: Engine, expected: Tables) -> None:
    actual = _tables(engine)
    assert list(actual) == list(expected)
    for name, rows in expected.items():
        assert actual[name] == rows, f"table {name} differs"


@pytest.fixture(params=BACKENDS)
def demo_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database on each backend, migrated and filled with a small demo CRM."""
    with empty_database(request.param, tmp_path) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        demo_service.load(engine=engine, params=DEMO)
        engine.dispose()
        yield url


@pytest.fixture
def engine(demo_url: str) -> Iterator[Engine]:
    engine = make_engine(demo_url)
    yield engine
    engine.dispose()


def test_restore_brings_back_every_row_of_every_table(
    demo_url: str, engine: Engine, tmp_path: Path
) -> None:
    before = _tables(engine)
    assert sum(map(len, before.values())) > 1000

    made = backup.create(url=demo_url, path=tmp_path)
    assert made.path.parent == tmp_path
    assert made.path.name.startswith("rapport-backup-")
    assert made.path.suffix == (".db" if made.kind == "sqlite" else ".dump")
    assert made.size == made.path.stat().st_size > 0
    assert made.path.stat().st_mode & 0o077 == 0  # personal data: the owner's alone
    assert made.revision == migrate.head_revision()
    assert made.rows == {name: len(rows) for name, rows in before.items()}

    _change(engine)
    changed = _tables(engine)
    assert changed["customers"] != before["customers"]
    assert len(changed["events"]) < len(before["events"])
    assert len(changed["order_items"]) < len(before["order_items"])

    engine.dispose()  # a SQLite restore needs the database unused
    restored = backup.restore(url=demo_url, path=made.path)
    _assert_same(engine, before)
    assert restored.rows == made.rows
    assert restored.revision == restored.head == migrate.head_revision()
    assert not restored.needs_migration

    # Ids keep counting from where the backup left off (PostgreSQL sequences included).
    with Session(engine) as session, session.begin():
        added = Customer(name="Added after the restore")
        session.add(added)
        session.flush()
        assert added.id > max(row[0] for row in before["customers"])


def test_a_sqlite_backup_ignores_a_write_transaction_left_open(tmp_path: Path) -> None:
    """The copy is one moment: rows written but not committed are not in it."""
    with empty_database("sqlite", tmp_path) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        demo_service.load(engine=engine, params=DEMO)
        before = _tables(engine)

        writer = engine.connect()
        transaction = writer.begin()
        writer.execute(delete(Event))
        writer.execute(update(Customer).values(name="uncommitted"))
        made = backup.create(url=url, path=tmp_path / "during.db")
        transaction.commit()
        writer.close()
        assert _tables(engine)["events"] == []

        engine.dispose()
        backup.restore(url=url, path=made.path)
        _assert_same(engine, before)
        engine.dispose()
        # The backup is a single plain file, no write-ahead log beside it.
        assert not made.path.with_name(made.path.name + "-wal").exists()
        with open(made.path, "rb") as file:
            assert file.read(20)[18:20] == b"\x01\x01"  # rollback journal, not WAL


def test_restoring_a_file_that_is_no_backup_changes_nothing(
    demo_url: str, engine: Engine, tmp_path: Path
) -> None:
    kind = engine.dialect.name
    before = _tables(engine)
    other = "postgresql" if kind == "sqlite" else "sqlite"
    text_file = tmp_path / "customers.csv"
    text_file.write_text("name,email\nAnn,ann@example.com\n", encoding="utf-8")
    foreign = tmp_path / "foreign.sqlite"  # a SQLite file that Rapport never made
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    wrong_kind = tmp_path / "wrong-kind"
    wrong_kind.write_bytes(b"PGDMP\x01\x0e\x00" if other == "postgresql" else foreign.read_bytes())
    engine.dispose()

    with pytest.raises(backup.BackupError, match="not a Rapport backup"):
        backup.restore(url=demo_url, path=text_file)
    with pytest.raises(backup.BackupError, match=f"is a {backup.NAMES[other]} backup"):
        backup.restore(url=demo_url, path=wrong_kind)
    if kind == "sqlite":
        with pytest.raises(backup.BackupError, match="no Rapport schema"):
            backup.restore(url=demo_url, path=foreign)
    else:
        broken = tmp_path / "broken.dump"
        broken.write_bytes(b"PGDMP" + b"\x00" * 100)
        with pytest.raises(backup.BackupError, match="as a pg_dump archive failed"):
            backup.restore(url=demo_url, path=broken)
    _assert_same(engine, before)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_backup_of_an_older_schema_is_restored_and_left_for_init(
    backend: str, tmp_path: Path
) -> None:
    with empty_database(backend, tmp_path) as url:
        engine = make_engine(url)
        migrate.upgrade(engine, "0003")
        made = backup.create(url=url, path=tmp_path / "old")
        # A newer schema with the same tables (0004–0005 add indexes only): on PostgreSQL a
        # newer one with more tables is refused (test_a_postgres_restore_refuses_…).
        migrate.upgrade(engine, "0005")
        engine.dispose()

        restored = backup.restore(url=url, path=made.path)
        assert restored.revision == made.revision == "0003"
        assert restored.needs_migration
        assert migrate.current_revision(engine) == "0003"
        migrate.upgrade(engine)  # what `rapport init` does
        assert migrate.current_revision(engine) == migrate.head_revision()
        engine.dispose()


def test_a_sqlite_restore_refuses_a_database_in_use_and_an_unknown_revision(
    tmp_path: Path,
) -> None:
    with empty_database("sqlite", tmp_path) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        made = backup.create(url=url, path=tmp_path / "b.db")
        with Session(engine) as session, session.begin():
            session.add(Customer(name="After the backup"))
        after = _tables(engine)

        with engine.connect() as reader:  # the app, say, still has it open
            reader.execute(select(Customer.id)).all()
            with pytest.raises(backup.BackupError, match="in use"):
                backup.restore(url=url, path=made.path)
        engine.dispose()
        _assert_same(engine, after)

        newer = tmp_path / "newer.db"
        newer.write_bytes(made.path.read_bytes())
        with sqlite3.connect(newer) as connection:
            connection.execute("UPDATE alembic_version SET version_num = 'ffff'")
        with pytest.raises(backup.BackupError, match="revision ffff"):
            backup.restore(url=url, path=newer)
        _assert_same(engine, after)
        engine.dispose()
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_backup_never_overwrites_without_being_told(tmp_path: Path) -> None:
    with empty_database("sqlite", tmp_path) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        target = tmp_path / "b.db"
        target.write_text("keep me", encoding="utf-8")
        with pytest.raises(backup.BackupError, match="already exists"):
            backup.create(url=url, path=target)
        assert target.read_text(encoding="utf-8") == "keep me"
        assert backup.create(url=url, path=target, overwrite=True).path == target
        database = Path(engine.url.database or "")
        with pytest.raises(backup.BackupError, match="the database itself"):
            backup.create(url=url, path=database, overwrite=True)


def test_default_path_is_dated_in_utc_with_the_engine_suffix() -> None:
    moment = datetime(2026, 10, 24, 3, 4, 5, tzinfo=UTC)
    assert backup.default_path(url="sqlite:///x.db", now=moment) == Path(
        "rapport-backup-20261024-030405.db"
    )
    assert backup.default_path(
        url="postgresql+psycopg://u@h/db", folder=Path("/b"), now=moment
    ) == Path("/b/rapport-backup-20261024-030405.dump")


def test_missing_pg_dump_is_named_and_the_password_never_shown(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump, no pg_restore
    url = "postgresql+psycopg://rapport:s3cret-pw@db.example:5433/crm"
    with pytest.raises(backup.BackupError, match="pg_dump was not found") as raised:
        backup.create(url=url, path=tmp_path / "b.dump")
    assert "s3cret-pw" not in str(raised.value)
    dump = tmp_path / "b.dump"
    dump.write_bytes(b"PGDMP\x01\x0e\x00")
    with pytest.raises(backup.BackupError, match="pg_restore was not found"):
        backup.restore(url=url, path=dump)
    assert list(tmp_path.iterdir()) == [dump]  # no temporary file left behind


def test_pg_programs_get_the_password_from_the_environment_only() -> None:
    url = make_url("postgresql+psycopg://rapport:s3cret-pw@db.example:5433/crm?sslmode=require")
    conninfo, env = backup._libpq(url)
    assert "s3cret-pw" not in conninfo
    assert env["PGPASSWORD"] == "s3cret-pw"
    assert set(conninfo.split()) == {
        "dbname=crm",
        "host=db.example",
        "port=5433",
        "user=rapport",
        "sslmode=require",
    }


def test_a_postgres_restore_refuses_a_database_with_tables_the_backup_lacks(
    tmp_path: Path,
) -> None:
    with empty_database("postgresql", tmp_path) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        made = backup.create(url=url, path=tmp_path / "b.dump")
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE later_feature (customer_id BIGINT)"))
            connection.execute(text("INSERT INTO later_feature VALUES (1)"))
        before = _tables(engine)
        engine.dispose()

        with pytest.raises(backup.BackupError, match=r"tables the backup does not \(.*later"):
            backup.restore(url=url, path=made.path)
        _assert_same(engine, before)
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM later_feature")) == 1
        engine.dispose()
