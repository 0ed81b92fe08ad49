"""Every page's answer time on a large CRM, as a signed-in admin and a rep see it.

Requests go through the whole app in this process (FastAPI TestClient: sign-in session,
CSRF, access rules, SQL, analytics, templates), so the figures are the server's share
of a page, without the network or the browser's drawing. An analytics page is timed
twice: the first visit after the server starts (its snapshot of the data is read then)
and a later one (answered from the snapshot, as for every visitor until it expires).
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from rapport.app import create_app
from rapport.config import Settings
from rapport.customers.models import Customer
from rapport.db import session_scope
from rapport.deals.models import Deal
from rapport.demo.service import DEMO_PASSWORD
from rapport.reports.pages import default_works, menu
from rapport.users.models import Role, User


@dataclass(frozen=True)
class Timing:
    """How long one page took, in milliseconds: the first visit to a server just started,
    the first visit once the server warmed its analytics up, the first visit to a server
    restarted with the figures the first one kept, the median of later ones."""

    name: str
    first_ms: float
    later_ms: float
    warmed_ms: float | None = None
    restarted_ms: float | None = None


def _signed_in(app: object, email: str) -> TestClient:
    client = TestClient(app)  # type: ignore[arg-type]
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    answer = client.post(
        "/login",
        data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


def _time(client: TestClient, path: str, repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(1 + repeats):
        started = time.perf_counter()
        answer = client.get(path)
        times.append(1000 * (time.perf_counter() - started))
        assert answer.status_code == 200, f"{path}: {answer.status_code}"
    return times[0], statistics.median(times[1:]) if repeats else times[0]


def measure(url: str, repeats: int = 3) -> tuple[list[Timing], float]:
    """Each page's time on the database at ``url`` (a scored demo), and the seconds the
    warm-up took. Pages open as a visitor first sees them, with no filters chosen (as the
    warm-up computes them)."""
    with tempfile.TemporaryDirectory() as store:
        return _measure(url, repeats, Path(store))


def _measure(url: str, repeats: int, store: Path) -> tuple[list[Timing], float]:
    settings = Settings(database_url=url, api_rate_limit="1000000/minute", analytics_store=store)
    app = create_app(settings)
    with session_scope(app.state.sessionmaker) as session:
        customer = session.scalar(
            select(Customer.id).where(Customer.lifecycle_stage == "loyal").limit(1)
        )
        deal = session.scalar(select(Deal.id).where(Deal.status == "open").limit(1))
        name = session.scalar(select(Customer.name).where(Customer.id == customer))
        rep = session.scalar(
            select(User.email).where(User.role == Role.REP).order_by(User.id).limit(1)
        )
    admin = _signed_in(app, "admin@example.com")
    pages = [
        ("dashboard", "/dashboard"),
        ("customers: list", "/customers"),
        ("customers: search by name", f"/customers?q={(name or 'a')[:2]}"),
        (
            "customers: at risk, churn risk ≥ 50 %",
            "/customers?lifecycle_stage=at_risk&churn_risk_min=0.5",
        ),
        ("customer 360", f"/customers/{customer}"),
        ("customer form", f"/customers/{customer}/edit"),
        ("pipeline board", "/deals"),
        ("deal", f"/deals/{deal}"),
        ("my day", "/tasks"),
        ("import", "/imports"),
        ("profile", "/profile"),
        *[(f"analytics: {slug}", f"/analytics/{slug}") for slug, _t, _s in menu()],
    ]
    timings = [Timing(label, *_time(admin, path, repeats)) for label, path in pages]
    rep_client = _signed_in(app, str(rep))
    as_rep = [
        ("customers: list (rep)", "/customers"),
        ("dashboard (rep)", "/dashboard"),
        ("pipeline board (rep)", "/deals"),
    ]
    for label, path in as_rep:
        timings.append(Timing(label, *_time(rep_client, path, repeats)))
    app.state.analytics.save()  # as the server does when it stops
    app.state.engine.dispose()
    # A second server, which warms up as `rapport serve` does when it starts, with no
    # figures kept from before.
    warm_app = create_app(settings.model_copy(update={"analytics_store": None}))
    started = time.perf_counter()
    warm_app.state.analytics.warm(default_works(date.today(), settings))
    warm_seconds = time.perf_counter() - started
    warm_admin = _signed_in(warm_app, "admin@example.com")
    warmed = {label: _time(warm_admin, path, 0)[0] for label, path in pages}
    warm_app.state.engine.dispose()
    # A third server, restarted: it reads back what the first one kept.
    restarted_app = create_app(settings)
    restarted_app.state.analytics.load()
    restarted = {}
    for client, visits in ((_signed_in(restarted_app, "admin@example.com"), pages),
                           (_signed_in(restarted_app, str(rep)), as_rep)):  # fmt: skip
        restarted.update({label: _time(client, path, 0)[0] for label, path in visits})
    restarted_app.state.engine.dispose()
    found = [
        Timing(t.name, t.first_ms, t.later_ms, warmed.get(t.name), restarted.get(t.name))
        for t in timings
    ]
    return found, warm_seconds
