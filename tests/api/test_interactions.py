"""Interactions through the API: logging one or many, who sees and changes them, history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from rapport.audit.models import AuditEntry
from rapport.db import session_scope, utcnow
from rapport.interactions.models import Interaction
from rapport.tickets.models import Ticket
from tests.api.conftest import Cast, MakeCustomer

URL = "/api/v1/interactions"
AT = "2026-03-02T09:30:00+08:00"


def _call(customer_id: int, **fields: Any) -> dict[str, Any]:
    return {"customer_id": customer_id, "kind": "call", "occurred_at": AT, **fields}


def _ticket(cast: Cast, customer_id: int) -> int:
    with session_scope(cast.app.state.sessionmaker) as session:
        ticket = Ticket(customer_id=customer_id, subject="Broken kettle", opened_at=utcnow())
        session.add(ticket)
        session.flush()
        return ticket.id


def _count(cast: Cast, customer_id: int) -> tuple[int, int]:
    """The interactions of the customer, and the audit rows about them."""
    with session_scope(cast.app.state.sessionmaker) as session:
        ids = select(Interaction.id).where(Interaction.customer_id == customer_id)
        made = session.scalar(select(func.count()).select_from(ids.subquery()))
        audited = session.scalar(
            select(func.count()).where(
                AuditEntry.entity == "interaction", AuditEntry.entity_id.in_(ids)
            )
        )
    return made or 0, audited or 0


def test_logging_defaults_the_user_to_the_actor_and_stores_utc(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer(by="rep_a")
    response = cast.client("rep_a").post(
        URL, json=_call(customer["id"], direction="outbound", duration_seconds=300)
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user_id"] == cast["rep_a"].id
    assert body["occurred_at"].startswith("2026-03-02T01:30:00")
    assert body["direction"] == "outbound"
    assert cast.client("rep_a").get(f"{URL}/{body['id']}").json() == body


def test_a_rep_cannot_log_on_or_see_another_teams_customer(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    theirs = make_customer(by="rep_b")
    rep = cast.client("rep_a")
    refused = rep.post(URL, json=_call(theirs["id"]))
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"] == [
        {"path": "body.customer_id", "message": f"no customer {theirs['id']}"}
    ]
    logged = cast.client("rep_b").post(URL, json=_call(theirs["id"])).json()
    assert rep.get(f"{URL}/{logged['id']}").status_code == 404
    assert rep.get(URL, params={"customer_id": theirs["id"]}).json()["items"] == []
    assert cast.client("manager_a").get(f"{URL}/{logged['id']}").status_code == 404
    assert cast.client("manager_b").get(f"{URL}/{logged['id']}").status_code == 200


def test_agents_see_every_customers_interactions_but_change_only_their_own(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    """The interaction rule's customer part is evaluated with READ for reading, and agents
    read every customer, so agents see every interaction of a customer (also other teams').
    Changing evaluates it with CHANGE: only interactions they had, or of their customers."""
    customer = make_customer(by="rep_b")
    logged = cast.client("rep_b").post(URL, json=_call(customer["id"])).json()
    agent = cast.client("agent_a")
    assert agent.get(f"{URL}/{logged['id']}").status_code == 200
    assert logged["id"] in [i["id"] for i in agent.get(URL).json()["items"]]
    assert agent.patch(f"{URL}/{logged['id']}", json={"outcome": "x"}).status_code == 403

    own = agent.post(URL, json=_call(customer["id"], kind="chat"))
    assert own.status_code == 201, own.text
    changed = agent.patch(f"{URL}/{own.json()['id']}", json={"outcome": "refund agreed"})
    assert changed.status_code == 200
    assert changed.json()["outcome"] == "refund agreed"


def test_analysts_read_but_cannot_write(cast: Cast, make_customer: MakeCustomer) -> None:
    customer = make_customer(by="rep_b")
    logged = cast.client("rep_b").post(URL, json=_call(customer["id"])).json()
    analyst = cast.client("analyst")
    assert analyst.get(f"{URL}/{logged['id']}").status_code == 200
    assert analyst.post(URL, json=_call(customer["id"])).status_code == 403
    assert analyst.post(f"{URL}/bulk", json={"items": [_call(customer["id"])]}).status_code == 403
    assert analyst.patch(f"{URL}/{logged['id']}", json={"subject": "x"}).status_code == 403
    assert analyst.delete(f"{URL}/{logged['id']}").status_code == 403
    assert _count(cast, customer["id"]) == (1, 4)  # customer_id, user_id, kind, occurred_at


def test_logging_for_someone_else_needs_the_right_to_assign(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer(by="manager_a", owner_id=cast["rep_a"].id)
    refused = cast.client("rep_a").post(URL, json=_call(customer["id"], user_id=cast["rep_a2"].id))
    assert refused.status_code == 403
    manager = cast.client("manager_a")
    ok = manager.post(URL, json=_call(customer["id"], user_id=cast["rep_a"].id))
    assert ok.status_code == 201
    assert ok.json()["user_id"] == cast["rep_a"].id
    missing = manager.post(URL, json=_call(customer["id"], user_id=10**9))
    assert missing.json()["error"]["fields"][0]["path"] == "body.user_id"


def test_a_deal_or_ticket_must_be_the_same_customers(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    mine, other = make_customer(by="rep_a"), make_customer(by="rep_a")
    other_ticket = _ticket(cast, other["id"])
    rep = cast.client("rep_a")
    response = rep.post(URL, json=_call(mine["id"], ticket_id=other_ticket, deal_id=10**9))
    assert response.status_code == 422
    assert {f["path"]: f["message"] for f in response.json()["error"]["fields"]} == {
        "body.ticket_id": f"customer {mine['id']} has no ticket {other_ticket}",
        "body.deal_id": f"customer {mine['id']} has no deal {10**9}",
    }
    ok = rep.post(URL, json=_call(mine["id"], ticket_id=_ticket(cast, mine["id"])))
    assert ok.status_code == 201, ok.text
    moved = rep.patch(f"{URL}/{ok.json()['id']}", json={"customer_id": other["id"]})
    assert moved.status_code == 422  # its ticket would be another customer's
    assert moved.json()["error"]["fields"][0]["path"] == "body.ticket_id"


def test_bulk_saves_the_good_items_and_reports_the_bad_by_index_and_path(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    mine, theirs = make_customer(by="rep_a"), make_customer(by="rep_b")
    items = [
        _call(mine["id"]),
        _call(mine["id"], occurred_at="yesterday"),
        _call(mine["id"], kind="email", direction="inbound", subject="Invoice"),
        _call(mine["id"], kind="fax"),
        _call(theirs["id"]),
        _call(mine["id"], colour="red"),
        {"kind": "note", "occurred_at": AT},
        _call(mine["id"], user_id=cast["rep_a2"].id),
    ]
    response = cast.client("rep_a").post(f"{URL}/bulk", json={"items": items})
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["created"], result["failed"]) == (2, 6)
    assert [r["index"] for r in result["results"]] == list(range(8))
    created = {r["index"]: r["id"] for r in result["results"] if "id" in r}
    assert set(created) == {0, 2}
    paths = {
        r["index"]: [e["path"] for e in r["errors"]] for r in result["results"] if "errors" in r
    }
    assert paths == {
        1: ["body.items.1.occurred_at"],
        3: ["body.items.3.kind"],
        4: ["body.items.4.customer_id"],
        5: ["body.items.5.colour"],
        6: ["body.items.6.customer_id"],
        7: ["body.items.7.user_id"],
    }
    errors = {r["index"]: r["errors"][0]["message"] for r in result["results"] if "errors" in r}
    assert errors[4] == f"no customer {theirs['id']}"
    assert errors[6] == "Field required"

    listed = cast.client("rep_a").get(URL, params={"customer_id": mine["id"]}).json()["items"]
    assert sorted(i["id"] for i in listed) == sorted(created.values())
    history = cast.client("rep_a").get(f"{URL}/{created[2]}/history").json()["items"]
    assert [(h["action"], h["user_id"], h["source"]) for h in history] == [
        ("create", cast["rep_a"].id, "api")
    ]


def test_bulk_atomic_saves_nothing_when_any_item_is_bad(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer(by="rep_a")
    rep = cast.client("rep_a")
    items = [_call(customer["id"]), _call(customer["id"], occurred_at="soon")]
    response = rep.post(f"{URL}/bulk", params={"atomic": True}, json={"items": items})
    assert response.status_code == 422
    error = response.json()["error"]
    assert [f["path"] for f in error["fields"]] == ["body.items.1.occurred_at"]
    assert "nothing was saved" in error["message"]
    assert _count(cast, customer["id"]) == (0, 0)

    good = rep.post(f"{URL}/bulk", params={"atomic": True}, json={"items": items[:1]})
    assert good.json()["created"] == 1


def test_bulk_takes_a_thousand_items_with_one_audit_row_each_and_refuses_more(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer(by="rep_a")
    rep = cast.client("rep_a")
    items = [_call(customer["id"], subject=f"Call {i}") for i in range(1000)]
    response = rep.post(f"{URL}/bulk", json={"items": items})
    assert response.status_code == 200, response.text
    assert (response.json()["created"], response.json()["failed"]) == (1000, 0)
    assert _count(cast, customer["id"]) == (1000, 1000)

    too_many = rep.post(f"{URL}/bulk", json={"items": [*items, items[0]]})
    assert too_many.status_code == 422
    assert too_many.json()["error"]["fields"][0]["path"] == "body.items"
    assert _count(cast, customer["id"]) == (1000, 1000)


def test_update_changes_only_what_was_sent_and_history_shows_it(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer(by="rep_a")
    rep = cast.client("rep_a")
    logged = rep.post(URL, json=_call(customer["id"], subject="First call")).json()
    url = f"{URL}/{logged['id']}"
    response = rep.patch(url, json={"outcome": "interested", "duration_seconds": 600})
    assert response.status_code == 200, response.text
    assert response.json()["subject"] == "First call"
    changes = {h["field"]: h for h in rep.get(f"{url}/history").json()["items"]}
    assert changes["outcome"]["action"] == "update"
    assert changes["outcome"]["new_value"] == "interested"
    assert changes["duration_seconds"]["new_value"] == "600"
    cleared = rep.patch(url, json={"kind": None})
    assert cleared.status_code == 422
    assert cleared.json()["error"]["fields"][0]["path"] == "body.kind"


def test_delete_to_the_recycle_bin_and_restore(cast: Cast, make_customer: MakeCustomer) -> None:
    customer = make_customer(by="rep_a")
    rep = cast.client("rep_a")
    logged = rep.post(URL, json=_call(customer["id"])).json()
    url = f"{URL}/{logged['id']}"
    assert rep.delete(url).status_code == 204
    assert rep.get(url).status_code == 404
    assert logged["id"] in [i["id"] for i in rep.get(f"{URL}/deleted").json()["items"]]
    restored = rep.post(f"{url}/restore")
    assert restored.status_code == 200
    assert restored.json()["deleted_at"] is None
    actions = [h["action"] for h in rep.get(f"{url}/history").json()["items"]]
    assert actions[-2:] == ["delete", "restore"]


def test_filters_and_sorts(cast: Cast, make_customer: MakeCustomer) -> None:
    customer = make_customer(by="manager_a")
    manager = cast.client("manager_a")
    for kind, day, user in (("call", 1, "rep_a"), ("email", 2, "rep_a2"), ("visit", 3, "rep_a")):
        at = f"2026-01-0{day}T10:00:00Z"
        body = _call(customer["id"], kind=kind, occurred_at=at, user_id=cast[user].id)
        assert manager.post(URL, json=body).status_code == 201

    def kinds(**params: Any) -> list[str]:
        params = {"customer_id": customer["id"], **params}
        response = manager.get(URL, params=params)
        assert response.status_code == 200, response.text
        return [i["kind"] for i in response.json()["items"]]

    assert kinds(sort="-occurred_at") == ["visit", "email", "call"]
    assert kinds(kind=["call", "visit"]) == ["call", "visit"]
    assert kinds(user_id=cast["rep_a2"].id) == ["email"]
    assert kinds(occurred_from="2026-01-02T00:00:00Z", occurred_to="2026-01-03T00:00:00Z") == [
        "email"
    ]
    assert kinds(direction="inbound") == []
