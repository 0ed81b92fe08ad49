"""My day: open tasks by when they are due, ticked off in place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.conftest import Cast
from tests.web.conftest import sign_in


def _section(html: str, key: str) -> str:
    start = html.index(f'id="h-{key}"')
    end = html.find("<section", start)
    return html[start : end if end > 0 else None]


def test_tasks_are_grouped_by_due_time_and_ticked_off(cast: Cast) -> None:
    now = datetime.now(UTC)
    api = cast.client("rep_a")
    for title, due in [
        ("Late call", now - timedelta(days=2)),
        ("Far plan", now + timedelta(days=40)),
        ("Someday", None),
    ]:
        body = {"title": title, "due_at": due.isoformat() if due else None}
        assert api.post("/api/v1/tasks", json=body).status_code == 201
    visitor = sign_in(cast, "rep_a")
    page = visitor.client.get("/tasks").text
    assert "Late call" in _section(page, "overdue")
    assert "Far plan" in _section(page, "later")
    assert "Someday" in _section(page, "later")
    task_id = next(
        t["id"] for t in api.get("/api/v1/tasks").json()["items"] if t["title"] == "Late call"
    )
    done: Any = visitor.post(f"/tasks/{task_id}/done")
    assert done.status_code == 303
    page = visitor.client.get("/tasks").text
    assert "Late call" not in _section(page, "overdue")
    assert "Late call" in _section(page, "done")


def test_a_new_task_from_my_day_is_mine(cast: Cast) -> None:
    visitor = sign_in(cast, "rep_a")
    empty: Any = visitor.post("/tasks", {"title": ""})
    assert empty.status_code == 422
    assert 'id="title-error"' in empty.text
    made: Any = visitor.post("/tasks", {"title": "Prepare offer", "priority": "high"})
    assert made.status_code == 303
    tasks = cast.client("rep_a").get("/api/v1/tasks").json()["items"]
    assert [(t["title"], t["assignee_id"]) for t in tasks] == [("Prepare offer", cast["rep_a"].id)]


def test_another_reps_day_shows_nothing_of_theirs(cast: Cast) -> None:
    cast.client("rep_b").post("/api/v1/tasks", json={"title": "Secret task"})
    visitor = sign_in(cast, "rep_a")
    page = visitor.client.get("/tasks", params={"assignee": cast["rep_b"].id}).text
    assert "Secret task" not in page
    manager = sign_in(cast, "manager_b")
    assert "Secret task" in manager.client.get("/tasks", params={"assignee": cast["rep_b"].id}).text
