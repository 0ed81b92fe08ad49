"""Signing in and out, CSRF, API tokens, rate limits, deactivation and password changes.

Every check goes through the HTTP API. A ``TestClient`` keeps its own cookies, so one
client is one browser; ``cast.client(name)`` sends the person's API token instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from rapport.app import create_app
from rapport.config import Settings
from rapport.db import session_scope, utcnow
from rapport.users.models import ApiToken, User
from tests.api.conftest import PASSWORD, Cast

API = "/api/v1"
COOKIE = "rapport_session"
NEW_PASSWORD = "a-brand-new-secret"
UNLIMITED = "100000/minute"


def _error(response: Response, status: int, code: str) -> dict[str, Any]:
    """The ``error`` object of ``response``, after checking its status and shape."""
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"status", "code", "message", "fields"}
    assert error["status"] == status
    assert error["code"] == code
    assert error["message"]
    return error


def _login(client: TestClient, email: str, password: str = PASSWORD) -> Response:
    return client.post(f"{API}/auth/login", json={"email": email, "password": password})


def _signed_in(app: FastAPI, email: str, password: str = PASSWORD) -> tuple[TestClient, str]:
    """A client with a session cookie for ``email``, and the session's CSRF token."""
    client = TestClient(app)
    response = _login(client, email, password)
    assert response.status_code == 200, response.text
    return client, response.json()["csrf_token"]


def _retry_after(response: Response) -> int:
    """The Retry-After of a 429, checked to be a positive whole number of seconds."""
    _error(response, 429, "rate_limited")
    value = response.headers["Retry-After"]
    assert value.isdigit(), value
    assert int(value) > 0
    return int(value)


@pytest.fixture
def make_app(app: FastAPI) -> Iterator[Callable[..., FastAPI]]:
    """Build apps with other settings on the module's database; disposed afterwards."""
    url = app.state.engine.url.render_as_string(hide_password=False)
    made: list[FastAPI] = []

    def make(**settings: Any) -> FastAPI:
        settings.setdefault("api_rate_limit", UNLIMITED)
        other = create_app(Settings(database_url=url, **settings))
        made.append(other)
        return other

    yield make
    for other in made:
        other.state.engine.dispose()


# -- signing in, the session cookie and CSRF ---------------------------------------------


def test_sign_in_sets_the_session_cookie_and_returns_user_and_csrf_token(
    app: FastAPI, cast: Cast
) -> None:
    """Email + password → 200 with the user and a CSRF token; the cookie then reads /me."""
    client = TestClient(app)
    response = _login(client, cast["rep_a"].email.upper())  # emails compare case-insensitively
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["id"] == cast["rep_a"].id
    assert body["user"]["email"] == cast["rep_a"].email
    assert body["user"]["last_login_at"] is not None
    assert "password_hash" not in body["user"]
    assert isinstance(body["csrf_token"], str)
    assert len(body["csrf_token"]) >= 16
    assert client.cookies.get(COOKIE)

    me = client.get(f"{API}/me")
    assert me.status_code == 200, me.text
    assert me.json()["id"] == cast["rep_a"].id


def test_signed_in_changes_need_the_csrf_header_of_the_session(app: FastAPI, cast: Cast) -> None:
    """With the cookie, POST/PATCH without (or with a wrong) X-CSRF-Token → 403; with it → ok."""
    client, csrf = _signed_in(app, cast["rep_a"].email)

    missing = client.patch(f"{API}/me", json={"locale": "zh_CN"})
    _error(missing, 403, "forbidden")
    assert "X-CSRF-Token" in missing.json()["error"]["message"]
    _error(client.post(f"{API}/me/tokens", json={"name": "ci"}), 403, "forbidden")
    wrong = client.patch(
        f"{API}/me", json={"locale": "zh_CN"}, headers={"X-CSRF-Token": csrf + "x"}
    )
    _error(wrong, 403, "forbidden")
    assert client.get(f"{API}/me").json()["locale"] == "en"  # nothing was changed

    changed = client.patch(f"{API}/me", json={"locale": "zh_CN"}, headers={"X-CSRF-Token": csrf})
    assert changed.status_code == 200, changed.text
    assert changed.json()["locale"] == "zh_CN"
    made = client.post(f"{API}/me/tokens", json={"name": "ci"}, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201, made.text


def test_the_csrf_token_of_one_session_does_not_work_for_another(app: FastAPI, cast: Cast) -> None:
    """Each sign-in gets its own CSRF token; another session's token is refused (403)."""
    first, first_csrf = _signed_in(app, cast["rep_a"].email)
    second, second_csrf = _signed_in(app, cast["rep_a"].email)
    assert first_csrf != second_csrf
    assert first.get(f"{API}/me").status_code == 200  # a second sign-in keeps the first alive
    response = second.patch(f"{API}/me", json={"name": "x"}, headers={"X-CSRF-Token": first_csrf})
    _error(response, 403, "forbidden")


def test_wrong_password_and_unknown_email_answer_the_same_401(app: FastAPI, cast: Cast) -> None:
    """A wrong password and an unknown email give the same status, code and message."""
    client = TestClient(app)
    wrong = _error(_login(client, cast["rep_a"].email, "not-the-password"), 401, "unauthenticated")
    unknown = _error(
        _login(client, f"nobody-{cast['rep_a'].id}@example.com"), 401, "unauthenticated"
    )
    assert wrong["message"] == unknown["message"]
    assert not client.cookies.get(COOKIE)
    _error(client.get(f"{API}/me"), 401, "unauthenticated")


def test_sign_in_with_a_missing_field_is_a_422_naming_it(app: FastAPI) -> None:
    """A login body without a password → 422 whose fields name body.password."""
    response = TestClient(app).post(f"{API}/auth/login", json={"email": "a@example.com"})
    error = _error(response, 422, "validation_error")
    assert [f["path"] for f in error["fields"]] == ["body.password"]


# -- the sign-in rate limit ---------------------------------------------------------------


def test_after_too_many_failed_sign_ins_even_the_right_password_gets_429(
    make_app: Callable[..., FastAPI], cast: Cast
) -> None:
    """login_attempts=3: three failures, then the right password → 429 with Retry-After."""
    limited = make_app(login_attempts=3, login_window_minutes=15)
    client = TestClient(limited)
    email = cast["rep_a"].email
    for _ in range(3):
        _error(_login(client, email, "not-the-password"), 401, "unauthenticated")

    refused = _login(client, email)
    assert _retry_after(refused) <= 15 * 60
    assert not client.cookies.get(COOKIE)
    # The count is per account (compared case-insensitively), not per spelling.
    _retry_after(_login(client, f"  {email.upper()} "))

    other = _login(client, cast["rep_a2"].email)
    assert other.status_code == 200, other.text


def test_a_successful_sign_in_resets_the_failed_sign_in_count(
    make_app: Callable[..., FastAPI], cast: Cast
) -> None:
    """Two failures, a success, then three more failures are allowed before the 429."""
    limited = make_app(login_attempts=3, login_window_minutes=15)
    client = TestClient(limited)
    email = cast["rep_a"].email
    for _ in range(2):
        _error(_login(client, email, "not-the-password"), 401, "unauthenticated")
    assert _login(client, email).status_code == 200
    for _ in range(3):
        _error(_login(client, email, "not-the-password"), 401, "unauthenticated")
    _retry_after(_login(client, email, "not-the-password"))


# -- the API rate limit -------------------------------------------------------------------


def test_the_api_rate_limit_counts_per_token(make_app: Callable[..., FastAPI], cast: Cast) -> None:
    """api_rate_limit=5/minute: the 6th request of one token → 429; another user's works."""
    limited = make_app(api_rate_limit="5/minute")
    client = TestClient(limited, headers={"Authorization": f"Bearer {cast['rep_a'].token}"})
    for _ in range(5):
        assert client.get(f"{API}/me").status_code == 200
    assert _retry_after(client.get(f"{API}/me")) <= 60

    other = TestClient(limited, headers={"Authorization": f"Bearer {cast['rep_b'].token}"})
    response = other.get(f"{API}/me")
    assert response.status_code == 200, response.text
    assert response.json()["id"] == cast["rep_b"].id


def test_the_api_rate_limit_also_counts_signed_in_sessions(
    make_app: Callable[..., FastAPI], cast: Cast
) -> None:
    """A cookie session is limited too: the 6th request with api_rate_limit=5/minute → 429."""
    limited = make_app(api_rate_limit="5/minute")
    client, _ = _signed_in(limited, cast["rep_a"].email)
    for _ in range(5):
        assert client.get(f"{API}/me").status_code == 200
    _retry_after(client.get(f"{API}/me"))


# -- deactivation -------------------------------------------------------------------------


def test_deactivation_ends_tokens_and_sessions_at_once_and_blocks_sign_in(
    app: FastAPI, cast: Cast
) -> None:
    """After is_active=false the user's token and cookie answer 401, and sign-in fails."""
    rep = cast["rep_a"]
    token_client = cast.client("rep_a")
    session_client, _ = _signed_in(app, rep.email)
    assert token_client.get(f"{API}/me").status_code == 200
    assert session_client.get(f"{API}/me").status_code == 200

    response = cast.client("admin").patch(f"{API}/users/{rep.id}", json={"is_active": False})
    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is False

    _error(token_client.get(f"{API}/me"), 401, "unauthenticated")
    _error(session_client.get(f"{API}/me"), 401, "unauthenticated")
    _error(_login(TestClient(app), rep.email), 401, "unauthenticated")
    # Other people are not affected.
    assert cast.client("rep_a2").get(f"{API}/me").status_code == 200


def test_reactivation_does_not_revive_old_tokens_or_sessions(app: FastAPI, cast: Cast) -> None:
    """Deactivate then reactivate: old token and cookie stay dead; signing in works again."""
    rep = cast["rep_a"]
    token_client = cast.client("rep_a")
    session_client, _ = _signed_in(app, rep.email)
    admin = cast.client("admin")
    assert admin.patch(f"{API}/users/{rep.id}", json={"is_active": False}).status_code == 200
    assert admin.patch(f"{API}/users/{rep.id}", json={"is_active": True}).status_code == 200

    _error(token_client.get(f"{API}/me"), 401, "unauthenticated")
    _error(session_client.get(f"{API}/me"), 401, "unauthenticated")
    fresh, _ = _signed_in(app, rep.email)
    assert fresh.get(f"{API}/me").json()["id"] == rep.id


def test_an_admin_cannot_deactivate_themselves(cast: Cast) -> None:
    """PATCH own user with is_active=false → 409, and the admin's token still works."""
    admin = cast.client("admin")
    response = admin.patch(f"{API}/users/{cast['admin'].id}", json={"is_active": False})
    _error(response, 409, "conflict")
    me = admin.get(f"{API}/me")
    assert me.status_code == 200
    assert me.json()["is_active"] is True


def test_only_admins_can_deactivate_users(cast: Cast) -> None:
    """A manager cannot deactivate a rep of their own team: refused, the rep keeps working."""
    response = cast.client("manager_a").patch(
        f"{API}/users/{cast['rep_a'].id}", json={"is_active": False}
    )
    _error(response, 403, "forbidden")
    assert cast.client("rep_a").get(f"{API}/me").status_code == 200


def test_nobody_can_raise_their_own_role_or_reactivate_through_me(cast: Cast) -> None:
    """PATCH /me accepts only profile fields: role or is_active → 422, nothing changes."""
    client = cast.client("rep_a")
    for body in ({"role": "admin"}, {"is_active": True}, {"email": "other@example.com"}):
        _error(client.patch(f"{API}/me", json=body), 422, "validation_error")
    me = client.get(f"{API}/me").json()
    assert me["role"] == "rep"
    assert me["email"] == cast["rep_a"].email


# -- changing one's password --------------------------------------------------------------


def test_a_wrong_current_password_is_a_422_naming_current_password(
    app: FastAPI, cast: Cast
) -> None:
    """PATCH /me with a new password and a wrong (or no) current one → 422 on that field."""
    client, csrf = _signed_in(app, cast["rep_a"].email)
    headers = {"X-CSRF-Token": csrf}
    for body in (
        {"password": NEW_PASSWORD, "current_password": "not-the-password"},
        {"password": NEW_PASSWORD},
    ):
        response = client.patch(f"{API}/me", json=body, headers=headers)
        error = _error(response, 422, "validation_error")
        assert [f["path"] for f in error["fields"]] == ["body.current_password"]
    # Nothing changed: the old password still signs in.
    assert _login(TestClient(app), cast["rep_a"].email).status_code == 200


def test_a_password_change_ends_the_users_other_sessions_but_not_this_one(
    app: FastAPI, cast: Cast
) -> None:
    """Other sessions get 401, the changing one keeps working, only the new password signs in."""
    email = cast["rep_a"].email
    other, _ = _signed_in(app, email)
    client, csrf = _signed_in(app, email)
    someone_else, _ = _signed_in(app, cast["rep_a2"].email)

    response = client.patch(
        f"{API}/me",
        json={"password": NEW_PASSWORD, "current_password": PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text

    _error(other.get(f"{API}/me"), 401, "unauthenticated")
    assert client.get(f"{API}/me").status_code == 200
    renamed = client.patch(f"{API}/me", json={"name": "Still Here"}, headers={"X-CSRF-Token": csrf})
    assert renamed.status_code == 200, renamed.text
    assert someone_else.get(f"{API}/me").status_code == 200

    _error(_login(TestClient(app), email), 401, "unauthenticated")
    assert _login(TestClient(app), email, NEW_PASSWORD).status_code == 200


# -- personal API tokens ------------------------------------------------------------------


def test_a_new_token_works_is_listed_without_its_secret_and_stops_when_revoked(
    app: FastAPI, cast: Cast
) -> None:
    """POST /me/tokens → 201 with an rpt_ secret; it authenticates; DELETE → 204 then 401."""
    owner = cast.client("rep_a")
    created = owner.post(f"{API}/me/tokens", json={"name": "ci"})
    assert created.status_code == 201, created.text
    token = created.json()
    assert token["secret"].startswith("rpt_")
    assert token["name"] == "ci"
    assert token["expires_at"] is None

    bearer = TestClient(app, headers={"Authorization": f"Bearer {token['secret']}"})
    me = bearer.get(f"{API}/me")
    assert me.status_code == 200, me.text
    assert me.json()["id"] == cast["rep_a"].id

    listed = owner.get(f"{API}/me/tokens")
    assert listed.status_code == 200
    mine = [t for t in listed.json() if t["id"] == token["id"]]
    assert len(mine) == 1
    assert mine[0]["name"] == "ci"
    assert mine[0]["last_used_at"] is not None
    assert token["secret"] not in listed.text
    assert all("secret" not in t and "token_hash" not in t for t in listed.json())

    assert owner.delete(f"{API}/me/tokens/{token['id']}").status_code == 204
    _error(bearer.get(f"{API}/me"), 401, "unauthenticated")
    assert token["id"] not in [t["id"] for t in owner.get(f"{API}/me/tokens").json()]
    _error(owner.delete(f"{API}/me/tokens/{token['id']}"), 404, "not_found")
    assert owner.get(f"{API}/me").status_code == 200  # the fixture's token is untouched


def test_nobody_can_revoke_another_users_token(app: FastAPI, cast: Cast) -> None:
    """DELETE of another user's token id → 404 (even for an admin), and it keeps working."""
    created = cast.client("rep_a").post(f"{API}/me/tokens", json={"name": "mine"})
    token = created.json()
    for name in ("rep_b", "admin"):
        response = cast.client(name).delete(f"{API}/me/tokens/{token['id']}")
        _error(response, 404, "not_found")
    bearer = TestClient(app, headers={"Authorization": f"Bearer {token['secret']}"})
    assert bearer.get(f"{API}/me").status_code == 200


def test_an_expired_token_answers_401_and_is_not_listed(app: FastAPI, cast: Cast) -> None:
    """A days=1 token whose expires_at is moved into the past no longer authenticates."""
    owner = cast.client("rep_a")
    created = owner.post(f"{API}/me/tokens", json={"name": "short", "days": 1})
    assert created.status_code == 201, created.text
    token = created.json()
    assert token["expires_at"] is not None
    bearer = TestClient(app, headers={"Authorization": f"Bearer {token['secret']}"})
    assert bearer.get(f"{API}/me").status_code == 200

    with session_scope(app.state.sessionmaker) as session:
        row = session.get(ApiToken, token["id"])
        assert row is not None
        row.expires_at = utcnow() - timedelta(minutes=1)

    _error(bearer.get(f"{API}/me"), 401, "unauthenticated")
    assert token["id"] not in [t["id"] for t in owner.get(f"{API}/me/tokens").json()]


def test_token_fields_are_validated(cast: Cast) -> None:
    """days must be 1..3650 and the name non-empty: 422 naming the field."""
    client = cast.client("rep_a")
    for body, path in (
        ({"name": "x", "days": 0}, "body.days"),
        ({"name": "x", "days": 3651}, "body.days"),
        ({"name": "  "}, "body.name"),
    ):
        error = _error(client.post(f"{API}/me/tokens", json=body), 422, "validation_error")
        assert [f["path"] for f in error["fields"]] == [path]


# -- requests without valid credentials ---------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    ["Basic eHl6OnBhc3M=", "Bearer ", "Bearer", "Token rpt_abc", "Bearer rpt_not-a-real-token",
     "Bearer not-even-prefixed"],
)  # fmt: skip
def test_a_malformed_or_unknown_authorization_header_answers_401(
    app: FastAPI, authorization: str
) -> None:
    """Anything but a live 'Bearer <token>' in Authorization → 401 in the error shape."""
    client = TestClient(app, headers={"Authorization": authorization})
    _error(client.get(f"{API}/me"), 401, "unauthenticated")


def test_no_credentials_at_all_answers_401(app: FastAPI) -> None:
    """Without a token or cookie, reads and changes are refused with 401 (not 403)."""
    client = TestClient(app)
    _error(client.get(f"{API}/me"), 401, "unauthenticated")
    _error(client.get(f"{API}/customers"), 401, "unauthenticated")
    _error(client.post(f"{API}/me/tokens", json={"name": "x"}), 401, "unauthenticated")


def test_a_bad_authorization_header_is_not_rescued_by_a_good_cookie(
    app: FastAPI, cast: Cast
) -> None:
    """When an Authorization header is sent, only it counts: a bad one → 401 despite the cookie."""
    client, _ = _signed_in(app, cast["rep_a"].email)
    _error(client.get(f"{API}/me", headers={"Authorization": "Basic xyz"}), 401, "unauthenticated")


def test_a_forged_session_cookie_answers_401(app: FastAPI, cast: Cast) -> None:
    """A cookie not signed with the app's key does not authenticate."""
    client, _ = _signed_in(app, cast["rep_a"].email)
    value = client.cookies[COOKIE]
    forged = TestClient(app, cookies={COOKIE: value[:-4] + "AAAA"})
    _error(forged.get(f"{API}/me"), 401, "unauthenticated")


# -- signing out --------------------------------------------------------------------------


def test_logout_answers_204_and_the_cookie_no_longer_authenticates(
    app: FastAPI, cast: Cast
) -> None:
    """POST /auth/logout → 204; the browser's cookie is then cleared and /me answers 401."""
    client, _ = _signed_in(app, cast["rep_a"].email)
    assert client.get(f"{API}/me").status_code == 200
    response = client.post(f"{API}/auth/logout")
    assert response.status_code == 204
    assert not client.cookies.get(COOKIE)
    _error(client.get(f"{API}/me"), 401, "unauthenticated")


def test_a_cookie_copied_before_logout_no_longer_authenticates(app: FastAPI, cast: Cast) -> None:
    """Replaying the pre-logout cookie value after logout → 401."""
    client, _ = _signed_in(app, cast["rep_a"].email)
    copied = client.cookies[COOKIE]
    assert client.post(f"{API}/auth/logout").status_code == 204
    replay = TestClient(app, cookies={COOKIE: copied})
    _error(replay.get(f"{API}/me"), 401, "unauthenticated")


# -- the audit log of users ---------------------------------------------------------------


def test_creating_a_user_is_audited_without_the_password_or_its_hash(
    app: FastAPI, cast: Cast
) -> None:
    """POST /users → 201; its history has a create entry and shows password_hash as (hidden)."""
    admin = cast.client("admin")
    email = f"new-{cast['admin'].id}@example.com"
    password = "s3cret-Pa55word"
    response = admin.post(
        f"{API}/users",
        json={"email": email, "name": "New Person", "role": "rep", "password": password},
    )
    assert response.status_code == 201, response.text
    user = response.json()
    assert user["email"] == email
    assert "password" not in user
    assert "password_hash" not in user
    with session_scope(app.state.sessionmaker) as session:
        stored = session.get(User, user["id"])
        assert stored is not None
        password_hash = stored.password_hash
    assert password_hash
    assert password not in password_hash

    # A password reset by the admin is audited the same way.
    reset = admin.patch(f"{API}/users/{user['id']}", json={"password": "another-pa55word"})
    assert reset.status_code == 200, reset.text

    history = admin.get(f"{API}/users/{user['id']}/history")
    assert history.status_code == 200, history.text
    rows = history.json()["items"]
    assert any(row["action"] == "create" for row in rows)
    assert all(row["user_id"] == cast["admin"].id for row in rows)
    created_fields = {row["field"] for row in rows if row["action"] == "create"}
    assert {"email", "name", "password_hash"} <= created_fields
    hash_rows = [row for row in rows if row["field"] == "password_hash"]
    assert [row["action"] for row in hash_rows] == ["create", "update"]
    assert hash_rows[0]["old_value"] is None
    assert hash_rows[0]["new_value"] == "(hidden)"
    assert hash_rows[1]["old_value"] == hash_rows[1]["new_value"] == "(hidden)"
    assert password not in history.text
    assert "another-pa55word" not in history.text
    assert password_hash not in history.text
    assert "$argon2" not in history.text

    signed_in = _login(TestClient(app), email, "another-pa55word")
    assert signed_in.status_code == 200, signed_in.text


def test_only_admins_can_create_users(cast: Cast) -> None:
    """A manager's POST /users is refused with 403 and creates nobody."""
    email = f"sneaky-{cast['manager_a'].id}@example.com"
    response = cast.client("manager_a").post(
        f"{API}/users", json={"email": email, "name": "Sneaky", "password": "long-enough-1"}
    )
    _error(response, 403, "forbidden")
    _error(_login(TestClient(cast.app), email, "long-enough-1"), 401, "unauthenticated")
