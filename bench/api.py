"""API latency on a large CRM: read a customer with its records, list, filter and search.

Requests go through the whole app in process (FastAPI TestClient: routing, access rules,
validation, SQL, serialisation), so the figures are the server's share of a request,
without the network. Each kind of request is sent ``samples`` times with varied
arguments; p50 and p95 are reported per kind.
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from rapport.app import create_app
from rapport.config import Settings
from rapport.customers.models import Customer
from rapport.db import session_scope
from rapport.users import tokens
from rapport.users.models import Role, User


@dataclass(frozen=True)
class Timing:
    """Latency of one kind of request, in milliseconds."""

    name: str
    samples: int
    p50_ms: float
    p95_ms: float


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _token(client: TestClient, role: Role, user_id: int | None) -> str:
    app = client.app
    with session_scope(app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        user = session.get(User, user_id) if user_id else None
        if user is None:
            user = User(email=f"bench-{uuid.uuid4().hex[:8]}@example.com", name="Bench",
                        role=role)  # fmt: skip
            session.add(user)
            session.flush()
        _, secret = tokens.create(session=session, user=user, name="bench", days=1)
    return secret


def measure(url: str, samples: int, seed: int = 7) -> list[Timing]:
    """The latency of each kind of request against the database at ``url``."""
    app = create_app(Settings(database_url=url, api_rate_limit="1000000/minute"))
    client = TestClient(app)
    rng = random.Random(seed)
    with session_scope(app.state.sessionmaker) as session:
        top = session.scalar(select(func.max(Customer.id))) or 0
        rep_id = session.scalar(
            select(User.id).where(User.role == Role.REP).order_by(User.id).limit(1)
        )
        names = list(session.scalars(select(Customer.name).where(
            Customer.id.in_([rng.randint(1, top) for _ in range(samples)]))))  # fmt: skip
        city = session.scalar(
            select(Customer.city)
            .where(Customer.owner_id == rep_id)
            .group_by(Customer.city)
            .order_by(func.count().desc())
            .limit(1)
        )  # the rep's most common city: a page that matches, not an empty one
        emails = list(session.scalars(select(Customer.email).where(
            Customer.id.in_([rng.randint(1, top) for _ in range(samples * 3)]),
            Customer.email.is_not(None)).limit(samples)))  # fmt: skip
        own = list(session.scalars(select(Customer.id).where(Customer.owner_id == rep_id)
                                   .order_by(func.random()).limit(samples)))  # fmt: skip
    admin = {"Authorization": f"Bearer {_token(client, Role.ADMIN, None)}"}
    rep = {"Authorization": f"Bearer {_token(client, Role.REP, rep_id)}"}
    ids = [rng.randint(1, top) for _ in range(samples)]
    stages = ["lead", "first_time", "repeat", "loyal", "at_risk", "churned"]

    def get(path: str, headers: dict[str, str], **params: Any) -> Callable[[], None]:
        def call() -> None:
            response = client.get(path, headers=headers, params=params)
            assert response.status_code == 200, response.text

        return call

    def deep(headers: dict[str, str], pages: int) -> Callable[[], None]:
        def call() -> None:
            cursor = None
            for _ in range(pages):
                params = {
                    "sort": "-created_at",
                    "limit": 50,
                    **({"cursor": cursor} if cursor else {}),
                }
                body = client.get("/api/v1/customers", headers=headers, params=params).json()
                cursor = body["next_cursor"]

        return call

    kinds: dict[str, Callable[[int], Callable[[], None]]] = {
        "read one customer (admin)": lambda i: get(f"/api/v1/customers/{ids[i]}", admin),
        "read one own customer (rep, access rule)": lambda i: get(
            f"/api/v1/customers/{own[i % len(own)]}", rep
        ),
        "customer's orders, first page": lambda i: get("/api/v1/orders", admin,
                                                      customer_id=ids[i], sort="-ordered_at"),
        "customer's interactions, first page": lambda i: get(
            "/api/v1/interactions", admin, customer_id=ids[i], sort="-occurred_at"
        ),
        "customer's deals": lambda i: get("/api/v1/deals", admin, customer_id=ids[i]),
        "filtered page (stage, newest first)": lambda i: get(
            "/api/v1/customers", admin, lifecycle_stage=stages[i % len(stages)],
            sort="-created_at", limit=50,
        ),
        "filtered page as a rep (own customers, city)": lambda i: get(
            "/api/v1/customers", rep, city=city, sort="-created_at", limit=50
        ),
        "search by name (Chinese or English prefix)": lambda i: get(
            "/api/v1/customers", admin, q=names[i % len(names)][:2], limit=50
        ),
        "search by a whole email (one match)": lambda i: get(
            "/api/v1/customers", admin, q=emails[i % len(emails)], limit=50
        ),
        "search that finds nothing": lambda i: get(
            "/api/v1/customers", admin, q=f"zzq{i}xx", limit=50
        ),
        "search by phone prefix": lambda i: get(
            "/api/v1/customers", admin, q=f"13{rng.randint(0, 99):02d}{rng.randint(0, 999):03d}"
        ),
        "10 successive pages, newest first (total)": lambda i: deep(admin, 10),
    }  # fmt: skip
    timings = []
    for name, make in kinds.items():
        make(0)()  # warm the caches, as a running server would have them
        seconds = []
        for i in range(samples):
            call = make(i)
            started = time.perf_counter()
            call()
            seconds.append(time.perf_counter() - started)
        ms = [s * 1000 for s in seconds]
        timings.append(Timing(name, samples, statistics.median(ms), _percentile(ms, 0.95)))
    app.state.engine.dispose()
    return timings
