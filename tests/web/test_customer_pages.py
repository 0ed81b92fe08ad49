"""The customer list, forms, bin and merge, and the 360 page with its quick actions."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.conftest import Cast, MakeCustomer
from tests.web.conftest import sign_in


def test_search_finds_a_customer_by_chinese_name_and_by_pinyin(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    wanted = make_customer(name="欧阳娜娜", owner_id=cast["rep_a"].id)
    make_customer(name="Someone Else", owner_id=cast["rep_a"].id)
    visitor = sign_in(cast, "rep_a")
    by_name = visitor.client.get("/customers", params={"q": "欧阳"})
    assert f'href="/customers/{wanted["id"]}"' in by_name.text
    assert "Someone Else" not in by_name.text
    by_pinyin = visitor.client.get("/customers", params={"q": "ouyang"})
    assert "欧阳娜娜" in by_pinyin.text


def test_the_list_shows_only_what_the_user_may_see(cast: Cast, make_customer: MakeCustomer) -> None:
    mine = make_customer(name="Mine Ltd", owner_id=cast["rep_a"].id)
    theirs = make_customer(name="Theirs Ltd", owner_id=cast["rep_b"].id)
    visitor = sign_in(cast, "rep_a")
    page = visitor.client.get("/customers").text
    assert "Mine Ltd" in page
    assert "Theirs Ltd" not in page
    assert visitor.client.get(f"/customers/{mine['id']}").status_code == 200
    hidden = visitor.client.get(f"/customers/{theirs['id']}")
    assert hidden.status_code == 404
    assert "Theirs Ltd" not in hidden.text
    assert visitor.client.get(f"/customers/{theirs['id']}/edit").status_code == 404


def test_htmx_gets_only_the_results(cast: Cast, make_customer: MakeCustomer) -> None:
    make_customer(name="Fragment Co", owner_id=cast["rep_a"].id)
    visitor = sign_in(cast, "rep_a")
    headers = {"HX-Request": "true", "HX-Target": "customer-results"}
    response = visitor.client.get("/customers", params={"q": "Fragment"}, headers=headers)
    assert "Fragment Co" in response.text
    assert "<html" not in response.text


def test_create_shows_errors_beside_the_fields_and_keeps_the_input(cast: Cast) -> None:
    visitor = sign_in(cast, "rep_a")
    response: Any = visitor.post(
        "/customers/new", {"kind": "person", "name": "", "email": "not-an-email", "city": "杭州"}
    )
    assert response.status_code == 422
    assert 'id="name-error"' in response.text
    assert 'id="email-error"' in response.text
    assert 'value="杭州"' in response.text
    made: Any = visitor.post(
        "/customers/new", {"kind": "person", "name": "李雷", "email": "li.lei@example.com",
                           "owner_id": str(cast["rep_a"].id)},
    )  # fmt: skip
    assert made.status_code == 303
    page = visitor.client.get(made.headers["location"])
    assert "李雷" in page.text
    assert "li.lei@example.com" in page.text


def test_edit_clears_an_emptied_field(cast: Cast, make_customer: MakeCustomer) -> None:
    customer = make_customer(name="Clear Me", city="Suzhou", owner_id=cast["rep_a"].id)
    visitor = sign_in(cast, "rep_a")
    saved: Any = visitor.post(
        f"/customers/{customer['id']}/edit", {"kind": "person", "name": "Clear Me", "city": ""}
    )
    assert saved.status_code == 303
    api = cast.client("admin").get(f"/api/v1/customers/{customer['id']}").json()
    assert api["city"] is None


def test_logging_a_call_puts_it_on_the_timeline(cast: Cast, make_customer: MakeCustomer) -> None:
    customer = make_customer(name="Call Me", owner_id=cast["rep_a"].id)
    visitor = sign_in(cast, "rep_a")
    response: Any = visitor.post(
        f"/customers/{customer['id']}/interactions",
        {"kind": "call", "direction": "outbound", "subject": "Renewal", "body": "Wants a quote"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'id="timeline"' in response.text
    assert "Renewal" in response.text
    logged = (
        cast.client("admin")
        .get("/api/v1/interactions", params={"customer_id": customer["id"]})
        .json()["items"]
    )
    assert [(i["kind"], i["subject"], i["user_id"]) for i in logged] == [
        ("call", "Renewal", cast["rep_a"].id)
    ]


def test_a_time_typed_in_a_form_is_read_on_the_configured_clock(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer(name="Clock", owner_id=cast["rep_a"].id)
    visitor = sign_in(cast, "rep_a")
    visitor.post(
        f"/customers/{customer['id']}/interactions",
        {"kind": "note", "subject": "dated", "occurred_at": "2026-03-01T09:30"},
    )
    logged = (
        cast.client("admin")
        .get("/api/v1/interactions", params={"customer_id": customer["id"]})
        .json()["items"]
    )
    assert logged[0]["occurred_at"].startswith("2026-03-01T09:30")  # UTC is the default zone


def test_quick_task_and_deal_land_on_the_customer(cast: Cast, make_customer: MakeCustomer) -> None:
    customer = make_customer(name="Busy Co", owner_id=cast["rep_a"].id)
    visitor = sign_in(cast, "rep_a")
    task: Any = visitor.post(f"/customers/{customer['id']}/tasks", {"title": "Send catalogue"})
    assert task.status_code == 303
    bad: Any = visitor.post(f"/customers/{customer['id']}/deals", {"name": "Big", "amount": "x"})
    assert bad.status_code == 422
    assert "Enter a number" in bad.text
    admin = cast.client("admin")
    tasks = admin.get("/api/v1/tasks", params={"customer_id": customer["id"]}).json()["items"]
    assert [t["title"] for t in tasks] == ["Send catalogue"]


def test_analysts_see_customers_but_get_no_forms(cast: Cast, make_customer: MakeCustomer) -> None:
    customer = make_customer(name="Read Only", owner_id=cast["rep_a"].id)
    visitor = sign_in(cast, "analyst")
    page = visitor.client.get(f"/customers/{customer['id']}").text
    assert "Read Only" in page
    assert "/interactions" not in page
    refused: Any = visitor.post(f"/customers/{customer['id']}/interactions", {"kind": "note"})
    assert refused.status_code == 403


def test_bulk_tag_and_assign(cast: Cast, make_customer: MakeCustomer) -> None:
    first = make_customer(name="Bulk One", owner_id=cast["rep_a"].id)
    second = make_customer(name="Bulk Two", owner_id=cast["rep_a"].id)
    visitor = sign_in(cast, "manager_a")
    ids = [str(first["id"]), str(second["id"])]
    tagged: Any = visitor.post("/customers/bulk", {"ids": ids, "action": "tag", "tag": "VIP 贵宾"})
    assert tagged.status_code == 303
    page = visitor.client.get(f"/customers/{first['id']}").text
    assert "VIP 贵宾" in page
    moved: Any = visitor.post(
        "/customers/bulk", {"ids": ids, "action": "assign", "owner_id": str(cast["rep_a2"].id)}
    )
    assert moved.status_code == 303
    admin = cast.client("admin")
    owners = {admin.get(f"/api/v1/customers/{i}").json()["owner_id"] for i in ids}
    assert owners == {cast["rep_a2"].id}
    refused: Any = sign_in(cast, "rep_b").post(
        "/customers/bulk", {"ids": ids, "action": "tag", "tag": "hijack"}
    )
    assert refused.status_code == 404


def test_delete_restore_and_merge(cast: Cast, make_customer: MakeCustomer) -> None:
    keep = make_customer(name="张三", email="zhang@example.com", owner_id=cast["rep_a"].id)
    twin = make_customer(name="张三", phone="+8613800138000", owner_id=cast["rep_a"].id)
    visitor = sign_in(cast, "rep_a")
    choices = visitor.client.get(f"/customers/{keep['id']}/merge").text
    assert f'value="{twin["id"]}"' in choices
    merged: Any = visitor.post(f"/customers/{keep['id']}/merge", {"duplicate_id": str(twin["id"])})
    assert merged.status_code == 303
    survivor = cast.client("admin").get(f"/api/v1/customers/{keep['id']}").json()
    assert survivor["phone"] == "+8613800138000"
    assert visitor.post(f"/customers/{keep['id']}/delete").status_code == 303
    assert "张三" in visitor.client.get("/customers/bin").text
    assert visitor.post(f"/customers/{keep['id']}/restore").status_code == 303
    assert visitor.client.get(f"/customers/{keep['id']}").status_code == 200


def test_a_custom_field_filter_and_a_wrong_one(cast: Cast, make_customer: MakeCustomer) -> None:
    key = f"tier_{uuid.uuid4().hex[:4]}"
    admin = cast.client("admin")
    field = {"entity": "customer", "key": key, "label": "Tier", "field_type": "text"}
    made = admin.post("/api/v1/custom-fields", json=field)
    assert made.status_code == 201, made.text
    make_customer(name="Gold Co", owner_id=cast["rep_a"].id, custom_fields={key: "gold"})
    make_customer(name="Plain Co", owner_id=cast["rep_a"].id)
    visitor = sign_in(cast, "rep_a")
    page = visitor.client.get("/customers", params={"cf": f"{key}:gold"}).text
    assert "Gold Co" in page
    assert "Plain Co" not in page
    wrong = visitor.client.get("/customers", params={"cf": "no_such_field:x"})
    assert wrong.status_code == 200
    assert "Some filters were not understood" in wrong.text


def test_more_filters_narrow_by_place_kind_and_date_and_stay_chosen(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    marker = f"m{uuid.uuid4().hex[:6]}"
    make_customer(name=f"{marker} 沪", owner_id=cast["rep_a"].id, city="上海", kind="company")
    make_customer(name=f"{marker} 京", owner_id=cast["rep_a"].id, city="北京", kind="company")
    make_customer(name=f"{marker} 个人", owner_id=cast["rep_a"].id, city="上海")
    visitor = sign_in(cast, "rep_a")
    params = {"q": marker, "city": "上海", "kind": "company", "created_from": "2020-01-01"}
    page = visitor.client.get("/customers", params=params).text
    assert f"{marker} 沪" in page
    assert f"{marker} 京" not in page and f"{marker} 个人" not in page
    assert '<details class="more-filters" open>' in page  # the chosen filters stay in view
    assert 'name="created_from" type="date" value="2020-01-01"' in page
    later = visitor.client.get("/customers", params={**params, "created_from": "2999-01-01"})
    assert f"{marker} 沪" not in later.text
    closed = visitor.client.get("/customers", params={"q": marker}).text
    assert '<details class="more-filters">' in closed


def test_a_saved_view_keeps_the_search_and_filters(cast: Cast, make_customer: MakeCustomer) -> None:
    make_customer(name="视图客户", owner_id=cast["rep_a"].id, channel="wechat")
    owner = sign_in(cast, "rep_a")
    query = "q=%E8%A7%86%E5%9B%BE&channel=wechat&cursor=abc&sort=name"
    saved: Any = owner.post("/customers/views", {"name": "微信 视图", "query": query})
    assert saved.status_code == 303
    assert saved.headers["location"] == "/customers?q=%E8%A7%86%E5%9B%BE&channel=wechat&sort=name"
    page = owner.client.get("/customers").text
    assert "微信 视图" in page
    assert "视图客户" in owner.client.get(saved.headers["location"]).text
    unnamed: Any = owner.post("/customers/views", {"name": " ", "query": query})
    assert unnamed.status_code == 422
    other = sign_in(cast, "rep_b")
    assert "微信 视图" not in other.client.get("/customers").text  # not shared
    shared: Any = owner.post(
        "/customers/views", {"name": "Team view", "query": "", "shared": "true"}
    )
    assert shared.status_code == 303
    other_page = other.client.get("/customers").text
    assert "Team view" in other_page
    views_bar = other_page.split('class="saved-views"')[1].split("</nav>")[0]
    assert "/delete" not in views_bar  # others see a shared view, with no button to remove it


def test_a_wrong_value_is_named_in_the_readers_language(cast: Cast) -> None:
    visitor = sign_in(cast, "rep_a")
    assert visitor.post("/language", {"lang": "zh_CN", "next": "/"}).status_code == 303  # type: ignore[attr-defined]
    answer: Any = visitor.post(
        "/customers/new", {"kind": "person", "name": "王五", "email": "wang@", "phone": "12"}
    )
    assert answer.status_code == 422
    assert "“wang@”不是有效的邮箱地址。" in answer.text
    assert "“12”不是 CN 地区的有效电话号码" in answer.text


def test_a_refusal_of_the_services_is_said_in_the_readers_language(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    email = f"zhang.{uuid.uuid4().hex[:6]}@example.com"
    taken = make_customer(name="张三", email=email, owner_id=cast["rep_a"].id)
    visitor = sign_in(cast, "rep_a")
    english: Any = visitor.post(
        "/customers/new", {"kind": "person", "name": "张三丰", "email": email}
    )
    assert english.status_code == 422
    assert f"Customer {taken['id']} already has the email {email}" in english.text
    assert visitor.post("/language", {"lang": "zh_CN", "next": "/"}).status_code == 303  # type: ignore[attr-defined]
    clash: Any = visitor.post(
        "/customers/new", {"kind": "person", "name": "张三丰", "email": email}
    )
    assert clash.status_code == 422
    beside_email = clash.text.split('id="email-error"')[1].split("</")[0]
    assert f"客户 {taken['id']} 已在使用邮箱 {email}" in beside_email
    nobody: Any = visitor.post(
        "/customers/new", {"kind": "person", "name": "李四", "owner_id": "999999999"}
    )
    assert nobody.status_code == 422
    assert "用户 999999999 不存在或已停用" in nobody.text
    theirs: Any = visitor.post(
        "/customers/new", {"kind": "person", "name": "王五", "owner_id": str(cast["rep_b"].id)}
    )
    assert theirs.status_code == 403
    assert "只能把记录分配给自己；经理还可以分配给本团队的成员" in theirs.text
    wrong_filter = visitor.client.get("/customers", params={"cf": "no_such_field:x"})
    assert "客户没有自定义字段" in wrong_filter.text
