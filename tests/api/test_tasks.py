"""Tasks through the API: assigning, completing and reopening, who sees them, filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rapport.db import session_scope, utcnow
from rapport.tickets.models import Ticket
from tests.api.conftest import Cast, MakeCustomer

URL = "/api/v1/tasks"


def _ticket(cast: Cast, customer_id: int) -> int:
    with session_scope(cast.app.state.sessionmaker) as session:
        ticket = Ticket(customer_id=customer_id, subject="Late delivery", opened_at=utcnow())
        session.add(ticket)
        session.flush()
        return ticket.id


def test_a_new_task_is_open_and_assigned_to_its_creator(cast: Cast) -> None:
    response = cast.client("rep_a").post(
        URL, json={"title": "Call back", "due_at": "2026-04-01T09:00:00+08:00"}
    )
    assert response.status_code == 201, response.text
    task = response.json()
    assert task["assignee_id"] == task["created_by_id"] == cast["rep_a"].id
    assert (task["status"], task["priority"], task["completed_at"]) == ("open", "normal", None)
    assert task["due_at"].startswith("2026-04-01T01:00:00")


def test_done_records_the_completion_and_reopening_clears_it(cast: Cast) -> None:
    rep = cast.client("rep_a")
    task = rep.post(URL, json={"title": "Send the quote"}).json()
    url = f"{URL}/{task['id']}"
    done = rep.patch(url, json={"status": "done"}).json()
    assert done["completed_at"] is not None
    again = rep.patch(url, json={"status": "done", "title": "Send the quote (v2)"}).json()
    assert again["completed_at"] == done["completed_at"]  # already done: kept
    reopened = rep.patch(url, json={"status": "open"}).json()
    assert reopened["completed_at"] is None

    history = rep.get(f"{url}/history").json()["items"]
    statuses = [(h["old_value"], h["new_value"]) for h in history if h["field"] == "status"]
    assert statuses == [("open", "done"), ("done", "open")]
    completions = [h["new_value"] is None for h in history if h["field"] == "completed_at"]
    assert completions == [False, True]

    born_done = rep.post(URL, json={"title": "Logged after the fact", "status": "done"}).json()
    assert born_done["completed_at"] is not None


def test_a_rep_assigns_to_themselves_only_and_a_manager_within_the_team(cast: Cast) -> None:
    refused = cast.client("rep_a").post(URL, json={"title": "x", "assignee_id": cast["rep_a2"].id})
    assert refused.status_code == 403
    manager = cast.client("manager_a")
    ok = manager.post(URL, json={"title": "Visit", "assignee_id": cast["rep_a"].id})
    assert ok.status_code == 201
    assert ok.json()["created_by_id"] == cast["manager_a"].id
    assert cast.client("rep_a").get(f"{URL}/{ok.json()['id']}").status_code == 200
    moved = manager.patch(f"{URL}/{ok.json()['id']}", json={"assignee_id": cast["rep_b"].id})
    assert moved.status_code == 403
    missing = manager.post(URL, json={"title": "x", "assignee_id": 10**9})
    assert missing.json()["error"]["fields"][0]["path"] == "body.assignee_id"


def test_a_rep_cannot_attach_a_task_to_or_see_one_of_another_teams_customer(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    theirs = make_customer(by="rep_b")
    rep = cast.client("rep_a")
    refused = rep.post(URL, json={"title": "Steal", "customer_id": theirs["id"]})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"][0]["path"] == "body.customer_id"
    task = cast.client("rep_b").post(URL, json={"title": "Own", "customer_id": theirs["id"]})
    url = f"{URL}/{task.json()['id']}"
    assert rep.get(url).status_code == 404
    assert cast.client("manager_b").get(url).status_code == 200
    # Agents read every customer, so they see tasks about any customer; they change none.
    assert cast.client("agent_a").get(url).status_code == 200
    assert cast.client("agent_a").patch(url, json={"title": "x"}).status_code == 403


def test_a_task_about_a_ticket_is_about_its_customer(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer, other = make_customer(by="rep_a"), make_customer(by="rep_a")
    ticket = _ticket(cast, customer["id"])
    rep = cast.client("rep_a")
    task = rep.post(URL, json={"title": "Chase the courier", "ticket_id": ticket})
    assert task.status_code == 201, task.text
    assert task.json()["customer_id"] == customer["id"]
    mismatch = rep.post(URL, json={"title": "x", "ticket_id": ticket, "customer_id": other["id"]})
    assert mismatch.status_code == 422
    assert mismatch.json()["error"]["fields"] == [
        {"path": "body.ticket_id", "message": f"customer {other['id']} has no ticket {ticket}"}
    ]
    hidden = _ticket(cast, make_customer(by="rep_b")["id"])
    unseen = rep.post(URL, json={"title": "x", "ticket_id": hidden})
    assert unseen.json()["error"]["fields"][0]["message"] == f"no ticket {hidden}"


def test_analysts_read_but_cannot_write(cast: Cast) -> None:
    task = cast.client("rep_a").post(URL, json={"title": "Read me"}).json()
    analyst = cast.client("analyst")
    assert analyst.get(f"{URL}/{task['id']}").status_code == 200
    assert analyst.post(URL, json={"title": "x"}).status_code == 403
    assert analyst.patch(f"{URL}/{task['id']}", json={"title": "x"}).status_code == 403
    assert analyst.delete(f"{URL}/{task['id']}").status_code == 403


def test_clearing_a_required_field_is_refused(cast: Cast) -> None:
    task = cast.client("rep_a").post(URL, json={"title": "Keep my title"}).json()
    response = cast.client("rep_a").patch(f"{URL}/{task['id']}", json={"title": None})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["path"] == "body.title"


def test_delete_to_the_recycle_bin_and_restore(cast: Cast) -> None:
    rep = cast.client("rep_a")
    task = rep.post(URL, json={"title": "Bin me"}).json()
    url = f"{URL}/{task['id']}"
    assert rep.delete(url).status_code == 204
    assert rep.get(url).status_code == 404
    assert task["id"] in [t["id"] for t in rep.get(f"{URL}/deleted").json()["items"]]
    assert rep.post(f"{url}/restore").json()["deleted_at"] is None
    actions = [h["action"] for h in rep.get(f"{url}/history").json()["items"]]
    assert actions[-2:] == ["delete", "restore"]


def test_filters_overdue_due_range_status_and_assignee(cast: Cast) -> None:
    """Four tasks of rep_a: late and open, late but done, due later, without a due time;
    only the first is overdue."""
    now = utcnow()
    rep = cast.client("rep_a")
    for title, due, status in (
        ("late", now - timedelta(days=2), "open"),
        ("late but done", now - timedelta(days=1), "done"),
        ("later", now + timedelta(days=3), "open"),
        ("undated", None, "open"),
    ):
        body = {"title": title, "status": status, "due_at": due.isoformat() if due else None}
        assert rep.post(URL, json=body).status_code == 201
    cast.client("manager_a").post(URL, json={"title": "manager's own"})

    def titles(**params: Any) -> set[str]:
        response = rep.get(URL, params={"assignee_id": cast["rep_a"].id, **params})
        assert response.status_code == 200, response.text
        return {t["title"] for t in response.json()["items"]}

    assert titles() == {"late", "late but done", "later", "undated"}
    assert titles(overdue=True) == {"late"}
    assert titles(overdue=False) == {"late but done", "later", "undated"}
    assert titles(status="done") == {"late but done"}
    assert titles(due_from=(now - timedelta(days=1, hours=1)).isoformat()) == {
        "late but done",
        "later",
    }
    assert titles(due_to=now.isoformat(), status="open") == {"late"}
    both = cast.client("manager_a").get(
        URL, params=[("assignee_id", cast["rep_a"].id), ("assignee_id", cast["manager_a"].id)]
    )
    assert len(both.json()["items"]) == 5
