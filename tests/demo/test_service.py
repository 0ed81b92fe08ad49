"""The demo data is internally consistent on both engines, and reproducible."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import phonenumbers
import pytest
from sqlalchemy import Engine, text

from rapport import migrate
from rapport.db import make_engine
from rapport.demo import service
from rapport.demo.params import DemoParams
from tests.conftest import empty_database

PARAMS = DemoParams(customers=800, seed=11, end=date(2026, 6, 30), batch_size=300)


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


CHECKS = {
    "order without its customer": """
        SELECT COUNT(*) FROM orders o LEFT JOIN customers c ON c.id = o.customer_id
        WHERE c.id IS NULL""",
    "order before its customer was created": """
        SELECT COUNT(*) FROM orders o JOIN customers c ON c.id = o.customer_id
        WHERE o.ordered_at < c.created_at""",
    "order total differs from the sum of its items": """
        SELECT COUNT(*) FROM orders o JOIN (
            SELECT order_id, SUM(line_total_minor) AS s FROM order_items GROUP BY order_id
        ) i ON i.order_id = o.id WHERE i.s <> o.total_minor""",
    "order without items": """
        SELECT COUNT(*) FROM orders o WHERE NOT EXISTS (
            SELECT 1 FROM order_items i WHERE i.order_id = o.id)""",
    "line total differs from quantity × price − discount": """
        SELECT COUNT(*) FROM order_items
        WHERE quantity * unit_price_minor - discount_minor <> line_total_minor
           OR discount_minor < 0""",
    "stage change out of time order": """
        SELECT COUNT(*) FROM deal_stage_changes a JOIN deal_stage_changes b
          ON a.deal_id = b.deal_id AND a.id < b.id WHERE a.changed_at > b.changed_at""",
    "stage change whose from-stage is not the previous to-stage": """
        SELECT COUNT(*) FROM deal_stage_changes b WHERE b.from_stage_id IS DISTINCT FROM (
            SELECT a.to_stage_id FROM deal_stage_changes a
            WHERE a.deal_id = b.deal_id AND a.id < b.id ORDER BY a.id DESC LIMIT 1)""",
    "deal whose stage is not its last stage change": """
        SELECT COUNT(*) FROM deals d WHERE d.stage_id <> (
            SELECT s.to_stage_id FROM deal_stage_changes s WHERE s.deal_id = d.id
            ORDER BY s.id DESC LIMIT 1)""",
    "won deal without its order": """
        SELECT COUNT(*) FROM deals d WHERE d.status = 'won' AND NOT EXISTS (
            SELECT 1 FROM orders o WHERE o.deal_id = d.id)""",
    "interaction before the customer was created": """
        SELECT COUNT(*) FROM interactions i JOIN customers c ON c.id = i.customer_id
        WHERE i.occurred_at < c.created_at""",
    "ticket before its order": """
        SELECT COUNT(*) FROM tickets t JOIN orders o ON o.id = t.order_id
        WHERE t.opened_at < o.ordered_at""",
    "ticket resolved before it was opened": """
        SELECT COUNT(*) FROM tickets WHERE resolved_at < opened_at""",
    "answer outside its survey's scale": """
        SELECT COUNT(*) FROM survey_responses r JOIN surveys s ON s.id = r.survey_id
        WHERE r.score < s.scale_min OR r.score > s.scale_max""",
    "event of a customer before their creation": """
        SELECT COUNT(*) FROM events e JOIN customers c ON c.id = e.customer_id
        WHERE e.occurred_at < c.created_at""",
    "payment event without a paid order": """
        SELECT COUNT(*) FROM events e LEFT JOIN orders o ON o.id = e.order_id
        WHERE e.name = 'payment' AND (o.id IS NULL OR o.status <> 'paid')""",
    "duplicate email": """
        SELECT COUNT(*) FROM (SELECT email FROM customers WHERE email IS NOT NULL
                              GROUP BY email HAVING COUNT(*) > 1) d""",
    "record dated after the end of the history": """
        SELECT (SELECT COUNT(*) FROM orders WHERE ordered_at >= '2026-06-30')
             + (SELECT COUNT(*) FROM interactions WHERE occurred_at >= '2026-06-30')
             + (SELECT COUNT(*) FROM events WHERE occurred_at >= '2026-06-30')""",
    "referral to a customer created later": """
        SELECT COUNT(*) FROM customers c JOIN customers r ON r.id = c.referred_by_id
        WHERE r.created_at > c.created_at""",
    "contact at a company created later": """
        SELECT COUNT(*) FROM customers c JOIN customers k ON k.id = c.company_id
        WHERE k.created_at > c.created_at OR k.kind <> 'company'""",
}


def test_demo_data_is_consistent(demo_engine: Engine) -> None:
    failures = {name: n for name, sql in CHECKS.items() if (n := _count(demo_engine, sql))}
    assert failures == {}


def test_demo_data_covers_every_part_of_the_crm(demo_engine: Engine) -> None:
    for table in ("customers", "orders", "order_items", "deals", "deal_stage_changes",
                  "interactions", "tickets", "survey_responses", "events", "tasks",
                  "consents", "campaigns", "quotas", "products"):  # fmt: skip
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
            text("INSERT INTO campaigns (name, channel, cost_minor, currency, created_at, "
                 "updated_at) VALUES ('new', 'email', 0, 'CNY', :t, :t)"),
            {"t": "2026-07-01 00:00:00"},
        )  # fmt: skip
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
            digests.append(connection.execute(text(
                "SELECT COUNT(*), SUM(total_minor), MIN(ordered_at), MAX(ordered_at), "
                "(SELECT GROUP_CONCAT(name, '|') FROM customers) FROM orders"
            )).one())  # fmt: skip
        engine.dispose()
    assert digests[0] == digests[1]
