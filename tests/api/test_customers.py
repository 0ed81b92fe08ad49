"""Customers through the API: normalisation, errors, history, recycle bin, merge, search."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from rapport.customers.models import Customer
from rapport.db import session_scope, utcnow
from rapport.interactions.models import Interaction, InteractionKind
from tests.api.conftest import Cast, MakeCustomer


def test_create_normalises_phone_email_and_adds_pinyin(cast: Cast) -> None:
    response = cast.client("rep_a").post(
        "/api/v1/customers",
        json={"name": "欧阳娜娜", "phone": "138 0013 8000", "email": " Nana@Example.COM "},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["phone"] == "+8613800138000"
    assert body["email"] == "nana@example.com"
    assert body["name_latin"] == "Ouyang Nana"
    assert body["owner_id"] == cast["rep_a"].id
    assert body["lifecycle_stage"] == "lead"


def test_bad_fields_answer_422_naming_each_field_and_write_nothing(cast: Cast) -> None:
    client = cast.client("admin")
    response = client.post(
        "/api/v1/customers",
        json={"name": "Bad Data Ltd", "email": "not-an-email", "phone": "12", "country": "XX"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    paths = {f["path"] for f in error["fields"]}
    assert paths == {"body.email", "body.phone", "body.country"}
    assert all(f["message"] and "Value error" not in f["message"] for f in error["fields"])
    listed = client.get("/api/v1/customers", params={"q": "Bad Data Ltd"}).json()
    assert listed["items"] == []


def test_rules_beyond_the_schema_name_the_field(cast: Cast, make_customer: MakeCustomer) -> None:
    person = make_customer(name="Not A Company")
    client = cast.client("admin")
    response = client.post("/api/v1/customers", json={"name": "x", "company_id": person["id"]})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["path"] == "body.company_id"
    missing = client.post("/api/v1/customers", json={"name": "x", "owner_id": 10**9})
    assert missing.json()["error"]["fields"][0]["path"] == "body.owner_id"


def test_a_second_live_customer_with_the_same_email_is_a_conflict(
    cast: Cast,
    make_customer: MakeCustomer,
) -> None:
    first = make_customer(email="dup@example.com")
    response = cast.client("admin").post(
        "/api/v1/customers", json={"name": "Other", "email": "DUP@example.com"}
    )
    assert response.status_code == 409
    assert str(first["id"]) in response.json()["error"]["message"]


def test_the_api_refuses_in_english_whatever_the_language_asked(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    first = make_customer(email="english@example.com")
    client = cast.client("admin")
    client.headers["Accept-Language"] = "zh-CN,zh;q=0.9"
    clash = client.post("/api/v1/customers", json={"name": "Other", "email": "english@example.com"})
    assert clash.json()["error"]["message"] == (
        f"customer {first['id']} already has the email english@example.com"
    )
    nobody = client.post("/api/v1/customers", json={"name": "Other", "owner_id": 999999999})
    assert nobody.json()["error"]["fields"] == [
        {"path": "body.owner_id", "message": "no active user 999999999"}
    ]


def test_update_changes_only_what_was_sent_and_history_shows_each_field(
    cast: Cast,
    make_customer: MakeCustomer,
) -> None:
    customer = make_customer(by="rep_a", city="杭州", notes="first")
    client = cast.client("rep_a")
    url = f"/api/v1/customers/{customer['id']}"
    response = client.patch(url, json={"city": "上海", "phone": "+44 20 7946 0958"})
    assert response.status_code == 200, response.text
    assert response.json()["city"] == "上海"
    assert response.json()["notes"] == "first"
    assert response.json()["phone"] == "+442079460958"

    history = client.get(f"{url}/history").json()["items"]
    actions = [(h["action"], h["field"]) for h in history]
    assert ("create", "name") in actions
    changes = {h["field"]: h for h in history if h["action"] == "update"}
    assert set(changes) == {"city", "phone"}
    assert changes["city"]["old_value"] == "杭州"
    assert changes["city"]["new_value"] == "上海"
    assert changes["city"]["user_id"] == cast["rep_a"].id
    assert changes["city"]["source"] == "api"


def test_clearing_a_required_field_is_refused(cast: Cast, make_customer: MakeCustomer) -> None:
    customer = make_customer()
    response = cast.client("admin").patch(
        f"/api/v1/customers/{customer['id']}", json={"name": None}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["path"] == "body.name"


def test_delete_hides_then_restore_brings_back_within_the_window(
    cast: Cast,
    make_customer: MakeCustomer,
) -> None:
    customer = make_customer(name="回收站测试")
    client = cast.client("admin")
    url = f"/api/v1/customers/{customer['id']}"
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert client.get("/api/v1/customers", params={"q": "回收站测试"}).json()["items"] == []
    binned = client.get("/api/v1/customers/deleted").json()["items"]
    assert customer["id"] in [c["id"] for c in binned]

    restored = client.post(f"{url}/restore")
    assert restored.status_code == 200
    assert restored.json()["deleted_at"] is None
    assert client.get(url).status_code == 200
    actions = [h["action"] for h in client.get(f"{url}/history").json()["items"]]
    assert actions[-2:] == ["delete", "restore"]


def test_restore_is_refused_when_the_email_was_taken_meanwhile(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    first = make_customer(email="taken-later@example.com")
    client = cast.client("admin")
    assert client.delete(f"/api/v1/customers/{first['id']}").status_code == 204
    second = make_customer(email="taken-later@example.com")
    response = client.post(f"/api/v1/customers/{first['id']}/restore")
    assert response.status_code == 409
    assert str(second["id"]) in response.json()["error"]["message"]


def test_restore_is_refused_after_the_recycle_bin_days(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer()
    client = cast.client("admin")
    url = f"/api/v1/customers/{customer['id']}"
    assert client.delete(url).status_code == 204
    with session_scope(cast.app.state.sessionmaker) as session:
        session.execute(
            update(Customer)
            .where(Customer.id == customer["id"])
            .values(deleted_at=utcnow() - timedelta(days=31))
        )
    response = client.post(f"{url}/restore")
    assert response.status_code == 409
    assert "30 days" in response.json()["error"]["message"]


def _add_interaction(cast: Cast, customer_id: int) -> None:
    with session_scope(cast.app.state.sessionmaker) as session:
        session.add(
            Interaction(customer_id=customer_id, kind=InteractionKind.CALL, occurred_at=utcnow())
        )


def test_merge_moves_records_fills_gaps_and_audits_both(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    survivor = make_customer(name="李雷", phone="13900139000")
    duplicate = make_customer(name="李雷 (dup)", email="lilei@example.com", city="北京")
    _add_interaction(cast, duplicate["id"])
    _add_interaction(cast, duplicate["id"])
    client = cast.client("admin")

    response = client.post(
        f"/api/v1/customers/{survivor['id']}/merge", json={"duplicate_id": duplicate["id"]}
    )

    assert response.status_code == 200, response.text
    merged = response.json()
    assert merged["email"] == "lilei@example.com"  # filled from the duplicate
    assert merged["city"] == "北京"
    assert merged["phone"] == "+8613900139000"  # kept
    assert client.get(f"/api/v1/customers/{duplicate['id']}").status_code == 404
    with session_scope(cast.app.state.sessionmaker) as session:
        moved = session.query(Interaction).filter_by(customer_id=survivor["id"]).count()
    assert moved == 2
    notes = [
        h["new_value"]
        for h in client.get(f"/api/v1/customers/{survivor['id']}/history").json()["items"]
        if h["action"] == "merge"
    ]
    assert notes == [f"merged customer {duplicate['id']} into this one; moved 2 interactions"]


def test_merging_a_customer_into_itself_is_a_conflict(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer()
    response = cast.client("admin").post(
        f"/api/v1/customers/{customer['id']}/merge", json={"duplicate_id": customer["id"]}
    )
    assert response.status_code == 409


def _names(cast: Cast, q: str) -> set[str]:
    response = cast.client("rep_a").get("/api/v1/customers", params={"q": q})
    assert response.status_code == 200, response.text
    return {c["name"] for c in response.json()["items"]}


def test_search_by_chinese_name_pinyin_email_phone_wechat_and_company(
    cast: Cast,
    make_customer: MakeCustomer,
) -> None:
    company = make_customer(by="rep_a", name="星辰科技有限公司", kind="company")
    make_customer(by="rep_a", name="王小明", email="xiaoming@example.cn", phone="13512345678",
                  wechat_id="wxm_2026", company_id=company["id"])  # fmt: skip
    make_customer(by="rep_a", name="Emily Chen")
    assert _names(cast, "王小") == {"王小明"}
    assert _names(cast, "wang x") == {"王小明"}
    assert _names(cast, "XIAOMING@") == {"王小明"}
    assert _names(cast, "135 1234") == {"王小明"}
    assert _names(cast, "+86135") == {"王小明"}
    assert _names(cast, "wxm_") == {"王小明"}
    assert _names(cast, "星辰") == {"星辰科技有限公司", "王小明"}
    assert _names(cast, "emily") == {"Emily Chen"}
    assert _names(cast, "nobody-by-this-name") == set()


def _all_pages(cast: Cast, params: dict[str, Any]) -> list[dict[str, Any]]:
    client, items, cursor = cast.client("rep_a"), [], None
    while True:
        page = client.get("/api/v1/customers", params={**params, "cursor": cursor}).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_keyset_pages_cover_every_record_once_in_order(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    made = [make_customer(by="rep_a", name=f"Page {i:02d}") for i in range(7)]
    for sort in ("id", "-id", "name", "-name", "-created_at"):
        seen = _all_pages(cast, {"limit": 3, "sort": sort})
        assert [c["id"] for c in seen if c["id"] in {m["id"] for m in made}] == [
            c["id"] for c in seen
        ]
        assert sorted(c["id"] for c in seen) == sorted(m["id"] for m in made), sort
        key = sort.lstrip("-")
        values = [(c[key], c["id"]) for c in seen]
        assert values == sorted(values, reverse=sort.startswith("-")), sort


def test_a_bad_cursor_or_sort_names_the_parameter(cast: Cast) -> None:
    client = cast.client("rep_a")
    bad_cursor = client.get("/api/v1/customers", params={"cursor": "nonsense"})
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["error"]["fields"][0]["path"] == "query.cursor"
    bad_sort = client.get("/api/v1/customers", params={"sort": "birthday"})
    assert bad_sort.status_code == 422
    assert bad_sort.json()["error"]["fields"][0]["path"] == "query.sort"


def test_filters_combine(cast: Cast, make_customer: MakeCustomer) -> None:
    make_customer(by="rep_a", name="Filter One", city="成都", channel="wechat")
    make_customer(by="rep_a", name="Filter Two", city="成都", channel="referral")
    make_customer(by="rep_a", name="Filter Three", city="重庆", channel="wechat")
    client = cast.client("rep_a")
    response = client.get("/api/v1/customers", params={"city": "成都", "channel": "wechat"})
    assert {c["name"] for c in response.json()["items"]} == {"Filter One"}
    both = client.get(
        "/api/v1/customers",
        params=[("owner_id", cast["rep_a"].id), ("city", "重庆")],
    )
    assert {c["name"] for c in both.json()["items"]} == {"Filter Three"}


def test_export_is_csv_of_the_filtered_list_with_formulas_neutralised(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    make_customer(by="rep_a", name="=HYPERLINK(\"http://evil\")", city="导出市",
                  phone="+8613800138001", notes="-2+3")  # fmt: skip
    make_customer(by="rep_a", name="王导出", city="导出市", employee_count=12)
    make_customer(by="rep_a", name="Elsewhere", city="别处")
    response = cast.client("rep_a").get("/api/v1/customers/export",
                                        params={"city": "导出市", "sort": "name"})  # fmt: skip
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
    by_name = {r["name"]: r for r in rows}
    assert set(by_name) == {'\'=HYPERLINK("http://evil")', "王导出"}
    evil = by_name['\'=HYPERLINK("http://evil")']
    assert evil["phone"] == "+8613800138001"  # an E.164 number stays usable
    assert evil["notes"] == "'-2+3"
    assert by_name["王导出"]["employee_count"] == "12"


def test_export_refuses_bad_filters_before_streaming(cast: Cast) -> None:
    response = cast.client("rep_a").get("/api/v1/customers/export", params={"cf": "nonsense"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["path"] == "query.cf.0"
