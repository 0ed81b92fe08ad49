"""Custom fields: admins define them, values are checked by type and can be filtered on."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.api.conftest import Cast, MakeCustomer


def _define(cast: Cast, **fields: Any) -> dict[str, Any]:
    response = cast.client("admin").post("/api/v1/custom-fields", json=fields)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def keys(cast: Cast) -> dict[str, str]:
    """Four customer fields, with keys unique to the test (the app is shared by the module)."""
    tag = uuid.uuid4().hex[:6]
    names = {t: f"{t}_{tag}" for t in ("tier", "score", "since", "tags", "vip")}
    _define(cast, entity="customer", key=names["tier"], label="Tier", label_zh="等级",
            field_type="choice", choices=["gold", "silver"])  # fmt: skip
    _define(cast, entity="customer", key=names["score"], label="Score", field_type="number")
    _define(cast, entity="customer", key=names["since"], label="Since", field_type="date")
    _define(cast, entity="customer", key=names["tags"], label="Interests",
            field_type="multi_choice", choices=["printers", "paper", "toner"])  # fmt: skip
    _define(cast, entity="customer", key=names["vip"], label="VIP", field_type="boolean")
    return names


def test_only_admins_define_fields(cast: Cast) -> None:
    response = cast.client("manager_a").post(
        "/api/v1/custom-fields",
        json={"entity": "customer", "key": "x", "label": "X", "field_type": "text"},
    )
    assert response.status_code == 403


def test_a_choice_field_needs_choices_and_keys_are_unique(cast: Cast, keys: dict[str, str]) -> None:
    admin = cast.client("admin")
    no_choices = admin.post("/api/v1/custom-fields",
                            json={"entity": "deal", "key": "stage_x", "label": "S",
                                  "field_type": "choice"})  # fmt: skip
    assert no_choices.status_code == 422
    again = admin.post("/api/v1/custom-fields",
                       json={"entity": "customer", "key": keys["score"], "label": "Again",
                             "field_type": "number"})  # fmt: skip
    assert again.status_code == 409


def test_values_are_checked_by_type_and_each_bad_one_is_named(
    cast: Cast, make_customer: MakeCustomer, keys: dict[str, str]
) -> None:
    response = cast.client("rep_a").post(
        "/api/v1/customers",
        json={"name": "CF", "custom_fields": {
            keys["tier"]: "bronze", keys["score"]: "high", keys["since"]: "yesterday",
            keys["tags"]: ["paper", "ink"], keys["vip"]: "yes", "unknown_key": 1,
        }},
    )  # fmt: skip
    assert response.status_code == 422
    paths = {f["path"] for f in response.json()["error"]["fields"]}
    expected = {f"body.custom_fields.{k}" for k in keys.values()} | {
        "body.custom_fields.unknown_key"
    }
    assert paths == expected


def test_filters_on_custom_fields(
    cast: Cast, make_customer: MakeCustomer, keys: dict[str, str]
) -> None:
    tier, score, since, tags, vip = (keys[k] for k in ("tier", "score", "since", "tags", "vip"))
    a = make_customer(by="rep_a", custom_fields={tier: "gold", score: 7.5, since: "2024-03-01",
                                                 tags: ["toner", "paper"], vip: True})  # fmt: skip
    b = make_customer(by="rep_a", custom_fields={tier: "silver", score: 3, since: "2025-01-10",
                                                 tags: ["printers"], vip: False})  # fmt: skip
    client = cast.client("rep_a")

    def ids(*conditions: str) -> set[int]:
        response = client.get("/api/v1/customers", params=[("cf", c) for c in conditions])
        assert response.status_code == 200, response.text
        return {c["id"] for c in response.json()["items"]} & {a["id"], b["id"]}

    assert a["custom_fields"][tags] == ["paper", "toner"]  # kept in the defined order
    assert ids(f"{tier}:gold") == {a["id"]}
    assert ids(f"{score}>=5") == {a["id"]}
    assert ids(f"{score}<5") == {b["id"]}
    assert ids(f"{since}<2025-01-01") == {a["id"]}
    assert ids(f"{tags}:printers") == {b["id"]}
    assert ids(f"{tags}!=printers") == {a["id"]}
    assert ids(f"{vip}:true") == {a["id"]}
    assert ids(f"{tier}!=gold", f"{score}>1") == {b["id"]}
    bad = client.get("/api/v1/customers", params={"cf": f"{score}>=lots"})
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["path"] == "query.cf.0"


def test_a_choice_in_use_cannot_be_removed(
    cast: Cast, make_customer: MakeCustomer, keys: dict[str, str]
) -> None:
    admin = cast.client("admin")
    field = next(f for f in admin.get("/api/v1/custom-fields", params={"entity": "customer"})
                 .json()["items"] if f["key"] == keys["tier"])  # fmt: skip
    make_customer(custom_fields={keys["tier"]: "silver"})
    url = f"/api/v1/custom-fields/{field['id']}"
    assert admin.patch(url, json={"choices": ["gold"]}).status_code == 409
    added = admin.patch(url, json={"choices": ["gold", "silver", "platinum"]})
    assert added.status_code == 200
    assert added.json()["choices"] == ["gold", "silver", "platinum"]
