"""Ways around the access rules that must stay closed, found in review, on both engines."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from rapport import recycle
from rapport.customers.models import Customer
from rapport.db import session_scope, utcnow
from rapport.tickets.models import Ticket
from tests.api.conftest import Cast, MakeCustomer


def _pipeline(cast: Cast, *stages: dict[str, Any]) -> dict[str, Any]:
    response = cast.client("admin").post(
        "/api/v1/pipelines", json={"name": "Edges", "stages": list(stages)}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_customer_cannot_point_at_a_company_or_referrer_one_may_not_see(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    company = make_customer(by="rep_b", kind="company", name="Secret Co")
    referrer = make_customer(by="rep_b", name="Hidden person")
    rep = cast.client("rep_a")
    hidden = rep.post(
        "/api/v1/customers",
        json={"name": "mine", "company_id": company["id"], "referred_by_id": referrer["id"]},
    )
    missing = rep.post("/api/v1/customers", json={"name": "mine", "company_id": 10**9})
    assert hidden.status_code == missing.status_code == 422
    assert {f["path"] for f in hidden.json()["error"]["fields"]} == {
        "body.company_id",
        "body.referred_by_id",
    }


def test_a_rep_cannot_leave_records_unowned_for_other_teams_to_see(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    rep = cast.client("rep_a")
    assert rep.post("/api/v1/customers", json={"name": "x", "owner_id": None}).status_code == 403
    mine = make_customer(by="rep_a")
    url = f"/api/v1/customers/{mine['id']}"
    assert rep.patch(url, json={"owner_id": None}).status_code == 403
    assert cast.client("manager_b").get(url).status_code == 404
    pipeline = _pipeline(cast, {"name": "Open"})
    deal = rep.post(
        "/api/v1/deals",
        json={
            "name": "d",
            "customer_id": mine["id"],
            "pipeline_id": pipeline["id"],
            "owner_id": None,
        },
    )
    assert deal.status_code == 403
    unowned = cast.client("manager_a").patch(url, json={"owner_id": None})
    assert unowned.status_code == 200  # managers may leave a record for the team to pick up


def test_search_does_not_reveal_the_name_of_a_hidden_company(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    company = make_customer(by="rep_b", kind="company", name="Zyxwv Hidden Holdings")
    mine = make_customer(by="rep_a", name="Alice Contact")
    admin = cast.client("admin")
    assert (
        admin.patch(
            f"/api/v1/customers/{mine['id']}", json={"company_id": company["id"]}
        ).status_code
        == 200
    )
    rep = cast.client("rep_a")
    found = rep.get("/api/v1/customers", params={"q": "Zyxwv H"}).json()["items"]
    assert mine["id"] not in [c["id"] for c in found]


def test_an_email_clash_does_not_name_a_customer_one_may_not_see(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    theirs = make_customer(by="rep_b", email="vip-secret@example.com")
    response = cast.client("rep_a").post(
        "/api/v1/customers", json={"name": "x", "email": "vip-secret@example.com"}
    )
    assert response.status_code == 409
    assert str(theirs["id"]) not in response.json()["error"]["message"]


def test_a_task_cannot_point_at_a_deal_one_may_not_see(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    pipeline = _pipeline(cast, {"name": "Open"})
    customer = make_customer(by="rep_a")
    deal = (
        cast.client("admin")
        .post(
            "/api/v1/deals",
            json={
                "name": "theirs",
                "customer_id": customer["id"],
                "pipeline_id": pipeline["id"],
                "owner_id": cast["rep_a2"].id,
            },
        )
        .json()
    )
    response = cast.client("rep_a").post(
        "/api/v1/tasks", json={"title": "t", "deal_id": deal["id"]}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["path"] == "body.deal_id"


def test_records_of_a_binned_customer_leave_lists_and_purge_keeps_live_ones(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    admin = cast.client("admin")
    customer = make_customer()
    ticket = admin.post("/api/v1/tickets", json={"customer_id": customer["id"], "subject": "x"})
    assert ticket.status_code == 201, ticket.text
    assert admin.delete(f"/api/v1/customers/{customer['id']}").status_code == 204
    listed = admin.get("/api/v1/tickets", params={"customer_id": customer["id"]}).json()
    assert listed["items"] == []
    factory = cast.app.state.sessionmaker
    with session_scope(factory) as session:
        old = utcnow() - timedelta(days=40)
        session.execute(
            update(Customer).where(Customer.id == customer["id"]).values(deleted_at=old)
        )
    with session_scope(factory) as session:
        recycle.purge(session=session, before=utcnow() - timedelta(days=30))
    with session_scope(factory) as session:
        assert session.get(Ticket, ticket.json()["id"]) is not None
        assert session.get(Customer, customer["id"]) is not None


def test_merge_refuses_mixed_kinds_and_moves_contacts_with_their_history(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    admin = cast.client("admin")
    company = make_customer(kind="company", name="Dup Co")
    person = make_customer(name="P", company_id=company["id"])
    mixed = admin.post(
        f"/api/v1/customers/{person['id']}/merge", json={"duplicate_id": company["id"]}
    )
    assert mixed.status_code == 409
    survivor = make_customer(kind="company", name="Dup Co Ltd")
    merged = admin.post(
        f"/api/v1/customers/{survivor['id']}/merge", json={"duplicate_id": company["id"]}
    )
    assert merged.status_code == 200, merged.text
    contact = admin.get(f"/api/v1/customers/{person['id']}").json()
    assert contact["company_id"] == survivor["id"]
    history = admin.get(f"/api/v1/customers/{person['id']}/history").json()["items"]
    assert ("merge", "company_id", str(company["id"]), str(survivor["id"])) in [
        (h["action"], h["field"], h["old_value"], h["new_value"]) for h in history
    ]


def test_a_stage_with_deals_cannot_change_its_outcome(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    pipeline = _pipeline(cast, {"name": "a"}, {"name": "b"})
    admin = cast.client("admin")
    stage = pipeline["stages"][1]["id"]
    admin.post(
        "/api/v1/deals",
        json={
            "name": "d",
            "customer_id": make_customer()["id"],
            "pipeline_id": pipeline["id"],
            "stage_id": stage,
        },
    )
    assert admin.patch(f"/api/v1/stages/{stage}", json={"outcome": "won"}).status_code == 409


def test_a_chinese_choice_is_found_by_the_custom_field_filter(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    admin = cast.client("admin")
    key = f"regions_{make_customer()['id']}"
    admin.post(
        "/api/v1/custom-fields",
        json={
            "entity": "customer",
            "key": key,
            "label": "R",
            "field_type": "multi_choice",
            "choices": ["华东", "华北"],
        },
    )
    customer = make_customer(custom_fields={key: ["华东"]})
    found = admin.get("/api/v1/customers", params={"cf": f"{key}:华东"}).json()["items"]
    assert [c["id"] for c in found] == [customer["id"]]


def _cursor(value: Any, record_id: Any) -> str:
    text = json.dumps([value, record_id]).encode()
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


def test_out_of_range_numbers_and_forged_cursors_answer_422(cast: Cast) -> None:
    client = TestClient(cast.app, raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {cast['admin'].token}"
    big = 10**20
    probes = [
        ("GET", f"/api/v1/customers/{big}", None, None),
        ("GET", "/api/v1/customers", {"owner_id": big}, None),
        ("GET", "/api/v1/customers", {"cursor": _cursor(1, big)}, None),
        ("GET", "/api/v1/customers", {"sort": "name", "cursor": _cursor([1], 1)}, None),
        ("GET", "/api/v1/customers", {"sort": "name", "cursor": _cursor({"a": 1}, 1)}, None),
        ("GET", "/api/v1/deals", {"sort": "amount_minor", "cursor": _cursor("abc", 1)}, None),
        ("POST", "/api/v1/customers", None, {"name": "x", "company_id": big}),
        ("GET", "/api/v1/deals", {"min_amount": big}, None),
    ]
    for method, url, params, body in probes:
        response = client.request(method, url, params=params, json=body)
        assert response.status_code in (404, 422), (method, url, params, body, response.text)
        assert "error" in response.json()
    naive = client.get(
        "/api/v1/customers", params={"sort": "created_at", "cursor": _cursor("2020-01-01", 1)}
    )
    assert naive.status_code == 200
