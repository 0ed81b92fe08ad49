"""Orders through the API: totals from items, field-named errors, access, refunds, paging."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from rapport.db import utcnow
from tests.api.conftest import Cast, MakeCustomer


def _product(cast: Cast, **fields: Any) -> dict[str, Any]:
    fields.setdefault("sku", f"SKU-{uuid.uuid4().hex[:8]}")
    fields.setdefault("name", "Oolong")
    fields.setdefault("unit_price_minor", 1000)
    response = cast.client("admin").post("/api/v1/products", json=fields)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _ago(**delta: float) -> str:
    return (utcnow() - timedelta(**delta)).isoformat()


def _order(cast: Cast, by: str, customer_id: int, **fields: Any) -> dict[str, Any]:
    if "items" not in fields:
        fields["items"] = [{"product_id": _product(cast)["id"]}]
    fields.setdefault("ordered_at", _ago(hours=1))
    response = cast.client(by).post("/api/v1/orders", json={"customer_id": customer_id, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _listed(cast: Cast, by: str, **params: Any) -> list[int]:
    response = cast.client(by).get("/api/v1/orders", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return [o["id"] for o in response.json()["items"]]


def test_totals_are_computed_from_the_items(cast: Cast, make_customer: MakeCustomer) -> None:
    """2 × 15.00 − 2.00 = 28.00, plus 1 × the list price 9.99: 37.99."""
    customer = make_customer(by="rep_a")
    tea, cup = _product(cast, unit_price_minor=1200), _product(cast, unit_price_minor=999)
    order = _order(cast, "rep_a", customer["id"], items=[
        {"product_id": tea["id"], "quantity": 2, "unit_price_minor": 1500, "discount_minor": 200},
        {"product_id": cup["id"]},
    ])  # fmt: skip
    assert [i["line_total_minor"] for i in order["items"]] == [2800, 999]
    assert [i["unit_price_minor"] for i in order["items"]] == [1500, 999]
    assert order["total_minor"] == 3799
    assert order["currency"] == "CNY"
    assert order["status"] == "paid"
    assert order["owner_id"] == cast["rep_a"].id
    assert order["number"].startswith("SO")
    read = cast.client("rep_a").get(f"/api/v1/orders/{order['id']}").json()
    assert read == order

    sent_total = cast.client("rep_a").post("/api/v1/orders", json={
        "customer_id": customer["id"], "ordered_at": _ago(hours=1), "total_minor": 1,
        "items": [{"product_id": tea["id"], "line_total_minor": 1}],
    })  # fmt: skip
    assert sent_total.status_code == 422
    paths = {f["path"] for f in sent_total.json()["error"]["fields"]}
    assert paths == {"body.total_minor", "body.items.0.line_total_minor"}


def test_bad_items_are_named_by_path_and_nothing_is_written(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer(by="rep_a")
    good = _product(cast, unit_price_minor=500)
    retired = _product(cast, is_active=False)
    client = cast.client("rep_a")
    response = client.post("/api/v1/orders", json={
        "customer_id": customer["id"], "ordered_at": _ago(days=1),
        "items": [
            {"product_id": good["id"], "quantity": 2},
            {"product_id": 10**9},
            {"product_id": good["id"], "quantity": 2, "discount_minor": 1001},
            {"product_id": retired["id"]},
        ],
    })  # fmt: skip
    assert response.status_code == 422
    paths = [f["path"] for f in response.json()["error"]["fields"]]
    assert paths == ["body.items.1.product_id", "body.items.2.discount_minor",
                     "body.items.3.product_id"]  # fmt: skip
    assert _listed(cast, "rep_a", customer_id=customer["id"]) == []

    schema = client.post("/api/v1/orders", json={
        "customer_id": customer["id"], "ordered_at": _ago(days=1),
        "items": [{"product_id": good["id"]}, {"product_id": good["id"], "quantity": 0}],
    })  # fmt: skip
    assert [f["path"] for f in schema.json()["error"]["fields"]] == ["body.items.1.quantity"]
    empty = client.post("/api/v1/orders", json={
        "customer_id": customer["id"], "ordered_at": _ago(days=1), "items": [],
    })  # fmt: skip
    assert [f["path"] for f in empty.json()["error"]["fields"]] == ["body.items"]
    future = client.post("/api/v1/orders", json={
        "customer_id": customer["id"], "ordered_at": (utcnow() + timedelta(hours=1)).isoformat(),
        "items": [{"product_id": good["id"]}],
    })  # fmt: skip
    assert [f["path"] for f in future.json()["error"]["fields"]] == ["body.ordered_at"]
    assert _listed(cast, "admin", customer_id=customer["id"]) == []


def test_the_currency_comes_from_the_products_or_is_given(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer(by="rep_a")
    yuan, dollar = _product(cast), _product(cast, currency="usd", unit_price_minor=300)
    client = cast.client("rep_a")
    body = {"customer_id": customer["id"], "ordered_at": _ago(hours=2)}
    mixed = client.post("/api/v1/orders", json={
        **body, "items": [{"product_id": yuan["id"]}, {"product_id": dollar["id"]}],
    })  # fmt: skip
    assert [f["path"] for f in mixed.json()["error"]["fields"]] == ["body.currency"]
    in_dollars = client.post("/api/v1/orders", json={**body, "currency": "USD", "items": [
        {"product_id": yuan["id"]}, {"product_id": dollar["id"]},
    ]})  # fmt: skip
    assert [f["path"] for f in in_dollars.json()["error"]["fields"]] == [
        "body.items.0.unit_price_minor"
    ]
    priced = _order(cast, "rep_a", customer["id"], currency="USD", items=[
        {"product_id": yuan["id"], "unit_price_minor": 140}, {"product_id": dollar["id"]},
    ])  # fmt: skip
    assert (priced["currency"], priced["total_minor"]) == ("USD", 440)
    assert _order(cast, "rep_a", customer["id"], items=[
        {"product_id": dollar["id"]},
    ])["currency"] == "USD"  # fmt: skip


def test_numbers_are_unique(cast: Cast, make_customer: MakeCustomer) -> None:
    customer = make_customer()
    number = f"WEB-{uuid.uuid4().hex[:8]}"
    first = _order(cast, "admin", customer["id"], number=number)
    assert first["number"] == number
    response = cast.client("admin").post("/api/v1/orders", json={
        "customer_id": customer["id"], "ordered_at": _ago(hours=1), "number": number,
        "items": [{"product_id": first["items"][0]["product_id"]}],
    })  # fmt: skip
    assert response.status_code == 409
    assert str(first["id"]) in response.json()["error"]["message"]


def test_a_rep_cannot_order_for_or_see_another_teams_customer(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    theirs = make_customer(by="rep_b")
    product = _product(cast)
    response = cast.client("rep_a").post("/api/v1/orders", json={
        "customer_id": theirs["id"], "ordered_at": _ago(hours=1),
        "items": [{"product_id": product["id"]}],
    })  # fmt: skip
    assert response.status_code == 422
    assert [f["path"] for f in response.json()["error"]["fields"]] == ["body.customer_id"]

    order = _order(cast, "rep_b", theirs["id"])
    url = f"/api/v1/orders/{order['id']}"
    for outsider in ("rep_a", "manager_a"):
        assert cast.client(outsider).get(url).status_code == 404
        assert cast.client(outsider).patch(url, json={"channel": "x"}).status_code == 404
        assert order["id"] not in _listed(cast, outsider)
    assert cast.client("manager_b").get(url).status_code == 200
    assert order["id"] in _listed(cast, "manager_b")


def test_managers_see_their_teams_orders_and_reps_only_their_own(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer(by="rep_a")
    order = _order(cast, "rep_a", customer["id"])
    assert order["id"] in _listed(cast, "manager_a")
    assert order["id"] not in _listed(cast, "rep_a2")
    assert cast.client("rep_a2").get(f"/api/v1/orders/{order['id']}").status_code == 404
    changed = cast.client("manager_a").patch(
        f"/api/v1/orders/{order['id']}", json={"channel": "wechat"}
    )
    assert changed.status_code == 200
    assert changed.json()["channel"] == "wechat"
    assigned = cast.client("rep_a").patch(
        f"/api/v1/orders/{order['id']}", json={"owner_id": cast["rep_b"].id}
    )
    assert assigned.status_code == 403


def test_analysts_read_every_order_and_change_none(cast: Cast, make_customer: MakeCustomer) -> None:
    customer = make_customer(by="rep_b")
    order = _order(cast, "rep_b", customer["id"])
    analyst = cast.client("analyst")
    url = f"/api/v1/orders/{order['id']}"
    assert analyst.get(url).json()["items"] == order["items"]
    assert order["id"] in _listed(cast, "analyst")
    assert analyst.patch(url, json={"status": "refunded"}).status_code == 403
    assert analyst.delete(url).status_code == 403
    created = analyst.post("/api/v1/orders", json={
        "customer_id": customer["id"], "ordered_at": _ago(hours=1),
        "items": [{"product_id": order["items"][0]["product_id"]}],
    })  # fmt: skip
    assert created.status_code == 403
    assert _listed(cast, "admin", customer_id=customer["id"]) == [order["id"]]


def test_a_refund_sets_refunded_at_is_audited_and_is_final(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer(by="rep_a")
    order = _order(cast, "rep_a", customer["id"])
    client = cast.client("rep_a")
    url = f"/api/v1/orders/{order['id']}"
    before = utcnow()
    refunded = client.patch(url, json={"status": "refunded"})
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["refunded_at"] >= before.isoformat()

    history = client.get(f"{url}/history").json()["items"]
    changes = {h["field"]: h for h in history if h["action"] == "update"}
    assert (changes["status"]["old_value"], changes["status"]["new_value"]) == (
        "paid", "refunded"
    )  # fmt: skip
    assert changes["refunded_at"]["old_value"] is None
    assert changes["status"]["user_id"] == cast["rep_a"].id

    back = client.patch(url, json={"status": "paid"})
    assert back.status_code == 409
    cancelled = _order(cast, "rep_a", customer["id"], status="cancelled")
    again = client.patch(f"/api/v1/orders/{cancelled['id']}", json={"status": "paid"})
    assert again.status_code == 409
    stray = client.patch(f"/api/v1/orders/{cancelled['id']}", json={"refunded_at": _ago(hours=1)})
    assert [f["path"] for f in stray.json()["error"]["fields"]] == ["body.refunded_at"]


def test_replacing_the_items_recomputes_and_audits_the_total(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer(by="rep_a")
    product = _product(cast, unit_price_minor=250)
    order = _order(cast, "rep_a", customer["id"], items=[{"product_id": product["id"]}])
    url = f"/api/v1/orders/{order['id']}"
    client = cast.client("rep_a")
    bad = client.patch(url, json={"items": [{"product_id": product["id"]}, {"product_id": 0}]})
    assert [f["path"] for f in bad.json()["error"]["fields"]] == ["body.items.1.product_id"]
    assert client.get(url).json()["items"] == order["items"]

    response = client.patch(url, json={"items": [
        {"product_id": product["id"], "quantity": 4, "discount_minor": 100},
        {"product_id": product["id"]},
    ]})  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["total_minor"] == 4 * 250 - 100 + 250
    assert client.get(url).json() == response.json()
    changes = {
        h["field"]: h for h in client.get(f"{url}/history").json()["items"]
        if h["action"] == "update"
    }  # fmt: skip
    assert (changes["total_minor"]["old_value"], changes["total_minor"]["new_value"]) == (
        "250", "1150"
    )  # fmt: skip
    assert '"quantity": 4' in changes["items"]["new_value"]
    cleared = client.patch(url, json={"items": None})
    assert [f["path"] for f in cleared.json()["error"]["fields"]] == ["body.items"]


def test_delete_and_restore_keep_the_items(cast: Cast, make_customer: MakeCustomer) -> None:
    customer = make_customer(by="rep_a")
    order = _order(cast, "rep_a", customer["id"])
    client = cast.client("rep_a")
    url = f"/api/v1/orders/{order['id']}"
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert order["id"] not in _listed(cast, "rep_a")
    binned = client.get("/api/v1/orders/deleted").json()["items"]
    assert [o["items"] for o in binned if o["id"] == order["id"]] == [order["items"]]
    assert cast.client("rep_a2").post(f"{url}/restore").status_code == 404

    restored = client.post(f"{url}/restore")
    assert restored.status_code == 200
    assert restored.json()["deleted_at"] is None
    assert restored.json()["items"] == order["items"]
    actions = [h["action"] for h in client.get(f"{url}/history").json()["items"]]
    assert actions[-2:] == ["delete", "restore"]


def test_filters_and_keyset_paging(cast: Cast, make_customer: MakeCustomer) -> None:
    customer = make_customer(by="rep_a")
    product = _product(cast, unit_price_minor=100)

    def make(quantity: int, hours: int, **fields: Any) -> int:
        items = [{"product_id": product["id"], "quantity": quantity}]
        order = _order(cast, "rep_a", customer["id"], items=items, ordered_at=_ago(hours=hours),
                       **fields)  # fmt: skip
        return int(order["id"])

    small = make(1, 50, channel="web")
    medium = make(5, 30, channel="shop")
    large = make(9, 10, channel="web", status="cancelled")
    pending = make(3, 5, status="pending", owner_id=cast["rep_a"].id)
    mine = {"customer_id": customer["id"]}
    assert set(_listed(cast, "rep_a", **mine)) == {small, medium, large, pending}
    assert _listed(cast, "rep_a", channel="web", **mine, sort="id") == [small, large]
    assert set(_listed(cast, "rep_a", status=["paid", "pending"], **mine)) == {
        small, medium, pending
    }  # fmt: skip
    assert _listed(cast, "rep_a", min_total=300, max_total=500, **mine, sort="id") == [
        medium, pending
    ]  # fmt: skip
    assert _listed(cast, "rep_a", ordered_from=_ago(hours=40), ordered_to=_ago(hours=7),
                   **mine, sort="id") == [medium, large]  # fmt: skip
    assert _listed(cast, "rep_a", owner_id=[cast["rep_a"].id], **mine) != []
    assert _listed(cast, "rep_a", owner_id=[cast["rep_b"].id], **mine) == []

    expected = {"ordered_at": [small, medium, large, pending],
                "total_minor": [small, pending, medium, large]}  # fmt: skip
    for sort, ids in expected.items():
        for direction in ("", "-"):
            seen, cursor, client = [], None, cast.client("rep_a")
            while True:
                params = {**mine, "sort": direction + sort, "limit": 3, "cursor": cursor}
                page = client.get("/api/v1/orders", params=params).json()
                assert all(o["items"] for o in page["items"])
                seen += [o["id"] for o in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert seen == (ids[::-1] if direction else ids), direction + sort
