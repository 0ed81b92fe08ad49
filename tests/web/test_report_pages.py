"""Analytics pages and the dashboard, on the scored demo company (tests/conftest.py)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from rapport.app import create_app
from rapport.config import Settings
from rapport.customers.models import Customer
from rapport.demo.service import DEMO_PASSWORD
from rapport.reports.pages import menu
from rapport.users.models import User
from tests.conftest import DEMO_END

PERIOD = {"start": "2025-07-01", "end": DEMO_END.isoformat()}
END_OF_PERIOD = datetime.combine(DEMO_END + timedelta(days=1), time(), UTC)


@pytest.fixture(scope="module")
def site(demo_database: str) -> Iterator[TestClient]:
    """The app on the demo database (read only here)."""
    app = create_app(Settings(database_url=demo_database, api_rate_limit="100000/minute"))
    yield TestClient(app)
    app.state.engine.dispose()


def _signed_in(site: TestClient, email: str, language: str = "en") -> TestClient:
    client = TestClient(site.app, cookies={"rapport_locale": language})
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post("/login", data={"email": email, "password": DEMO_PASSWORD,
                                "csrf_token": token.group(1)})  # fmt: skip
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/profile").text)
    assert fresh
    fields = {"lang": language, "next": "/", "csrf_token": fresh.group(1)}
    switched = client.post("/language", data=fields, follow_redirects=False)
    assert switched.status_code == 303
    return client


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_analytics_page_draws_its_charts(site: TestClient, language: str) -> None:
    client = _signed_in(site, "admin@example.com", language)
    for slug, _title, _summary in menu():
        page = client.get(f"/analytics/{slug}", params=PERIOD)
        assert page.status_code == 200, slug
        assert page.headers["content-language"] == ("zh-CN" if language == "zh_CN" else "en")
        assert page.text.count('data-chart="') >= 1, slug


def test_a_figure_downloads_as_csv_and_xlsx(site: TestClient) -> None:
    client = _signed_in(site, "admin@example.com")
    csv_file = client.get("/analytics/rfm/data", params={**PERIOD, "figure": "segments"})
    assert csv_file.status_code == 200
    assert csv_file.content.startswith(b"\xef\xbb\xbf")
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Segment,Customers,Revenue"
    counted = sum(int(line.split(",")[-2]) for line in lines[1:])
    xlsx = client.get(
        "/analytics/rfm/data", params={**PERIOD, "figure": "segments", "format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Segment", "Customers", "Revenue")
    assert sum(int(r[1] or 0) for r in rows[1:]) == counted
    assert client.get("/analytics/rfm/data", params={"figure": "nope"}).status_code == 404


def _kpi(html: str, key: str) -> int:
    found = re.search(rf'id="kpi-{key}".*?<p class="value">([^<]+)</p>', html, re.S)
    assert found, key
    return int(found.group(1).strip().replace(",", ""))


def test_the_dashboard_counts_what_the_user_may_see(site: TestClient) -> None:
    with site.app.state.engine.connect() as connection:
        # Created by the period's end (the browser tests may add customers later on).
        live = (Customer.deleted_at.is_(None), Customer.created_at < END_OF_PERIOD)
        everyone = connection.scalar(select(func.count()).select_from(Customer).where(*live))
        rep_id = connection.scalar(
            select(Customer.owner_id).where(Customer.owner_id.is_not(None)).limit(1)
        )
        owned = connection.scalar(
            select(func.count()).select_from(Customer).where(Customer.owner_id == rep_id, *live)
        )
        email = connection.scalar(select(User.email).where(User.id == rep_id))
        wechat = connection.scalar(
            select(func.count()).select_from(Customer).where(Customer.channel == "wechat", *live)
        )
    admin = _signed_in(site, "admin@example.com")
    assert _kpi(admin.get("/dashboard", params=PERIOD).text, "customers") == everyone
    by_channel = admin.get("/dashboard", params={**PERIOD, "channel": "wechat"}).text
    assert _kpi(by_channel, "customers") == wechat
    rep = _signed_in(site, str(email))
    role = rep.get("/profile").text
    if "Sales rep" in role:  # a rep sees their own customers only
        assert _kpi(rep.get("/dashboard", params=PERIOD).text, "customers") == owned


def test_an_unknown_analysis_is_not_found(site: TestClient) -> None:
    client = _signed_in(site, "admin@example.com")
    assert client.get("/analytics/no-such-thing").status_code == 404
