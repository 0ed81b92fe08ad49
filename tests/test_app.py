"""The web app skeleton: health checks, API docs, static files, home page and language choice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from rapport import __version__
from rapport.app import create_app
from rapport.config import Settings
from rapport.i18n import LOCALE_COOKIE

# Port 1 on loopback has no listener: connecting is refused at once.
UNREACHABLE_POSTGRES_URL = "postgresql+psycopg://rapport@127.0.0.1:1/rapport?connect_timeout=2"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """A client of an app on an empty SQLite file: these routes need no tables."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/t.db"))
    with TestClient(app) as test_client:
        yield test_client


def test_healthz_answers_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_when_the_database_answers(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_readyz_is_unavailable_when_the_database_is_unreachable() -> None:
    app = create_app(Settings(database_url=UNREACHABLE_POSTGRES_URL))
    with TestClient(app) as client:
        response = client.get("/readyz")
        assert client.get("/healthz").status_code == 200
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert "database unreachable" in body["detail"]
    assert "127.0.0.1" not in body["detail"]


def test_app_keeps_engine_and_sessionmaker_on_state(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    app = create_app(Settings(database_url=url))
    assert str(app.state.engine.url) == url
    with app.state.sessionmaker() as session:
        assert session.get_bind() is app.state.engine


def test_engine_is_disposed_when_the_app_stops(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/t.db"))
    disposed: list[Engine] = []
    event.listen(app.state.engine, "engine_disposed", disposed.append)
    with TestClient(app) as client:
        client.get("/readyz")
        assert disposed == []
    assert disposed == [app.state.engine]


def test_openapi_docs_are_served(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["info"] == {"title": "Rapport", "version": __version__}
    assert {"/healthz", "/readyz"} <= set(schema["paths"])
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


def test_stylesheet_is_served(client: TestClient) -> None:
    response = client.get("/static/css/rapport.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert "PingFang SC" in response.text


def test_static_dir_setting_replaces_the_package_folder(tmp_path: Path) -> None:
    (tmp_path / "hello.txt").write_text("from the configured folder", encoding="utf-8")
    settings = Settings(database_url=f"sqlite:///{tmp_path}/t.db", static_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        assert client.get("/static/hello.txt").text == "from the configured folder"
        assert client.get("/static/css/rapport.css").status_code == 404


def test_home_page_is_english_by_default(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-language"] == "en"
    assert '<html lang="en">' in response.text
    assert "Welcome to Rapport" in response.text
    assert 'href="/docs"' in response.text
    assert 'href="/healthz"' in response.text
    assert 'src="/static/vendor/htmx.min.js"' in response.text
    assert 'href="/static/css/rapport.css"' in response.text
    assert "/language?lang=zh_CN&amp;next=/" in response.text


def test_home_page_follows_the_default_locale_setting(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/t.db", default_locale="zh_CN")
    with TestClient(create_app(settings)) as client:
        assert '<html lang="zh-CN">' in client.get("/").text


def test_home_page_speaks_chinese_to_a_chinese_browser(client: TestClient) -> None:
    response = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-CN">' in response.text
    assert "欢迎使用 Rapport" in response.text
    assert "Welcome to Rapport" not in response.text
    assert response.headers["content-language"] == "zh-CN"
    assert "Accept-Language" in response.headers["vary"]


def test_home_page_speaks_the_language_in_the_cookie(client: TestClient) -> None:
    client.cookies.set(LOCALE_COOKIE, "zh_CN")
    assert "欢迎使用 Rapport" in client.get("/").text


def test_cookie_wins_over_the_browser_preference(client: TestClient) -> None:
    client.cookies.set(LOCALE_COOKIE, "en")
    response = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "Welcome to Rapport" in response.text


def test_unknown_cookie_value_is_ignored(client: TestClient) -> None:
    client.cookies.set(LOCALE_COOKIE, "fr")
    response = client.get("/", headers={"Accept-Language": "zh-CN"})
    assert "欢迎使用 Rapport" in response.text


def test_language_switcher_sets_the_cookie_and_goes_back(client: TestClient) -> None:
    response = client.get(
        "/language", params={"lang": "zh_CN", "next": "/?page=2"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/?page=2"
    set_cookie = response.headers["set-cookie"]
    assert f"{LOCALE_COOKIE}=zh_CN" in set_cookie
    assert "HttpOnly" in set_cookie
    assert "samesite=lax" in set_cookie.lower()
    assert "Max-Age=31536000" in set_cookie
    assert "欢迎使用 Rapport" in client.get("/").text


def test_language_switcher_links_back_to_the_current_page(client: TestClient) -> None:
    page = client.get("/", params={"a": "1", "b": "2"})
    assert "/language?lang=zh_CN&amp;next=/%3Fa%3D1%26b%3D2" in page.text
    response = client.get(
        "/language", params={"lang": "zh_CN", "next": "/?a=1&b=2"}, follow_redirects=False
    )
    assert response.headers["location"] == "/?a=1&b=2"


@pytest.mark.parametrize(
    "next_path",
    [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_language_switcher_refuses_off_site_redirects(client: TestClient, next_path: str) -> None:
    response = client.get(
        "/language", params={"lang": "en", "next": next_path}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_language_switcher_without_next_goes_home(client: TestClient) -> None:
    response = client.get("/language", params={"lang": "en"}, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_language_switcher_refuses_unknown_languages(client: TestClient) -> None:
    response = client.get("/language", params={"lang": "fr", "next": "/"}, follow_redirects=False)
    assert response.status_code == 400
    assert "set-cookie" not in response.headers
