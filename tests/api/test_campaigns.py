"""Campaigns through the API: reference data that admins keep, with a period and a cost."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.conftest import Cast

URL = "/api/v1/campaigns"


def make_campaign(cast: Cast, channel: str, **fields: Any) -> dict[str, Any]:
    """A campaign created by the admin."""
    body = {"name": f"Campaign {uuid.uuid4().hex[:6]}", "channel": channel, **fields}
    response = cast.client("admin").post(URL, json=body)
    assert response.status_code == 201, response.text
    campaign: dict[str, Any] = response.json()
    return campaign


def _paths(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    return [f["path"] for f in response.json()["error"]["fields"]]


def test_a_campaign_costs_in_minor_units_of_the_default_currency(cast: Cast) -> None:
    campaign = make_campaign(cast, "douyin", cost_minor=1_250_000, starts_on="2026-01-01",
                             ends_on="2026-03-31", description="春节 Spring festival")  # fmt: skip
    assert campaign["currency"] == "CNY"
    assert campaign["cost_minor"] == 1_250_000
    assert (campaign["starts_on"], campaign["ends_on"]) == ("2026-01-01", "2026-03-31")
    usd = make_campaign(cast, "google", currency="usd")
    assert usd["currency"] == "USD" and usd["cost_minor"] == 0


def test_wrong_fields_are_named(cast: Cast) -> None:
    admin = cast.client("admin")
    backwards = admin.post(URL, json={"name": "x", "channel": "x", "starts_on": "2026-02-01",
                                      "ends_on": "2026-01-31"})  # fmt: skip
    assert _paths(backwards) == ["body.ends_on"]
    assert "2026-02-01" in backwards.json()["error"]["fields"][0]["message"]
    assert _paths(admin.post(URL, json={"name": "x", "channel": "x", "cost_minor": -1})) == [
        "body.cost_minor"
    ]
    assert _paths(admin.post(URL, json={"name": "x", "channel": "x", "currency": "XYZ"})) == [
        "body.currency"
    ]
    assert _paths(admin.post(URL, json={"name": "x"})) == ["body.channel"]

    campaign = make_campaign(cast, "wechat", starts_on="2026-01-01", ends_on="2026-01-31")
    url = f"{URL}/{campaign['id']}"
    assert _paths(admin.patch(url, json={"starts_on": "2026-02-01"})) == ["body.starts_on"]
    assert _paths(admin.patch(url, json={"ends_on": "2025-12-31"})) == ["body.ends_on"]
    assert _paths(admin.patch(url, json={"channel": None})) == ["body.channel"]
    moved = admin.patch(url, json={"starts_on": "2026-02-01", "ends_on": "2026-02-28"})
    assert moved.status_code == 200, moved.text


def test_only_admins_change_campaigns(cast: Cast) -> None:
    campaign = make_campaign(cast, "baidu")
    url = f"{URL}/{campaign['id']}"
    for name in ("rep_a", "manager_a", "agent_a", "analyst"):
        client = cast.client(name)
        assert client.get(url).status_code == 200
        assert client.post(URL, json={"name": "x", "channel": "x"}).status_code == 403
        assert client.patch(url, json={"cost_minor": 1}).status_code == 403
        assert client.delete(url).status_code == 403


def test_filter_by_channel_and_the_day_a_campaign_runs(cast: Cast) -> None:
    channel = f"ch-{uuid.uuid4().hex[:8]}"
    january = make_campaign(cast, channel, starts_on="2026-01-01", ends_on="2026-01-31")
    open_end = make_campaign(cast, channel, starts_on="2026-01-15")
    open_start = make_campaign(cast, channel, ends_on="2026-01-10")
    always = make_campaign(cast, channel)
    make_campaign(cast, "elsewhere", starts_on="2026-01-01", ends_on="2026-01-31")
    client = cast.client("rep_a")

    def ids(**params: Any) -> set[int]:
        response = client.get(URL, params={"channel": channel, **params})
        assert response.status_code == 200, response.text
        return {c["id"] for c in response.json()["items"]}

    every = {january["id"], open_end["id"], open_start["id"], always["id"]}
    assert ids() == every
    assert ids(active_on="2026-01-01") == {january["id"], open_start["id"], always["id"]}
    assert ids(active_on="2026-01-31") == {january["id"], open_end["id"], always["id"]}
    assert ids(active_on="2026-02-01") == {open_end["id"], always["id"]}
    assert _paths(client.get(URL, params={"active_on": "someday"})) == ["query.active_on"]


def test_delete_restore_and_history(cast: Cast) -> None:
    campaign = make_campaign(cast, "xiaohongshu", cost_minor=500_00)
    admin, url = cast.client("admin"), f"{URL}/{campaign['id']}"
    assert admin.patch(url, json={"cost_minor": 800_00}).status_code == 200
    assert admin.delete(url).status_code == 204
    assert cast.client("rep_a").get(url).status_code == 404
    assert campaign["id"] in {c["id"] for c in admin.get(f"{URL}/deleted").json()["items"]}
    assert admin.post(f"{url}/restore").status_code == 200
    history = admin.get(f"{url}/history").json()["items"]
    assert [h["action"] for h in history][-2:] == ["delete", "restore"]
    cost = [(h["old_value"], h["new_value"]) for h in history if h["field"] == "cost_minor"]
    assert cost == [(None, "50000"), ("50000", "80000")]
