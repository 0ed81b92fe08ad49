"""Pipelines, stages and deals through the API: moves are recorded, won/lost close deals."""

from __future__ import annotations

import uuid
from itertools import pairwise
from typing import Any

import pytest

from tests.api.conftest import Cast, MakeCustomer

STAGES = [
    {"name": "Lead identification", "probability": 10},
    {"name": "First contact", "probability": 20},
    {"name": "Needs analysis", "probability": 40},
    {"name": "Proposal", "probability": 60},
    {"name": "Negotiation", "probability": 80, "rotting_days": 30},
    {"name": "Won", "probability": 100, "outcome": "won"},
    {"name": "Lost", "probability": 0, "outcome": "lost"},
]


@pytest.fixture
def pipeline(cast: Cast) -> dict[str, Any]:
    response = cast.client("admin").post(
        "/api/v1/pipelines", json={"name": f"Sales {uuid.uuid4().hex[:6]}", "stages": STAGES}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _stage(pipeline: dict[str, Any], name: str) -> int:
    stage_id: int = next(s["id"] for s in pipeline["stages"] if s["name"] == name)
    return stage_id


def _deal(cast: Cast, by: str, pipeline: dict[str, Any], customer_id: int, **fields: Any) -> Any:
    body = {"name": "Printers for HQ", "customer_id": customer_id, "pipeline_id": pipeline["id"]}
    response = cast.client(by).post("/api/v1/deals", json={**body, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def test_pipeline_keeps_its_stages_in_order_with_probabilities(pipeline: dict[str, Any]) -> None:
    assert [s["name"] for s in pipeline["stages"]] == [s["name"] for s in STAGES]
    assert [s["position"] for s in pipeline["stages"]] == list(range(len(STAGES)))
    assert [s["probability"] for s in pipeline["stages"]] == [10, 20, 40, 60, 80, 100, 0]


def test_only_admins_configure_pipelines(cast: Cast, pipeline: dict[str, Any]) -> None:
    manager = cast.client("manager_a")
    assert manager.post("/api/v1/pipelines", json={"name": "Mine"}).status_code == 403
    url = f"/api/v1/stages/{_stage(pipeline, 'Proposal')}"
    assert manager.patch(url, json={"probability": 55}).status_code == 403
    assert manager.get(f"/api/v1/pipelines/{pipeline['id']}").status_code == 200


def test_a_deal_moves_through_the_stages_and_each_move_is_recorded(
    cast: Cast, make_customer: MakeCustomer, pipeline: dict[str, Any]
) -> None:
    customer = make_customer(by="rep_a")
    deal = _deal(cast, "rep_a", pipeline, customer["id"], amount_minor=5_000_00)
    assert deal["stage_id"] == _stage(pipeline, "Lead identification")
    assert deal["status"] == "open"
    client = cast.client("rep_a")
    for name in ("First contact", "Needs analysis", "Proposal", "Negotiation", "Won"):
        moved = client.post(
            f"/api/v1/deals/{deal['id']}/move", json={"stage_id": _stage(pipeline, name)}
        )
        assert moved.status_code == 200, moved.text
    won = moved.json()
    assert won["status"] == "won"
    assert won["closed_at"] is not None

    changes = client.get(f"/api/v1/deals/{deal['id']}/stage-changes").json()
    path = [(c["from_stage_id"], c["to_stage_id"]) for c in changes]
    ids = [_stage(pipeline, s["name"]) for s in STAGES[:6]]
    assert path == [(None, ids[0]), *pairwise(ids)]
    assert all(c["changed_by_id"] == cast["rep_a"].id for c in changes)
    times = [c["changed_at"] for c in changes]
    assert times == sorted(times)


def test_losing_a_deal_needs_a_reason_and_reopening_clears_it(
    cast: Cast, make_customer: MakeCustomer, pipeline: dict[str, Any]
) -> None:
    deal = _deal(cast, "rep_a", pipeline, make_customer(by="rep_a")["id"])
    client = cast.client("rep_a")
    url = f"/api/v1/deals/{deal['id']}/move"
    lost = _stage(pipeline, "Lost")
    refused = client.post(url, json={"stage_id": lost})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"][0]["path"] == "body.lost_reason"

    closed = client.post(url, json={"stage_id": lost, "lost_reason": "价格太高 / price too high"})
    assert closed.json()["status"] == "lost"
    assert closed.json()["lost_reason"] == "价格太高 / price too high"

    reopened = client.post(url, json={"stage_id": _stage(pipeline, "Proposal")}).json()
    assert reopened["status"] == "open"
    assert reopened["lost_reason"] is None
    assert reopened["closed_at"] is None


def test_a_stage_of_another_pipeline_is_refused(
    cast: Cast, make_customer: MakeCustomer, pipeline: dict[str, Any]
) -> None:
    other = (
        cast.client("admin")
        .post("/api/v1/pipelines", json={"name": "Other", "stages": [{"name": "Only"}]})
        .json()
    )
    deal = _deal(cast, "rep_a", pipeline, make_customer(by="rep_a")["id"])
    response = cast.client("rep_a").patch(
        f"/api/v1/deals/{deal['id']}", json={"stage_id": other["stages"][0]["id"]}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["path"] == "body.stage_id"


def test_a_rep_cannot_open_a_deal_on_a_customer_they_cannot_see(
    cast: Cast, make_customer: MakeCustomer, pipeline: dict[str, Any]
) -> None:
    theirs = make_customer(by="rep_b")
    response = cast.client("rep_a").post(
        "/api/v1/deals",
        json={"name": "x", "customer_id": theirs["id"], "pipeline_id": pipeline["id"]},
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["path"] == "body.customer_id"


def test_deal_visibility_follows_its_owner(
    cast: Cast, make_customer: MakeCustomer, pipeline: dict[str, Any]
) -> None:
    deal = _deal(cast, "rep_b", pipeline, make_customer(by="rep_b")["id"])
    url = f"/api/v1/deals/{deal['id']}"
    assert cast.client("rep_b").get(url).status_code == 200
    assert cast.client("manager_b").get(url).status_code == 200
    assert cast.client("rep_a").get(url).status_code == 404
    assert cast.client("manager_a").get(url).status_code == 404
    assert cast.client("analyst").get(url).status_code == 200
    assert cast.client("analyst").patch(url, json={"name": "y"}).status_code == 403


def test_items_set_the_amount_and_history_shows_the_change(
    cast: Cast, make_customer: MakeCustomer, pipeline: dict[str, Any]
) -> None:
    from rapport.db import session_scope
    from rapport.products.models import Product

    with session_scope(cast.app.state.sessionmaker) as session:
        product = Product(sku=f"P-{uuid.uuid4().hex[:6]}", name="Laser printer",
                          unit_price_minor=1_999_00)  # fmt: skip
        session.add(product)
        session.flush()
        product_id = product.id
    deal = _deal(cast, "rep_a", pipeline, make_customer(by="rep_a")["id"],
                 items=[{"product_id": product_id, "quantity": 3}])  # fmt: skip
    assert deal["amount_minor"] == 3 * 1_999_00
    assert deal["items"] == [
        {"product_id": product_id, "quantity": 3, "unit_price_minor": 1_999_00}
    ]
    client = cast.client("rep_a")
    changed = client.patch(
        f"/api/v1/deals/{deal['id']}",
        json={"items": [{"product_id": product_id, "quantity": 2, "unit_price_minor": 1_500_00}]},
    ).json()
    assert changed["amount_minor"] == 3_000_00
    history = client.get(f"/api/v1/deals/{deal['id']}/history").json()["items"]
    amount = [h for h in history if h["action"] == "update" and h["field"] == "amount_minor"]
    assert [(h["old_value"], h["new_value"]) for h in amount] == [("599700", "300000")]
    items = [h for h in history if h["action"] == "update" and h["field"] == "items"]
    assert len(items) == 1
    assert '"quantity": 3' in items[0]["old_value"]
    assert '"quantity": 2' in items[0]["new_value"]
    bad = client.patch(f"/api/v1/deals/{deal['id']}", json={"items": [{"product_id": 10**9}]})
    assert bad.json()["error"]["fields"][0]["path"] == "body.items.0.product_id"


def test_stages_can_be_reordered_and_a_used_stage_cannot_be_deleted(
    cast: Cast, make_customer: MakeCustomer, pipeline: dict[str, Any]
) -> None:
    admin = cast.client("admin")
    ids = [s["id"] for s in pipeline["stages"]]
    order = [ids[1], ids[0], *ids[2:]]
    reordered = admin.post(f"/api/v1/pipelines/{pipeline['id']}/stage-order",
                           json={"stage_ids": order})  # fmt: skip
    assert reordered.status_code == 200, reordered.text
    assert [s["id"] for s in reordered.json()["stages"]] == order
    incomplete = admin.post(f"/api/v1/pipelines/{pipeline['id']}/stage-order",
                            json={"stage_ids": ids[:2]})  # fmt: skip
    assert incomplete.status_code == 422

    _deal(cast, "rep_a", pipeline, make_customer(by="rep_a")["id"], stage_id=ids[3])
    assert admin.delete(f"/api/v1/stages/{ids[3]}").status_code == 409
    assert admin.delete(f"/api/v1/stages/{ids[4]}").status_code == 204


def test_filters_by_stage_status_and_amount(
    cast: Cast, make_customer: MakeCustomer, pipeline: dict[str, Any]
) -> None:
    customer = make_customer(by="rep_a")["id"]
    small = _deal(cast, "rep_a", pipeline, customer, amount_minor=100)
    big = _deal(cast, "rep_a", pipeline, customer, amount_minor=10_000)
    client = cast.client("rep_a")
    client.post(f"/api/v1/deals/{big['id']}/move", json={"stage_id": _stage(pipeline, "Won")})
    params = {"pipeline_id": pipeline["id"]}
    won = client.get("/api/v1/deals", params={**params, "status": "won"}).json()["items"]
    assert [d["id"] for d in won] == [big["id"]]
    cheap = client.get("/api/v1/deals", params={**params, "max_amount": 500}).json()["items"]
    assert [d["id"] for d in cheap] == [small["id"]]
