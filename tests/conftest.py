"""Shared fixtures: a real database per backend (SQLite always, PostgreSQL when configured).

PostgreSQL tests use ``RAPPORT_TEST_DATABASE_URL``; each test session creates its own
throw-away database there, so runs never see each other's tables. Without the variable
those tests are skipped with a reason that ``-ra`` lists; under ``CI=true`` they fail
instead, because CI must run every test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session

from rapport import migrate
from rapport.db import make_engine
from rapport.demo import service as demo_service
from rapport.demo.params import DemoParams
from rapport.scores import service as score_service
from rapport.scores.scoring import ScoringParams

# Apps made by the tests keep no analytics between runs (a test that wants it says so):
# many tests share one database URL with different data.
os.environ["RAPPORT_ANALYTICS_STORE"] = ""

BACKENDS = ["sqlite", "postgresql"]
DEMO_END = date(2026, 6, 30)


def _postgres_server_url() -> str:
    url = os.environ.get("RAPPORT_TEST_DATABASE_URL", "")
    if url:
        return url
    reason = "PostgreSQL: RAPPORT_TEST_DATABASE_URL is not set"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; under CI every database test must run")
    pytest.skip(reason)


def _create_postgres_database() -> str:
    server = make_url(_postgres_server_url())
    name = f"rapport_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(
        target.set(database=make_url(_postgres_server_url()).database), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def new_database_url(backend: str, folder: Path) -> str:
    """A URL to a new, empty database on ``backend``."""
    if backend == "sqlite":
        return f"sqlite:///{folder / f'rapport-{uuid.uuid4().hex[:8]}.db'}"
    return _create_postgres_database()


@contextmanager
def empty_database(backend: str, folder: Path) -> Iterator[str]:
    """The URL of a new, empty database on ``backend``, dropped afterwards."""
    url = new_database_url(backend, folder)
    try:
        yield url
    finally:
        if backend == "postgresql":
            _drop_postgres_database(url)


@pytest.fixture
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of the backend named by the test's ``empty_database_url`` param."""
    with empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """An engine on a database migrated to head, shared by the session, per backend."""
    backend: str = request.param
    url = new_database_url(backend, tmp_path_factory.mktemp(backend))
    engine = make_engine(url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()
    if backend == "postgresql":
        _drop_postgres_database(url)


@pytest.fixture
def session(migrated_engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    connection = migrated_engine.connect()
    transaction = connection.begin()
    db_session = Session(bind=connection, join_transaction_mode="create_savepoint")
    yield db_session
    db_session.close()
    transaction.rollback()
    connection.close()


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database with a 400-customer demo company, scored, its users' password set."""
    folder = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{folder / 'rapport.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    demo_service.load(engine=engine, params=DemoParams(customers=400, seed=7, end=DEMO_END))
    demo_service.give_demo_passwords(engine)
    score_service.run(engine=engine, params=ScoringParams(as_of=DEMO_END))
    engine.dispose()
    return url
