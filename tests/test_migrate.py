"""The migrations build exactly the models' schema, and tear it down, on both engines."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from rapport import migrate
from rapport.db import make_engine
from rapport.models import metadata

pytestmark = [
    pytest.mark.parametrize("empty_database_url", ["sqlite", "postgresql"], indirect=True),
    # SQLite cannot reflect expression indexes; they are checked by name below instead.
    pytest.mark.filterwarnings("ignore:.*expression-based index"),
]
EXPRESSION_INDEXES = {"ix_customers_lower_name", "ix_customers_lower_name_latin"}


def _index_names(connection: Connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'index'"
    else:
        sql = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    return set(connection.execute(text(sql)).scalars())


def test_up_matches_models_then_down_leaves_nothing(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        assert migrate.current_revision(engine) is None

        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        tables = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= tables
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, metadata)
            indexes = _index_names(connection)
        assert diff == [], f"models and migrations disagree: {diff}"
        assert indexes >= EXPRESSION_INDEXES

        migrate.downgrade(engine)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

        migrate.upgrade(engine)  # and up again from base
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


USER_0001 = """
    INSERT INTO users (id, email, name, role, locale, is_active, session_version,
                       created_at, updated_at)
    VALUES (1, 'a@example.com', 'A', 'rep', 'en', :yes, 1, :now, :now)"""
CUSTOMER_0001 = """
    INSERT INTO customers (id, kind, name, owner_id, lifecycle_stage, custom_fields,
                           marketing_opt_out, created_at, updated_at)
    VALUES (1, 'person', 'C', 1, 'lead', '{}', :no, :now, :now)"""


def test_upgrading_keeps_the_data_of_every_earlier_revision(empty_database_url: str) -> None:
    """Rebuilding a table (SQLite batch mode) must not fire ON DELETE rules on others."""
    engine = make_engine(empty_database_url)
    try:
        migrate.upgrade(engine, "0001")
        values = {"yes": True, "no": False, "now": "2026-01-01 00:00:00"}
        with engine.begin() as connection:
            connection.execute(text(USER_0001), values)
            connection.execute(text(CUSTOMER_0001), values)
        migrate.upgrade(engine)
        with engine.connect() as connection:
            owner = connection.execute(text("SELECT owner_id FROM customers WHERE id = 1"))
            assert owner.scalar_one() == 1
    finally:
        engine.dispose()


def test_a_failed_migration_leaves_no_schema_change_behind(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)

    def half_done(config: Config) -> None:
        config.attributes["connection"].exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("the migration failed here")

    try:
        with pytest.raises(RuntimeError, match="failed here"):
            migrate._run(engine, half_done)
        assert "half_done" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
