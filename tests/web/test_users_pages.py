"""Sign-in, sign-out, the profile and API tokens, as a browser does them."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import PASSWORD, Cast
from tests.web.conftest import csrf_of, sign_in


def test_a_page_sends_a_stranger_to_sign_in_and_back(cast: Cast) -> None:
    client = TestClient(cast.app)
    response = client.get("/customers?q=x", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fcustomers%3Fq%3Dx"
    token = csrf_of(client.get(response.headers["location"]).text)
    signed = client.post(
        "/login",
        data={"email": cast["rep_a"].email, "password": PASSWORD, "csrf_token": token,
              "next": "/customers?q=x"},
        follow_redirects=False,
    )  # fmt: skip
    assert signed.status_code == 303
    assert signed.headers["location"] == "/customers?q=x"


def test_sign_in_refuses_a_wrong_password_and_a_foreign_next(cast: Cast) -> None:
    client = TestClient(cast.app)
    token = csrf_of(client.get("/login").text)
    wrong = client.post(
        "/login", data={"email": cast["rep_a"].email, "password": "nope", "csrf_token": token}
    )
    assert wrong.status_code == 401
    assert "Wrong email or password" in wrong.text
    right = client.post(
        "/login",
        data={"email": cast["rep_a"].email, "password": PASSWORD, "csrf_token": token,
              "next": "//evil.example.com/"},
        follow_redirects=False,
    )  # fmt: skip
    assert right.headers["location"] == "/"


def test_a_form_without_the_csrf_token_is_refused(cast: Cast) -> None:
    client = TestClient(cast.app)
    client.get("/login")
    response = client.post("/login", data={"email": cast["rep_a"].email, "password": PASSWORD})
    assert response.status_code == 403
    visitor = sign_in(cast, "rep_a")
    forged = visitor.client.post("/profile", data={"name": "Mallory", "csrf_token": "forged"})
    assert forged.status_code == 403
    assert "rep_a" in visitor.client.get("/profile").text


def test_sign_out_ends_the_session_on_the_server(cast: Cast) -> None:
    visitor = sign_in(cast, "rep_a")
    cookie = visitor.client.cookies.get("rapport_session")
    assert visitor.post("/logout").status_code == 303
    copy = TestClient(cast.app, cookies={"rapport_session": cookie or ""})
    assert copy.get("/profile", follow_redirects=False).status_code == 303


def test_the_language_is_kept_on_the_profile(cast: Cast) -> None:
    visitor = sign_in(cast, "rep_a")
    switched = visitor.post("/language", {"lang": "zh_CN", "next": "/profile"})
    assert switched.status_code == 303
    page = visitor.client.get("/profile")
    assert page.headers["content-language"] == "zh-CN"
    other_browser = sign_in(cast, "rep_a")  # a new sign-in reads it from the profile
    assert other_browser.client.get("/profile").headers["content-language"] == "zh-CN"


def test_profile_errors_name_the_field(cast: Cast) -> None:
    visitor = sign_in(cast, "rep_a")
    response = visitor.post(
        "/profile", {"current_password": "wrong-one-here", "password": "x" * 12}
    )
    assert response.status_code == 422
    assert 'id="current_password-error"' in response.text
    short = visitor.post("/profile", {"current_password": PASSWORD, "password": "short"})
    assert short.status_code == 422
    assert 'id="password-error"' in short.text


def test_a_token_made_on_the_profile_works_once_and_can_be_revoked(cast: Cast) -> None:
    visitor = sign_in(cast, "rep_a")
    made = visitor.post("/profile/tokens", {"name": "laptop script", "days": "30"})
    assert made.status_code == 200
    secret = made.text.split('<code class="secret">')[1].split("<")[0]
    api = TestClient(cast.app, headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/me").json()["email"] == cast["rep_a"].email
    listed = [t for t in api.get("/api/v1/me/tokens").json() if t["name"] == "laptop script"]
    assert visitor.post(f"/profile/tokens/{listed[0]['id']}/revoke").status_code == 303
    assert api.get("/api/v1/me").status_code == 401
