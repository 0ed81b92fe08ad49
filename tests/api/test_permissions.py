"""The permission matrix: every role × (own, team's, other team's record) × every action.

Records are customers owned by the user named for each relation; ``export`` is the
list's CSV export. Expected answers:
admins do everything; managers their own and their team's; reps their own; agents
read every customer but change only their own; analysts read everything and change
nothing. A record one may not see is 404 (its existence is not revealed); one that
may be seen but not changed is 403.
"""

from __future__ import annotations

import csv
import io
from typing import Final

import pytest

from tests.api.conftest import Cast, MakeCustomer

# role → the owners of its "own", "team's" and "other team's" records
OWNERS: Final = {
    "admin": ("admin", "rep_a", "rep_b"),
    "manager_a": ("manager_a", "rep_a", "rep_b"),
    "rep_a": ("rep_a", "rep_a2", "rep_b"),
    "agent_a": ("agent_a", "rep_a", "rep_b"),
    "analyst": ("analyst", "rep_a", "rep_b"),
}
RELATIONS: Final = ("own", "team", "other")
ACTIONS: Final = ("read", "list", "export", "update", "delete")
Y, N = "allow", "deny"
EXPECTED: Final = {
    #             own                  team's               other team's
    "admin":     ((Y, Y, Y, Y, Y),     (Y, Y, Y, Y, Y),     (Y, Y, Y, Y, Y)),
    "manager_a": ((Y, Y, Y, Y, Y),     (Y, Y, Y, Y, Y),     (N, N, N, N, N)),
    "rep_a":     ((Y, Y, Y, Y, Y),     (N, N, N, N, N),     (N, N, N, N, N)),
    "agent_a":   ((Y, Y, Y, Y, Y),     (Y, Y, Y, N, N),     (Y, Y, Y, N, N)),
    "analyst":   ((Y, Y, Y, N, N),     (Y, Y, Y, N, N),     (Y, Y, Y, N, N)),
}  # fmt: skip


def _outcome(cast: Cast, role: str, customer: dict[str, object], action: str) -> str:
    client = cast.client(role)
    url = f"/api/v1/customers/{customer['id']}"
    if action == "read":
        status = client.get(url).status_code
        return {200: Y, 404: N}.get(status, f"unexpected {status}")
    if action == "list":
        response = client.get("/api/v1/customers", params={"q": str(customer["name"])})
        assert response.status_code == 200, response.text
        ids = [c["id"] for c in response.json()["items"]]
        return Y if customer["id"] in ids else N
    if action == "export":
        response = client.get("/api/v1/customers/export", params={"q": str(customer["name"])})
        assert response.status_code == 200, response.text
        rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
        return Y if str(customer["id"]) in [r["id"] for r in rows] else N
    seen = client.get(url).status_code == 200
    if action == "update":
        response = client.patch(url, json={"notes": f"changed by {role}"})
    else:
        response = client.delete(url)
    if response.status_code in (200, 204):
        return Y
    # Denied: 403 when the record is visible, 404 when it is not.
    expected = 403 if seen else 404
    return N if response.status_code == expected else f"unexpected {response.status_code}"


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_permission_matrix(cast: Cast, make_customer: MakeCustomer, role: str) -> None:
    got, want = {}, {}
    for relation, owner, expected in zip(RELATIONS, OWNERS[role], EXPECTED[role], strict=True):
        for action, allowed in zip(ACTIONS, expected, strict=True):
            customer = make_customer(owner_id=cast[owner].id)
            got[relation, action] = _outcome(cast, role, customer, action)
            want[relation, action] = allowed
    wrong = {k: f"got {got[k]}, expected {want[k]}" for k in want if got[k] != want[k]}
    assert not wrong, f"{role}: {wrong}"


def test_a_hidden_record_answers_404_and_a_visible_one_403(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    other_team = make_customer(owner_id=cast["rep_b"].id)
    rep = cast.client("rep_a")
    url = f"/api/v1/customers/{other_team['id']}"
    assert rep.patch(url, json={"notes": "x"}).status_code == 404
    analyst = cast.client("analyst")
    response = analyst.patch(f"/api/v1/customers/{other_team['id']}", json={"notes": "x"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_a_rep_cannot_give_a_customer_to_someone_else(cast: Cast) -> None:
    rep = cast.client("rep_a")
    response = rep.post("/api/v1/customers", json={"name": "甲", "owner_id": cast["rep_b"].id})
    assert response.status_code == 403
    mine = rep.post("/api/v1/customers", json={"name": "乙"})
    assert mine.status_code == 201
    assert mine.json()["owner_id"] == cast["rep_a"].id


def test_a_manager_assigns_within_the_team_only(cast: Cast) -> None:
    manager = cast.client("manager_a")
    ok = manager.post("/api/v1/customers", json={"name": "丙", "owner_id": cast["rep_a"].id})
    assert ok.status_code == 201
    refused = manager.post("/api/v1/customers", json={"name": "丁", "owner_id": cast["rep_b"].id})
    assert refused.status_code == 403
