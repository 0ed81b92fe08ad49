"""The demo data is internally consistent on both engines, and reproducible."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from rapport import checks, migrate
from rapport.consents.models import Consent
from rapport.db import make_engine
from rapport.demo import service
from rapport.demo.params import DemoParams
from tests.conftest import empty_database

PARAMS = DemoParams(customers=800, seed=11, end=date(2026, 6, 30), batch_size=300)
END = datetime(2026, 6, 30, tzinfo=UTC)  # 00:00 UTC of PARAMS.end
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A database of each engine filled once with the demo data, shared by this module."""
    folder = tmp_path_factory.mktemp("demo")
    with empty_database(request.param, folder) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        service.load(engine=engine, params=PARAMS, truth_dir=folder / "truth")
        yield engine
        engine.dispose()


def _count(engine: Engine, sql: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(sql)).scalar_one())


def test_demo_data_is_consistent(demo_engine: Engine) -> None:
    assert checks.violations(demo_engine, end=END) == {}


def test_checks_catch_a_broken_total(demo_engine: Engine) -> None:
    """The checks can fail: an order whose total no longer matches its items is reported."""
    with demo_engine.begin() as connection:
        connection.execute(text("UPDATE orders SET total_minor = total_minor + 1 WHERE id = 1"))
    try:
        found = checks.violations(demo_engine, end=END)
        assert found == {"order total differs from the sum of its items": 1}
    finally:
        with demo_engine.begin() as connection:
            connection.execute(text("UPDATE orders SET total_minor = total_minor - 1 WHERE id = 1"))


def test_checks_catch_a_record_dated_after_the_end(demo_engine: Engine) -> None:
    """A consent withdrawn after the history ends is reported; the end is compared in UTC."""
    with demo_engine.begin() as connection:
        first = connection.execute(text("SELECT MIN(id) FROM consents")).scalar_one()
        before = connection.execute(
            text("SELECT at FROM consents WHERE id = :id"), {"id": first}
        ).scalar_one()
    try:
        with Session(demo_engine) as session, session.begin():
            consent = session.get_one(Consent, first)
            consent.at = datetime(2026, 6, 30, 7, 59, tzinfo=SHANGHAI)  # 23:59 UTC the day before
        assert checks.violations(demo_engine, end=END) == {}
        with Session(demo_engine) as session, session.begin():
            session.get_one(Consent, first).at = datetime(2026, 6, 30, 8, 0, tzinfo=SHANGHAI)
        found = checks.violations(demo_engine, end=END)
        assert found == {"record dated at or after the end of the history": 1}
    finally:
        with demo_engine.begin() as connection:
            connection.execute(
                text("UPDATE consents SET at = :at WHERE id = :id"), {"at": before, "id": first}
            )
    assert checks.violations(demo_engine, end=END) == {}


def test_demo_data_covers_every_part_of_the_crm(demo_engine: Engine) -> None:
    for table in (
        "customers",
        "orders",
        "order_items",
        "deals",
        "deal_stage_changes",
        "interactions",
        "tickets",
        "survey_responses",
        "events",
        "tasks",
        "consents",
        "campaigns",
        "quotas",
        "products",
    ):
        assert _count(demo_engine, f"SELECT COUNT(*) FROM {table}") > 0, table
    assert _count(demo_engine, "SELECT COUNT(*) FROM customers WHERE kind = 'company'") > 0
    assert _count(demo_engine, "SELECT COUNT(*) FROM customers WHERE company_id IS NOT NULL") > 0
    assert _count(demo_engine, "SELECT COUNT(*) FROM customers WHERE referred_by_id IS NOT NULL")
    for status in ("won", "lost", "open"):
        assert _count(demo_engine, f"SELECT COUNT(*) FROM deals WHERE status = '{status}'"), status
    for status in ("paid", "cancelled", "refunded"):
        assert _count(demo_engine, f"SELECT COUNT(*) FROM orders WHERE status = '{status}'")
    for name in ("product_view", "add_to_cart", "checkout", "payment", "payment_failed"):
        assert _count(demo_engine, f"SELECT COUNT(*) FROM events WHERE name = '{name}'"), name


def test_phones_are_valid_e164(demo_engine: Engine) -> None:
    with demo_engine.connect() as connection:
        phones = connection.execute(text("SELECT phone FROM customers WHERE phone IS NOT NULL"))
        for (phone,) in phones:
            number = phonenumbers.parse(phone)
            assert phonenumbers.is_valid_number(number), phone
            assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone


def test_new_rows_get_fresh_ids_after_the_demo(demo_engine: Engine) -> None:
    """Ids were given explicitly; the database's own id generator must continue after them."""
    with demo_engine.begin() as connection:
        before = connection.execute(text("SELECT MAX(id) FROM campaigns")).scalar_one()
        connection.execute(
            text(
                "INSERT INTO campaigns (name, channel, cost_minor, currency, created_at, "
                "updated_at) VALUES ('new', 'email', 0, 'CNY', :t, :t)"
            ),
            {"t": "2026-07-01 00:00:00"},
        )
        after = connection.execute(text("SELECT MAX(id) FROM campaigns")).scalar_one()
    assert after == before + 1


def test_demo_refuses_a_database_with_data(demo_engine: Engine) -> None:
    with pytest.raises(service.DemoError, match="empty"):
        service.load(engine=demo_engine, params=PARAMS)


def test_same_seed_gives_same_data(tmp_path: Path) -> None:
    digests = []
    for run in ("a", "b"):
        engine = make_engine(f"sqlite:///{tmp_path / run}.db")
        migrate.upgrade(engine)
        service.load(engine=engine, params=DemoParams(customers=120, seed=5, end=date(2026, 1, 1)))
        with engine.connect() as connection:
            digests.append(
                connection.execute(
                    text(
                        "SELECT COUNT(*), SUM(total_minor), MIN(ordered_at), MAX(ordered_at), "
                        "(SELECT GROUP_CONCAT(name, '|') FROM customers) FROM orders"
                    )
                ).one()
            )
        engine.dispose()
    assert digests[0] == digests[1]
