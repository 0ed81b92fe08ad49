"""Tickets through the API: status timestamps, references that must fit, who sees and changes."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from rapport.db import session_scope, utcnow
from rapport.orders.models import Order
from rapport.products.models import Product
from tests.api.conftest import Cast, MakeCustomer

URL = "/api/v1/tickets"


def add_order(cast: Cast, customer_id: int) -> int:
    """A paid order of the customer, written directly (orders have no API here)."""
    with session_scope(cast.app.state.sessionmaker) as session:
        order = Order(number=f"T-{uuid.uuid4().hex[:12]}", customer_id=customer_id,
                      ordered_at=utcnow() - timedelta(days=3))  # fmt: skip
        session.add(order)
        session.flush()
        return order.id


def add_product(cast: Cast) -> int:
    """A product of the catalogue, written directly."""
    with session_scope(cast.app.state.sessionmaker) as session:
        product = Product(sku=f"SKU-{uuid.uuid4().hex[:10]}", name="Kettle")
        session.add(product)
        session.flush()
        return product.id


def open_ticket(cast: Cast, by: str, customer_id: int, **fields: Any) -> dict[str, Any]:
    """A ticket opened through the API by ``by``."""
    body = {"customer_id": customer_id, "subject": "水壶漏水 Kettle leaks", **fields}
    response = cast.client(by).post(URL, json=body)
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


def _paths(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    return [f["path"] for f in response.json()["error"]["fields"]]


def test_a_new_ticket_is_open_now_assigned_to_its_opener_and_audited(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer(by="rep_a")
    before = utcnow()
    ticket = open_ticket(cast, "rep_a", customer["id"], category="quality")
    assert ticket["status"] == "open"
    assert ticket["priority"] == "normal"
    assert ticket["assignee_id"] == cast["rep_a"].id
    assert datetime.fromisoformat(ticket["opened_at"]) >= before - timedelta(seconds=1)
    assert ticket["resolved_at"] is None and ticket["closed_at"] is None
    history = cast.client("rep_a").get(f"{URL}/{ticket['id']}/history").json()["items"]
    created = {h["field"]: h["new_value"] for h in history if h["action"] == "create"}
    assert created["status"] == "open"
    assert created["customer_id"] == str(customer["id"])
    assert history[0]["user_id"] == cast["rep_a"].id


def test_status_sets_and_clears_the_resolved_and_closed_times(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer(by="agent_a")
    ticket = open_ticket(cast, "agent_a", customer["id"])
    client, url = cast.client("agent_a"), f"{URL}/{ticket['id']}"

    resolved = client.patch(url, json={"status": "resolved"}).json()
    assert resolved["resolved_at"] is not None and resolved["closed_at"] is None
    closed = client.patch(url, json={"status": "closed"}).json()
    assert closed["closed_at"] is not None
    assert closed["resolved_at"] == resolved["resolved_at"]  # kept, not stamped again
    reopened = client.patch(url, json={"status": "open"}).json()
    assert reopened["resolved_at"] is None and reopened["closed_at"] is None
    pending = client.patch(url, json={"status": "pending"}).json()
    assert pending["resolved_at"] is None

    # Closed straight from open: it was resolved when it was closed.
    direct = open_ticket(cast, "agent_a", customer["id"], status="closed")
    assert direct["closed_at"] is not None
    assert direct["resolved_at"] == direct["closed_at"]

    history = client.get(f"{url}/history").json()["items"]
    statuses = [h["new_value"] for h in history if h["field"] == "status"]
    assert statuses == ["open", "resolved", "closed", "open", "pending"]
    cleared = [h for h in history if h["field"] == "resolved_at" and h["new_value"] is None]
    assert len(cleared) == 1


def test_first_response_time_is_settable_but_not_before_the_opening(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer(by="rep_a")
    opened = utcnow() - timedelta(hours=5)
    ticket = open_ticket(cast, "rep_a", customer["id"], opened_at=opened.isoformat())
    client, url = cast.client("rep_a"), f"{URL}/{ticket['id']}"
    answered = (opened + timedelta(hours=1)).isoformat()
    response = client.patch(url, json={"first_response_at": answered})
    assert response.status_code == 200, response.text
    assert datetime.fromisoformat(response.json()["first_response_at"]) == opened + timedelta(
        hours=1
    )

    early = (opened - timedelta(minutes=1)).isoformat()
    assert _paths(client.patch(url, json={"first_response_at": early})) == [
        "body.first_response_at"
    ]
    late_opening = (opened + timedelta(hours=2)).isoformat()
    assert _paths(client.patch(url, json={"opened_at": late_opening})) == ["body.opened_at"]


def test_the_order_must_be_one_of_the_same_customer(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    mine, other = make_customer(by="rep_a"), make_customer(by="rep_a")
    my_order, other_order = add_order(cast, mine["id"]), add_order(cast, other["id"])
    product = add_product(cast)
    client = cast.client("rep_a")

    wrong = client.post(URL, json={"customer_id": mine["id"], "subject": "x",
                                   "order_id": other_order})  # fmt: skip
    assert _paths(wrong) == ["body.order_id"]
    assert f"customer {mine['id']} has no order {other_order}" in wrong.text
    missing = client.post(URL, json={"customer_id": mine["id"], "subject": "x",
                                     "product_id": 10**9})  # fmt: skip
    assert _paths(missing) == ["body.product_id"]

    ticket = open_ticket(cast, "rep_a", mine["id"], order_id=my_order, product_id=product)
    assert ticket["order_id"] == my_order and ticket["product_id"] == product
    # Moving the ticket to another customer while it names this one's order is refused.
    moved = client.patch(f"{URL}/{ticket['id']}", json={"customer_id": other["id"]})
    assert _paths(moved) == ["body.order_id"]
    both = client.patch(
        f"{URL}/{ticket['id']}", json={"customer_id": other["id"], "order_id": other_order}
    )
    assert both.status_code == 200, both.text


def test_required_fields_cannot_be_cleared_and_unknown_fields_are_refused(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    ticket = open_ticket(cast, "admin", make_customer()["id"])
    client, url = cast.client("admin"), f"{URL}/{ticket['id']}"
    assert _paths(client.patch(url, json={"subject": None})) == ["body.subject"]
    assert _paths(client.patch(url, json={"status": "lost"})) == ["body.status"]
    assert _paths(client.patch(url, json={"resolved_at": utcnow().isoformat()})) == [
        "body.resolved_at"
    ]


def test_agents_read_every_ticket_but_change_only_their_own(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    other_team = make_customer(by="rep_b")
    theirs = open_ticket(cast, "rep_b", other_team["id"])
    assigned = open_ticket(cast, "admin", other_team["id"], assignee_id=cast["agent_a"].id)
    agent = cast.client("agent_a")

    assert agent.get(f"{URL}/{theirs['id']}").status_code == 200
    listed = agent.get(URL, params={"customer_id": other_team["id"]}).json()["items"]
    assert {t["id"] for t in listed} == {theirs["id"], assigned["id"]}
    refused = agent.patch(f"{URL}/{theirs['id']}", json={"priority": "high"})
    assert refused.status_code == 403
    assert agent.delete(f"{URL}/{theirs['id']}").status_code == 403
    mine = agent.patch(f"{URL}/{assigned['id']}", json={"status": "resolved"})
    assert mine.status_code == 200, mine.text
    # Agents may open a ticket for any caller, assigned to themselves.
    opened = open_ticket(cast, "agent_a", other_team["id"])
    assert opened["assignee_id"] == cast["agent_a"].id


def test_reps_see_only_their_customers_tickets(cast: Cast, make_customer: MakeCustomer) -> None:
    mine, theirs = make_customer(by="rep_a"), make_customer(by="rep_b")
    my_ticket = open_ticket(cast, "admin", mine["id"], assignee_id=cast["agent_a"].id)
    their_ticket = open_ticket(cast, "rep_b", theirs["id"])
    rep = cast.client("rep_a")

    assert rep.get(f"{URL}/{their_ticket['id']}").status_code == 404
    assert rep.patch(f"{URL}/{their_ticket['id']}", json={"priority": "low"}).status_code == 404
    ids = {t["id"] for t in rep.get(URL, params={"limit": 200}).json()["items"]}
    assert my_ticket["id"] in ids and their_ticket["id"] not in ids
    # The customer's owner changes its tickets, whoever is assigned.
    assert rep.patch(f"{URL}/{my_ticket['id']}", json={"priority": "low"}).status_code == 200
    hidden = rep.post(URL, json={"customer_id": theirs["id"], "subject": "x"})
    assert _paths(hidden) == ["body.customer_id"]
    assign = rep.post(URL, json={"customer_id": mine["id"], "subject": "x",
                                 "assignee_id": cast["rep_a2"].id})  # fmt: skip
    assert assign.status_code == 403


def test_analysts_read_but_do_not_write(cast: Cast, make_customer: MakeCustomer) -> None:
    customer = make_customer(by="rep_b")
    ticket = open_ticket(cast, "rep_b", customer["id"])
    analyst = cast.client("analyst")
    assert analyst.get(f"{URL}/{ticket['id']}").status_code == 200
    assert analyst.patch(f"{URL}/{ticket['id']}", json={"priority": "low"}).status_code == 403
    assert analyst.post(URL, json={"customer_id": customer["id"], "subject": "x"}).status_code == (
        403
    )


def test_filters_and_sorting(cast: Cast, make_customer: MakeCustomer) -> None:
    customer = make_customer(by="rep_a")
    now = utcnow()

    def days_ago(days: int) -> str:
        return (now - timedelta(days=days)).isoformat()

    old = open_ticket(cast, "rep_a", customer["id"], opened_at=days_ago(10), priority="urgent",
                      category="billing")  # fmt: skip
    mid = open_ticket(cast, "rep_a", customer["id"], opened_at=days_ago(5), status="pending",
                      category="billing")  # fmt: skip
    new = open_ticket(cast, "rep_a", customer["id"], opened_at=days_ago(1))
    client = cast.client("rep_a")

    def ids(**params: Any) -> list[int]:
        response = client.get(URL, params={"customer_id": customer["id"], **params})
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()["items"]]

    assert ids(sort="-opened_at") == [new["id"], mid["id"], old["id"]]
    assert ids(status=["open", "pending"], sort="opened_at") == [old["id"], mid["id"], new["id"]]
    assert ids(status="pending") == [mid["id"]]
    assert ids(priority=["urgent", "high"]) == [old["id"]]
    assert ids(category="billing", sort="opened_at") == [old["id"], mid["id"]]
    assert ids(opened_from=days_ago(6), opened_to=days_ago(2)) == [mid["id"]]
    assert ids(assignee_id=cast["rep_a"].id, sort="id") == [old["id"], mid["id"], new["id"]]
    assert ids(assignee_id=cast["rep_b"].id) == []


def test_delete_goes_to_the_recycle_bin_and_restore_brings_it_back(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    ticket = open_ticket(cast, "rep_a", make_customer(by="rep_a")["id"])
    client, url = cast.client("rep_a"), f"{URL}/{ticket['id']}"
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert ticket["id"] in {t["id"] for t in client.get(f"{URL}/deleted").json()["items"]}
    restored = client.post(f"{url}/restore")
    assert restored.status_code == 200
    assert restored.json()["deleted_at"] is None
    actions = [h["action"] for h in client.get(f"{url}/history").json()["items"]]
    assert actions[-2:] == ["delete", "restore"]
