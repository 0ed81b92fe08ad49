"""Behaviour events through the API: recording one or many, who sees them, deleting them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from rapport.audit.models import AuditEntry
from rapport.db import session_scope, utcnow
from rapport.events.models import Event
from rapport.orders.models import Order
from rapport.products.models import Product
from tests.api.conftest import Cast, MakeCustomer

URL = "/api/v1/events"
AT = "2026-03-02T09:30:00+08:00"


def _event(name: str = "page_view", **fields: Any) -> dict[str, Any]:
    return {"name": name, "session_id": "s-1", "occurred_at": AT, **fields}


def _order(cast: Cast, customer_id: int) -> int:
    with session_scope(cast.app.state.sessionmaker) as session:
        order = Order(number=uuid.uuid4().hex[:12], customer_id=customer_id, ordered_at=utcnow())
        session.add(order)
        session.flush()
        return order.id


def _product(cast: Cast) -> int:
    with session_scope(cast.app.state.sessionmaker) as session:
        product = Product(sku=uuid.uuid4().hex[:12], name="Kettle")
        session.add(product)
        session.flush()
        return product.id


def _count(cast: Cast, session_id: str) -> tuple[int, int]:
    """The events of the session, and the audit rows about them."""
    with session_scope(cast.app.state.sessionmaker) as session:
        ids = select(Event.id).where(Event.session_id == session_id)
        made = session.scalar(select(func.count()).select_from(ids.subquery()))
        audited = session.scalar(
            select(func.count()).where(AuditEntry.entity == "event", AuditEntry.entity_id.in_(ids))
        )
    return made or 0, audited or 0


def test_an_event_is_recorded_with_its_properties_and_when_it_arrived(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer(by="rep_a")
    product = _product(cast)
    properties = {"referrer": "wechat", "price": 199}
    sent = _event(
        " Product_View ",
        customer_id=customer["id"],
        product_id=product,
        page="/products/kettle",
        properties=properties,
    )
    response = cast.client("rep_a").post(URL, json=sent)
    assert response.status_code == 201, response.text
    event = response.json()
    assert event["name"] == "product_view"
    assert event["occurred_at"].startswith("2026-03-02T01:30:00")
    assert event["received_at"] is not None
    assert event["properties"] == properties
    assert cast.client("rep_a").get(f"{URL}/{event['id']}").json() == event


def test_events_follow_their_customer_and_anonymous_ones_are_for_admins_and_analysts(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    """Events have no owner: they are seen with their customer. An anonymous event has no
    customer, so only the roles that read everything (admin, analyst) see it."""
    theirs = make_customer(by="rep_b")
    known = cast.client("rep_b").post(URL, json=_event(customer_id=theirs["id"])).json()
    anonymous = cast.client("admin").post(URL, json=_event(anonymous_id="a-1")).json()
    for role, sees_known, sees_anonymous in (
        ("rep_a", False, False),
        ("rep_b", True, False),
        ("manager_b", True, False),
        ("agent_a", True, False),
        ("analyst", True, True),
        ("admin", True, True),
    ):
        client = cast.client(role)
        assert (client.get(f"{URL}/{known['id']}").status_code == 200) is sees_known, role
        assert (client.get(f"{URL}/{anonymous['id']}").status_code == 200) is sees_anonymous, role
    refused = cast.client("rep_a").post(URL, json=_event(customer_id=theirs["id"]))
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"][0]["path"] == "body.customer_id"
    assert cast.client("analyst").post(URL, json=_event(anonymous_id="a-2")).status_code == 403


def test_products_and_orders_must_exist_and_an_order_be_the_customers(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    buyer, other = make_customer(by="rep_a"), make_customer(by="rep_a")
    order = _order(cast, buyer["id"])
    client = cast.client("rep_a")
    wrong = _event("payment", customer_id=other["id"], order_id=order, product_id=10**9)
    response = client.post(URL, json=wrong)
    assert response.status_code == 422
    assert {f["path"]: f["message"] for f in response.json()["error"]["fields"]} == {
        "body.order_id": f"order {order} is another customer's",
        "body.product_id": f"no product {10**9}",
    }
    paid = client.post(URL, json=_event("payment", customer_id=buyer["id"], order_id=order))
    assert paid.status_code == 201, paid.text
    hidden = _order(cast, make_customer(by="rep_b")["id"])
    unseen = client.post(URL, json=_event("payment", anonymous_id="a-9", order_id=hidden))
    assert unseen.json()["error"]["fields"][0]["message"] == f"no order {hidden}"


def test_bulk_saves_the_good_items_and_reports_the_bad_by_index_and_path(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    mine, second = make_customer(by="rep_a"), make_customer(by="rep_a")
    session = f"bulk-{uuid.uuid4().hex[:8]}"
    hidden = make_customer(by="rep_b")
    items = [
        _event(customer_id=mine["id"], session_id=session),
        _event("Add to cart!", customer_id=mine["id"], session_id=session),
        _event("add_to_cart", customer_id=second["id"], session_id=session),
        {"name": "checkout", "occurred_at": AT, "customer_id": mine["id"]},
        _event(customer_id=mine["id"], session_id=session, properties={"blob": "x" * 17_000}),
        _event(customer_id=hidden["id"], session_id=session),
        _event(customer_id=mine["id"], session_id=session, product_id=10**9),
        _event(customer_id=mine["id"], session_id=session, properties=["not", "an", "object"]),
    ]
    response = cast.client("rep_a").post(f"{URL}/bulk", json={"items": items})
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["created"], result["failed"]) == (2, 6)
    created = {r["index"] for r in result["results"] if "id" in r}
    assert created == {0, 2}
    errors = {
        r["index"]: [(e["path"], e["message"]) for e in r["errors"]]
        for r in result["results"]
        if "errors" in r
    }
    assert [path for problems in errors.values() for path, _ in problems] == [
        "body.items.1.name",
        "body.items.3.session_id",
        "body.items.4.properties",
        "body.items.5.customer_id",
        "body.items.6.product_id",
        "body.items.7.properties",
    ]
    assert errors[4][0][1].startswith("must be at most 16 KB as JSON")
    assert errors[5][0][1] == f"no customer {hidden['id']}"
    assert _count(cast, session) == (2, 2)


def test_bulk_atomic_saves_nothing_when_any_item_is_bad(cast: Cast) -> None:
    session = f"atomic-{uuid.uuid4().hex[:8]}"
    items = [_event(anonymous_id="a", session_id=session), _event("", session_id=session)]
    admin = cast.client("admin")
    response = admin.post(f"{URL}/bulk", params={"atomic": "true"}, json={"items": items})
    assert response.status_code == 422
    assert [f["path"] for f in response.json()["error"]["fields"]] == ["body.items.1.name"]
    assert _count(cast, session) == (0, 0)


def test_bulk_takes_a_thousand_items_and_refuses_more(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer(by="rep_a")
    session = f"big-{uuid.uuid4().hex[:8]}"
    items = [
        _event(customer_id=customer["id"], session_id=session, properties={"i": i})
        for i in range(1000)
    ]
    rep = cast.client("rep_a")
    response = rep.post(f"{URL}/bulk", json={"items": items})
    assert response.status_code == 200, response.text
    assert (response.json()["created"], response.json()["failed"]) == (1000, 0)
    assert _count(cast, session) == (1000, 1000)
    too_many = rep.post(f"{URL}/bulk", json={"items": [*items, items[0]]})
    assert too_many.status_code == 422
    assert too_many.json()["error"]["fields"][0]["path"] == "body.items"
    assert _count(cast, session) == (1000, 1000)


def test_events_are_not_changed_and_only_admins_delete_them(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer(by="rep_a")
    event = cast.client("rep_a").post(URL, json=_event(customer_id=customer["id"])).json()
    url = f"{URL}/{event['id']}"
    assert cast.client("rep_a").patch(url, json={"name": "login"}).status_code == 405
    refused = cast.client("rep_a").delete(url)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert cast.client("rep_b").delete(url).status_code == 404
    admin = cast.client("admin")
    assert admin.delete(url).status_code == 204
    assert admin.get(url).status_code == 404
    actions = [h["action"] for h in admin.get(f"{url}/history").json()["items"]]
    assert actions[0] == "create"
    assert actions[-1] == "delete"


def test_the_history_of_an_event_is_hidden_from_who_may_not_see_it(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    theirs = make_customer(by="rep_b")
    sent = _event(customer_id=theirs["id"], page="/account/orders")
    event = cast.client("rep_b").post(URL, json=sent).json()
    rep = cast.client("rep_a")
    assert rep.get(f"{URL}/{event['id']}").status_code == 404
    assert rep.get(f"{URL}/{event['id']}/history").status_code == 404


def test_filters_and_sorts(cast: Cast, make_customer: MakeCustomer) -> None:
    customer = make_customer(by="rep_a")
    session = f"filter-{uuid.uuid4().hex[:8]}"
    client = cast.client("rep_a")
    for name, minute in (("page_view", 1), ("add_to_cart", 2), ("checkout", 3)):
        at = f"2026-01-01T10:0{minute}:00Z"
        sent = _event(name, customer_id=customer["id"], session_id=session, occurred_at=at)
        assert client.post(URL, json=sent).status_code == 201
    client.post(URL, json=_event(customer_id=customer["id"], session_id="other"))

    def names(**params: Any) -> list[str]:
        response = client.get(URL, params={"customer_id": customer["id"], **params})
        assert response.status_code == 200, response.text
        return [e["name"] for e in response.json()["items"]]

    assert names(session_id=session, sort="-occurred_at") == [
        "checkout",
        "add_to_cart",
        "page_view",
    ]
    assert names(session_id=session, name=["checkout", "page_view"]) == ["page_view", "checkout"]
    assert names(occurred_from="2026-01-01T10:02:00Z", occurred_to="2026-01-01T10:03:00Z") == [
        "add_to_cart"
    ]
