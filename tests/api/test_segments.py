"""Segments through the API: shared records, definitions checked for shape, members filtered."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rapport.db import session_scope, utcnow
from rapport.segments.models import SegmentMembership
from tests.api.conftest import Cast, MakeCustomer

URL = "/api/v1/segments"
# The demo data's "high-value active" segment.
HIGH_VALUE = {
    "all": [
        {"field": "paid_orders", "op": ">=", "value": 5},
        {"field": "days_since_last_order", "op": "<=", "value": 90},
    ]
}


def make_segment(cast: Cast, by: str, **fields: Any) -> dict[str, Any]:
    """A segment created through the API by ``by``."""
    body = {"name": "高价值活跃客户 High-value active", "definition": HIGH_VALUE, **fields}
    response = cast.client(by).post(URL, json=body)
    assert response.status_code == 201, response.text
    segment: dict[str, Any] = response.json()
    return segment


def _paths(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    return [f["path"] for f in response.json()["error"]["fields"]]


def test_a_rules_segment_keeps_its_definition_and_defaults_to_everyone(cast: Cast) -> None:
    segment = make_segment(cast, "rep_a", description="≥ 5 orders, the last within 90 days")
    assert segment["kind"] == "rules"
    assert segment["definition"] == HIGH_VALUE
    assert segment["owner_id"] == cast["rep_a"].id
    assert segment["refreshed_at"] is None
    empty = cast.client("rep_a").post(URL, json={"name": "Everyone"})
    assert empty.json()["definition"] == {"all": []}
    manual = cast.client("rep_a").post(URL, json={"name": "Hand-picked", "kind": "manual"})
    assert manual.json()["definition"] == {}


def test_a_badly_shaped_definition_names_each_wrong_part(cast: Cast) -> None:
    client = cast.client("rep_a")

    def post(definition: Any, kind: str = "rules") -> Any:
        return client.post(URL, json={"name": "x", "kind": kind, "definition": definition})

    assert _paths(post({"every": []})) == ["body.definition"]
    assert _paths(post({"all": [], "any": []})) == ["body.definition"]
    assert _paths(post([1, 2])) == ["body.definition"]  # not an object: the schema says so
    assert _paths(post({"any": {"field": "city"}})) == ["body.definition.any"]
    conditions = [
        {"field": "city", "op": "=", "value": "杭州"},
        {"field": "", "op": "like", "value": "x"},
        {"field": "province", "op": "in", "value": "浙江"},
        {"field": "email", "op": "is_null", "value": "x"},
        {"field": "tier", "op": ">", "value": None, "weight": 2},
        "city = 杭州",
    ]
    assert _paths(post({"any": conditions})) == [
        "body.definition.any.1.field",
        "body.definition.any.1.op",
        "body.definition.any.2.value",
        "body.definition.any.3.value",
        "body.definition.any.4.weight",
        "body.definition.any.4.value",
        "body.definition.any.5",
    ]
    ok = [
        {"field": "province", "op": "in", "value": ["浙江", "江苏"]},
        {"field": "email", "op": "not_null"},
        {"field": "vip", "op": "=", "value": True},
    ]
    assert post({"any": ok}).status_code == 201
    assert post({"anything": ["goes"]}, kind="cluster").status_code == 201


def test_changing_the_kind_checks_the_definition_it_keeps(cast: Cast) -> None:
    client = cast.client("rep_a")
    manual = client.post(URL, json={"name": "x", "kind": "manual", "definition": {"ids": [1]}})
    url = f"{URL}/{manual.json()['id']}"
    assert _paths(client.patch(url, json={"kind": "rules"})) == ["body.definition"]
    both = client.patch(url, json={"kind": "rules", "definition": HIGH_VALUE})
    assert both.status_code == 200, both.text
    assert _paths(client.patch(url, json={"definition": None})) == ["body.definition"]


def test_everyone_reads_a_segment_its_owner_and_team_manager_change_it(cast: Cast) -> None:
    segment = make_segment(cast, "rep_a")
    url = f"{URL}/{segment['id']}"
    for name in ("rep_b", "manager_b", "agent_a", "analyst", "rep_a2"):
        client = cast.client(name)
        assert client.get(url).status_code == 200, name
        assert segment["id"] in {s["id"] for s in client.get(URL).json()["items"]}, name
        assert client.patch(url, json={"name": "mine now"}).status_code == 403, name
        assert client.delete(url).status_code == 403, name
    assert cast.client("manager_a").patch(url, json={"name": "Team A's"}).status_code == 200
    assert cast.client("rep_a").patch(url, json={"description": "x"}).status_code == 200
    assert cast.client("analyst").post(URL, json={"name": "x"}).status_code == 403
    give = cast.client("rep_a").post(URL, json={"name": "x", "owner_id": cast["rep_b"].id})
    assert give.status_code == 403


def _member(segment_id: int, customer_id: int, days_in: int, left: bool) -> SegmentMembership:
    now = utcnow()
    return SegmentMembership(
        segment_id=segment_id,
        customer_id=customer_id,
        entered_at=now - timedelta(days=days_in),
        left_at=now - timedelta(days=1) if left else None,
    )


def test_members_are_listed_only_for_customers_the_reader_sees(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    segment = make_segment(cast, "admin")
    mine = [make_customer(by="rep_a")["id"] for _ in range(3)]
    theirs = make_customer(by="rep_b")["id"]
    with session_scope(cast.app.state.sessionmaker) as session:
        session.add_all([_member(segment["id"], mine[0], 30, left=False),
                         _member(segment["id"], mine[1], 20, left=True),
                         _member(segment["id"], mine[2], 10, left=False),
                         _member(segment["id"], theirs, 5, left=False)])  # fmt: skip
    url = f"{URL}/{segment['id']}/members"

    def members(by: str, **params: Any) -> list[int]:
        response = cast.client(by).get(url, params=params)
        assert response.status_code == 200, response.text
        return [m["customer_id"] for m in response.json()["items"]]

    assert members("admin") == [*mine, theirs]
    assert members("rep_a") == mine
    assert members("rep_b") == [theirs]
    assert members("agent_a") == [*mine, theirs]  # agents see every customer
    assert members("rep_a", current="true") == [mine[0], mine[2]]
    assert members("rep_a", current="false") == [mine[1]]
    assert members("admin", sort="-entered_at", limit=2) == [theirs, mine[2]]

    first = cast.client("rep_a").get(url, params={"limit": 2}).json()
    assert [m["customer_id"] for m in first["items"]] == mine[:2]
    assert set(first["items"][1]) == {"customer_id", "entered_at", "left_at"}
    assert first["items"][1]["left_at"] is not None
    rest = members("rep_a", limit=2, cursor=first["next_cursor"])
    assert rest == mine[2:]


def test_members_of_a_missing_or_deleted_segment_are_not_found(cast: Cast) -> None:
    segment = make_segment(cast, "rep_a")
    client = cast.client("rep_a")
    assert client.get(f"{URL}/{10**9}/members").status_code == 404
    assert client.delete(f"{URL}/{segment['id']}").status_code == 204
    assert client.get(f"{URL}/{segment['id']}/members").status_code == 404


def test_delete_restore_and_history(cast: Cast) -> None:
    segment = make_segment(cast, "rep_a")
    client, url = cast.client("rep_a"), f"{URL}/{segment['id']}"
    changed = {"all": [{"field": "city", "op": "=", "value": "杭州"}]}
    assert client.patch(url, json={"definition": changed}).status_code == 200
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert segment["id"] in {s["id"] for s in client.get(f"{URL}/deleted").json()["items"]}
    assert cast.client("rep_b").post(f"{url}/restore").status_code == 403
    assert client.post(f"{url}/restore").status_code == 200
    history = client.get(f"{url}/history").json()["items"]
    assert [h["action"] for h in history][-2:] == ["delete", "restore"]
    definition = [h for h in history if h["field"] == "definition" and h["action"] == "update"]
    assert len(definition) == 1 and "杭州" in definition[0]["new_value"]


def test_filters_by_kind_and_owner(cast: Cast) -> None:
    rules = make_segment(cast, "rep_a")
    manual = cast.client("rep_a").post(URL, json={"name": "x", "kind": "manual"}).json()
    other = make_segment(cast, "rep_b")
    client = cast.client("rep_b")

    def ids(**params: Any) -> set[int]:
        response = client.get(URL, params={"limit": 200, **params})
        assert response.status_code == 200, response.text
        return {s["id"] for s in response.json()["items"]}

    mine = ids(owner_id=cast["rep_a"].id)
    assert mine == {rules["id"], manual["id"]}
    assert ids(owner_id=cast["rep_a"].id, kind="manual") == {manual["id"]}
    assert other["id"] in ids(owner_id=[cast["rep_a"].id, cast["rep_b"].id])
