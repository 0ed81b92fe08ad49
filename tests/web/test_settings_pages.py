"""Settings for admins: users, teams, pipelines and stages, custom fields, quotas."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Cast
from tests.web.conftest import csrf_of, sign_in


def test_only_admins_open_the_settings(cast: Cast) -> None:
    for name in ("rep_a", "manager_a", "analyst"):
        visitor = sign_in(cast, name)
        for path in ("/settings", "/settings/users", "/settings/pipelines", "/settings/quotas"):
            assert visitor.client.get(path).status_code == 403, (name, path)
        assert visitor.post("/settings/teams", {"name": "Sneaky"}).status_code == 403  # type: ignore[attr-defined]
    assert sign_in(cast, "admin").client.get("/settings").status_code == 200


def test_an_admin_adds_a_user_who_can_then_sign_in(cast: Cast) -> None:
    admin = sign_in(cast, "admin")
    email = f"new-{uuid.uuid4().hex[:6]}@example.com"
    bad: Any = admin.post(
        "/settings/users",
        {"name": "", "email": "nope", "role": "rep", "locale": "en", "password": "short"},
    )
    assert bad.status_code == 422
    assert 'id="email-error"' in bad.text and 'id="password-error"' in bad.text
    made: Any = admin.post(
        "/settings/users",
        {
            "name": "新同事",
            "email": email,
            "role": "agent",
            "locale": "zh_CN",
            "password": "a-long-password",
        },
    )
    assert made.status_code == 303
    client = TestClient(cast.app)
    token = csrf_of(client.get("/login").text)
    signed = client.post(
        "/login",
        data={"email": email, "password": "a-long-password", "csrf_token": token},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    user_id = next(
        u["id"]
        for u in cast.client("admin").get("/api/v1/users", params={"limit": 200}).json()["items"]
        if u["email"] == email
    )
    off: Any = admin.post(f"/settings/users/{user_id}", {"role": "agent", "is_active": "false"})
    assert off.status_code == 303
    assert client.get("/profile", follow_redirects=False).status_code == 303  # signed out


def test_teams_are_added_and_renamed(cast: Cast) -> None:
    admin = sign_in(cast, "admin")
    name = f"华东区 {uuid.uuid4().hex[:4]}"
    assert admin.post("/settings/teams", {"name": name}).status_code == 303  # type: ignore[attr-defined]
    page = admin.client.get("/settings/teams").text
    assert name in page
    clash: Any = admin.post("/settings/teams", {"name": name})
    assert clash.status_code == 422


def test_pipeline_stages_are_added_changed_moved_and_removed(cast: Cast) -> None:
    admin = sign_in(cast, "admin")
    name = f"Renewals {uuid.uuid4().hex[:4]}"
    assert admin.post("/settings/pipelines", {"name": name}).status_code == 303  # type: ignore[attr-defined]
    api = cast.client("admin")
    pipeline = next(
        p
        for p in api.get("/api/v1/pipelines", params={"limit": 200}).json()["items"]
        if p["name"] == name
    )
    assert [s["name"] for s in pipeline["stages"]] == ["Lead", "Proposal", "Won", "Lost"]
    added: Any = admin.post(
        f"/settings/pipelines/{pipeline['id']}/stages", {"name": "Negotiation", "probability": "70"}
    )
    assert added.status_code == 303
    stages = api.get(f"/api/v1/pipelines/{pipeline['id']}").json()["stages"]
    negotiation = next(s for s in stages if s["name"] == "Negotiation")
    for _ in range(2):
        admin.post(f"/settings/pipelines/{pipeline['id']}/move/{negotiation['id']}/up")
    changed: Any = admin.post(
        f"/settings/stages/{negotiation['id']}",
        {"name": "谈判 Negotiation", "probability": "75", "outcome": "open"},
    )
    assert changed.status_code == 303
    stages = api.get(f"/api/v1/pipelines/{pipeline['id']}").json()["stages"]
    assert [s["name"] for s in stages] == ["Lead", "Proposal", "谈判 Negotiation", "Won", "Lost"]
    assert admin.post(f"/settings/stages/{negotiation['id']}/delete").status_code == 303  # type: ignore[attr-defined]
    assert len(api.get(f"/api/v1/pipelines/{pipeline['id']}").json()["stages"]) == 4


def test_custom_fields_and_quotas(cast: Cast) -> None:
    admin = sign_in(cast, "admin")
    key = f"tier_{uuid.uuid4().hex[:4]}"
    made: Any = admin.post(
        "/settings/fields",
        {
            "entity": "customer",
            "key": key,
            "label": "Tier",
            "field_type": "choice",
            "choices": "A, B，C",
        },
    )
    assert made.status_code == 303
    fields = (
        cast.client("admin").get("/api/v1/custom-fields", params={"limit": 200}).json()["items"]
    )
    assert next(f for f in fields if f["key"] == key)["choices"] == ["A", "B", "C"]
    quota: Any = admin.post(
        "/settings/quotas",
        {
            "user_id": str(cast["rep_a"].id),
            "metric": "revenue",
            "target": "12,345.67",
            "period_start": "2026-01-01",
            "period_end": "2026-03-31",
        },
    )
    assert quota.status_code == 303
    page = admin.client.get("/settings/quotas").text
    assert "¥12,345.67" in page
    both: Any = admin.post(
        "/settings/quotas",
        {
            "metric": "deals_won",
            "target": "5",
            "period_start": "2026-01-01",
            "period_end": "2026-03-31",
        },
    )
    assert both.status_code == 422
    assert "either a user or a team" in both.text


def test_thresholds_are_changed_on_the_settings_page(cast: Cast) -> None:
    admin = sign_in(cast, "admin")
    wrong: Any = admin.post(
        "/settings", {"at_risk_inactive_days": "200", "churn_inactive_days": "100"}
    )
    assert wrong.status_code == 422
    assert 'id="at_risk_inactive_days-error"' in wrong.text
    saved: Any = admin.post(
        "/settings", {"at_risk_inactive_days": "60", "churn_inactive_days": "150"}
    )
    assert saved.status_code == 303
    page = admin.client.get("/settings").text
    assert 'value="150"' in page and 'value="60"' in page
    restored: Any = admin.post(
        "/settings", {"at_risk_inactive_days": "90", "churn_inactive_days": "180"}
    )
    assert restored.status_code == 303
    assert (
        sign_in(cast, "manager_a").post("/settings", {"loyal_min_orders": "3"}).status_code == 403
    )  # type: ignore[attr-defined]


def test_a_clash_in_the_settings_is_said_in_the_readers_language(cast: Cast) -> None:
    admin = sign_in(cast, "admin")
    assert admin.post("/language", {"lang": "zh_CN", "next": "/"}).status_code == 303  # type: ignore[attr-defined]
    name = f"华南区 {uuid.uuid4().hex[:4]}"
    assert admin.post("/settings/teams", {"name": name}).status_code == 303  # type: ignore[attr-defined]
    clash: Any = admin.post("/settings/teams", {"name": name})
    assert clash.status_code == 422
    assert f"已在使用名称 {name}" in clash.text
    assert "is already called" not in clash.text
