"""An app per backend on a migrated database, and a cast of users in two teams.

The app lives for a test module; each test gets its own people (emails and team names
carry a unique suffix), so tests never see each other's records through permissions.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from rapport import migrate
from rapport.app import create_app
from rapport.config import Settings
from rapport.db import make_engine, session_scope
from rapport.users import tokens
from rapport.users.models import Role, Team, User
from rapport.users.service import hash_password
from tests.conftest import BACKENDS, empty_database

MakeCustomer = Callable[..., dict[str, Any]]
PASSWORD = "correct-horse-battery"
PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose


@pytest.fixture(scope="module", params=BACKENDS)
def app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FastAPI]:
    """The app on a migrated database of each backend, shared by a test module."""
    with empty_database(request.param, tmp_path_factory.mktemp("api")) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        uploads = tmp_path_factory.mktemp("uploads")
        settings = Settings(database_url=url, api_rate_limit="100000/minute", import_dir=uploads)
        application = create_app(settings)
        yield application
        application.state.engine.dispose()


@dataclass(frozen=True)
class Person:
    """A user of the test, with an API token."""

    id: int
    email: str
    role: Role
    team_id: int | None
    token: str


@dataclass
class Cast:
    """Users in team A and team B, each role once, plus a second rep in team A."""

    app: FastAPI
    people: dict[str, Person]

    def __getitem__(self, name: str) -> Person:
        return self.people[name]

    def client(self, name: str) -> TestClient:
        """A client that authenticates as ``name`` with its API token."""
        client = TestClient(self.app)
        client.headers["Authorization"] = f"Bearer {self.people[name].token}"
        return client


ROLES = {
    "admin": (Role.ADMIN, None),
    "manager_a": (Role.MANAGER, "a"),
    "rep_a": (Role.REP, "a"),
    "rep_a2": (Role.REP, "a"),
    "agent_a": (Role.AGENT, "a"),
    "manager_b": (Role.MANAGER, "b"),
    "rep_b": (Role.REP, "b"),
    "analyst": (Role.ANALYST, None),
}


@pytest.fixture
def cast(app: FastAPI) -> Cast:
    """A fresh set of users and tokens for one test."""
    suffix = uuid.uuid4().hex[:8]
    people = {}
    with session_scope(app.state.sessionmaker) as session:
        teams = {k: Team(name=f"Team {k.upper()} {suffix}") for k in ("a", "b")}
        session.add_all(teams.values())
        session.flush()
        for name, (role, team) in ROLES.items():
            user = User(
                email=f"{name}-{suffix}@example.com",
                name=name,
                role=role,
                team_id=teams[team].id if team else None,
                password_hash=PASSWORD_HASH,
            )
            session.add(user)
            session.flush()
            _, secret = tokens.create(session=session, user=user, name="tests", days=None)
            people[name] = Person(user.id, user.email, role, user.team_id, secret)
    return Cast(app, people)


@pytest.fixture
def make_customer(cast: Cast) -> MakeCustomer:
    """Create a customer through the API as ``by`` (default admin) and return its JSON."""

    def make(by: str = "admin", **fields: Any) -> dict[str, Any]:
        fields.setdefault("name", f"Customer {uuid.uuid4().hex[:6]}")
        response = cast.client(by).post("/api/v1/customers", json=fields)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    return make
