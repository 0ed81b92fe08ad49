"""Personal-data rights through the API: the export of everything held, and erasure."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from rapport.audit.models import AuditEntry
from rapport.consents.models import Consent
from rapport.customers.models import Customer, Tag, customer_tags
from rapport.db import session_scope, utcnow
from rapport.deals.models import Deal
from rapport.events.models import Event
from rapport.interactions.models import Interaction
from rapport.orders.models import Order, OrderItem
from rapport.scores.models import CustomerScore
from rapport.segments.models import Segment, SegmentMembership
from rapport.surveys.models import SurveyResponse
from rapport.tasks.models import Task
from rapport.tickets.models import Ticket
from tests.api.conftest import Cast, MakeCustomer

SECTIONS = [
    "customer",
    "tags",
    "custom_fields",
    "consents",
    "orders",
    "order_items",
    "deals",
    "interactions",
    "tickets",
    "survey_responses",
    "events",
    "tasks",
    "segment_memberships",
    "scores",
    "audit_log",
]
REASON = "data-subject request DSR-1"


def _post(cast: Cast, by: str, url: str, **body: Any) -> dict[str, Any]:
    response = cast.client(by).post(f"/api/v1/{url}", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@dataclass
class Held:
    """A customer of rep_a with one or more of every kind of record, and its secrets."""

    id: int
    tag: str
    name: str
    name_latin: str
    email: str
    old_email: str
    phone: str
    secrets: list[str]  # texts that must vanish everywhere on erasure
    order_totals: list[int]
    visitor: str
    event_ids: list[int]


def _held(cast: Cast, make_customer: MakeCustomer) -> Held:
    tag = uuid.uuid4().hex[:8]
    key = f"shoe_{tag}"
    _post(
        cast,
        "admin",
        "custom-fields",
        entity="customer",
        key=key,
        label="Shoe size",
        label_zh="鞋码",
        field_type="text",
    )
    old_email = f"old-{tag}@example.com"
    phone = f"+86139{int(tag, 16) % 10**8:08d}"
    customer = make_customer(
        by="rep_a",
        name=f"王思源{tag}",
        email=old_email,
        phone=phone,
        wechat_id=f"wx_{tag}",
        gender="female",
        birthday="1990-05-04",
        birthday_lunar="04-10",
        country="CN",
        province="浙江",
        city="杭州",
        district="西湖区",
        street=f"文三路 {tag} 号",
        postcode="310012",
        job_title="采购经理",
        website=f"https://{tag}.example.com",
        tax_id=f"TAX{tag}",
        notes=f"prefers calls after six {tag}",
        channel="wechat",
        custom_fields={key: f"size 38 {tag}"},
        external_id=f"ext-{tag}",
    )
    cid = customer["id"]
    email = f"new-{tag}@example.com"
    rep = cast.client("rep_a")
    assert rep.patch(f"/api/v1/customers/{cid}", json={"email": email}).status_code == 200

    product = _post(
        cast, "admin", "products", sku=f"SKU-{tag}", name="Oolong", unit_price_minor=1200
    )
    at = (utcnow() - timedelta(days=3)).isoformat()
    orders = [
        _post(
            cast,
            "rep_a",
            "orders",
            customer_id=cid,
            ordered_at=at,
            items=[{"product_id": product["id"], "quantity": n}],
        )
        for n in (1, 3)
    ]
    pipeline = _post(
        cast,
        "admin",
        "pipelines",
        name=f"Sales {tag}",
        stages=[{"name": "Lead"}, {"name": "Won", "outcome": "won"}],
    )
    _post(
        cast,
        "rep_a",
        "deals",
        name=f"Tea for 王思源 {tag}",
        customer_id=cid,
        pipeline_id=pipeline["id"],
        description=f"deal notes {tag}",
        amount_minor=50000,
    )
    call = _post(
        cast,
        "rep_a",
        "interactions",
        customer_id=cid,
        kind="call",
        occurred_at=at,
        subject=f"call subject {tag}",
        body=f"talked about her knee {tag}",
    )
    changed = rep.patch(f"/api/v1/interactions/{call['id']}", json={"body": f"knee again {tag}"})
    assert changed.status_code == 200
    _post(
        cast,
        "rep_a",
        "tickets",
        customer_id=cid,
        subject=f"broken kettle {tag}",
        description=f"lives at the back {tag}",
    )
    survey = _post(cast, "admin", "surveys", name=f"NPS {tag}", kind="nps", question="推荐?")
    _post(
        cast,
        "rep_a",
        "survey-responses",
        survey_id=survey["id"],
        customer_id=cid,
        score=9,
        comment=f"lovely staff {tag}",
    )
    visitor = f"visitor-{tag}"
    own = _post(
        cast,
        "rep_a",
        "events",
        name="page_view",
        session_id=f"s-{tag}",
        occurred_at=at,
        customer_id=cid,
        anonymous_id=visitor,
        page=f"/account/{tag}",
        properties={"ip": "203.0.113.9", "q": tag},
    )
    anonymous = _post(
        cast,
        "admin",
        "events",
        name="page_view",
        session_id=f"s0-{tag}",
        occurred_at=at,
        anonymous_id=visitor,
        page=f"/landing/{tag}",
    )
    _post(
        cast,
        "rep_a",
        "tasks",
        title=f"Call 王思源 back {tag}",
        customer_id=cid,
        description=f"about the knee {tag}",
    )
    _post(
        cast,
        "rep_a",
        f"customers/{cid}/consents",
        purpose="marketing",
        status="given",
        channel="sms",
        source="agent",
        note=f"said yes on the phone {tag}",
    )
    with session_scope(cast.app.state.sessionmaker) as session:
        label = Tag(name=f"VIP {tag}")
        segment = Segment(name=f"Loyal {tag}")
        session.add_all([label, segment])
        session.flush()
        session.execute(customer_tags.insert().values(customer_id=cid, tag_id=label.id))
        session.add(SegmentMembership(segment_id=segment.id, customer_id=cid, entered_at=utcnow()))
        session.add(
            CustomerScore(
                customer_id=cid,
                computed_at=utcnow(),
                model_version="t1",
                churn_risk=0.25,
                clv=812.5,
            )
        )
    return Held(
        id=cid,
        tag=tag,
        name=customer["name"],
        name_latin=customer["name_latin"],
        email=email,
        old_email=old_email,
        phone=phone,
        visitor=visitor,
        event_ids=[own["id"], anonymous["id"]],
        secrets=[
            old_email,
            email,
            phone,
            f"wx_{tag}",
            f"文三路 {tag}",
            f"after six {tag}",
            f"size 38 {tag}",
            f"knee {tag}",
            f"knee again {tag}",
            f"broken kettle {tag}",
            f"back {tag}",
            f"staff {tag}",
            f"/account/{tag}",
            f"Call 王思源 back {tag}",
            f"on the phone {tag}",
            f"TAX{tag}",
            f"deal notes {tag}",
            f"ext-{tag}",
            f"Tea for 王思源 {tag}",
            f"/landing/{tag}",
            f"王思源{tag}",
        ],
        order_totals=sorted(o["total_minor"] for o in orders),
    )


def test_the_export_holds_every_section(cast: Cast, make_customer: MakeCustomer) -> None:
    held = _held(cast, make_customer)
    response = cast.client("rep_a").get(f"/api/v1/customers/{held.id}/personal-data")
    assert response.status_code == 200, response.text
    data = response.json()
    assert [k for k in data if k not in ("customer_id", "exported_at")] == SECTIONS
    assert data["customer"]["email"] == held.email
    assert data["customer"]["street"].startswith("文三路")
    assert [t["name"] for t in data["tags"]] == [f"VIP {held.tag}"]
    assert [(f["label"], f["label_zh"]) for f in data["custom_fields"]] == [("Shoe size", "鞋码")]
    assert data["consents"][0]["note"].startswith("said yes")
    assert sorted(o["total_minor"] for o in data["orders"]) == held.order_totals == [1200, 3600]
    assert sorted(i["quantity"] for i in data["order_items"]) == [1, 3]
    assert data["deals"][0]["amount_minor"] == 50000
    assert data["interactions"][0]["body"].startswith("knee again")
    assert data["tickets"][0]["subject"].startswith("broken kettle")
    assert data["survey_responses"][0]["score"] == 9
    assert [e["customer_id"] for e in data["events"]] == [held.id]  # anonymous: admins only
    assert data["tasks"][0]["title"].startswith("Call")
    assert data["segment_memberships"][0]["segment_name"].startswith("Loyal")
    assert data["scores"][0]["clv"] == 812.5
    emails = [(a["field"], a["old_value"], a["new_value"]) for a in data["audit_log"]]
    assert ("email", held.old_email, held.email) in emails

    everything = cast.client("admin").get(f"/api/v1/customers/{held.id}/personal-data").json()
    assert [e["anonymous_id"] for e in everything["events"]] == [held.visitor] * 2


def test_the_csv_export_is_a_zip_of_one_file_per_section(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    held = _held(cast, make_customer)
    url = f"/api/v1/customers/{held.id}/personal-data"
    response = cast.client("analyst").get(url, params={"format": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == sorted(f"{name}.csv" for name in SECTIONS)
        files = {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in archive.namelist()
        }
    assert [row["email"] for row in files["customer.csv"]] == [held.email]
    assert files["customer.csv"][0]["phone"] == held.phone  # E.164 stays usable
    assert sorted(int(row["total_minor"]) for row in files["orders.csv"]) == held.order_totals
    assert len(files["order_items.csv"]) == 2
    assert {len(rows) > 0 for rows in files.values()} == {True}


def test_the_export_follows_who_may_see_the_customer(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    cid = make_customer(by="rep_a")["id"]
    url = f"/api/v1/customers/{cid}/personal-data"
    for name in ("rep_b", "manager_b"):
        assert cast.client(name).get(url).status_code == 404
    for name in ("rep_a", "manager_a", "agent_a", "analyst", "admin"):
        assert cast.client(name).get(url).status_code == 200
    assert cast.client("admin").get(url, params={"format": "xml"}).status_code == 422
    assert cast.client("admin").get("/api/v1/customers/999999999/personal-data").status_code == 404


def _mentions(text: str) -> ColumnElement[bool]:
    """Audit rows with ``text`` in their old or new value."""
    return or_(AuditEntry.old_value.contains(text), AuditEntry.new_value.contains(text))


def _found(cast: Cast, text: str) -> list[int]:
    response = cast.client("admin").get("/api/v1/customers", params={"q": text, "limit": 200})
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["items"]]


def test_erasure_clears_personal_data_everywhere_and_keeps_the_figures(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    held = _held(cast, make_customer)
    searches = [held.name[:5], held.name_latin[:6], held.email, held.phone, f"wx_{held.tag[:4]}"]
    for text in searches:
        assert held.id in _found(cast, text), text
    with session_scope(cast.app.state.sessionmaker) as session:
        before = select(func.count()).where(_mentions(held.old_email))
        assert session.scalar(before) == 2  # created with it, then changed from it
    erase = {"confirm": True, "reason": REASON}
    response = cast.client("admin").post(f"/api/v1/customers/{held.id}/erase", json=erase)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["customer_ids"] == [held.id]
    assert result["scrubbed"] == {
        "interactions": 1,
        "tickets": 1,
        "survey_responses": 1,
        "tasks": 1,
        "deals": 1,
        "consents": 1,
        "tags": 1,
        "events": 2,
    }
    assert result["audit_values"] > 0

    for text in searches:
        assert held.id not in _found(cast, text), text
    with session_scope(cast.app.state.sessionmaker) as session:
        customer = session.get_one(Customer, held.id)
        assert customer.name == f"已删除客户 / Erased customer #{held.id}"
        for field in (
            "name_latin",
            "email",
            "phone",
            "wechat_id",
            "gender",
            "birthday",
            "birthday_lunar",
            "district",
            "street",
            "postcode",
            "job_title",
            "website",
            "tax_id",
            "notes",
            "external_id",
        ):
            assert getattr(customer, field) is None, field
        assert customer.custom_fields == {}
        assert customer.anonymised_at is not None
        assert customer.marketing_opt_out is True
        kept = (
            customer.kind,
            customer.channel,
            customer.country,
            customer.province,
            customer.city,
            customer.owner_id,
            customer.deleted_at,
        )
        assert kept == ("person", "wechat", "CN", "浙江", "杭州", cast["rep_a"].id, None)

        def rows(model: Any) -> list[Any]:
            return list(session.scalars(select(model).where(model.customer_id == held.id)))

        assert [(i.subject, i.body) for i in rows(Interaction)] == [(None, None)]
        assert [(t.subject, t.description) for t in rows(Ticket)] == [("(erased)", None)]
        assert [(r.comment, r.score) for r in rows(SurveyResponse)] == [(None, 9)]
        assert [(t.title, t.description) for t in rows(Task)] == [("(erased)", None)]
        deal = rows(Deal)[0]
        assert (deal.name, deal.description) == (f"已删除商机 / Erased deal #{deal.id}", None)
        assert deal.amount_minor == 50000
        assert [(c.note, c.status.value) for c in rows(Consent)] == [(None, "given")]
        events = session.scalars(select(Event).where(Event.id.in_(held.event_ids))).all()
        assert len(events) == 2  # the customer's, and the anonymous one of the same visitor
        visitors = session.scalars(select(Event).where(Event.anonymous_id == held.visitor)).all()
        assert visitors == []
        for event in events:
            assert (event.page, event.properties, event.anonymous_id) == (None, {}, None)
            assert event.session_id.startswith("erased-")
        orders = rows(Order)
        assert sorted(o.total_minor for o in orders) == held.order_totals
        items = select(func.count()).where(OrderItem.order_id.in_([o.id for o in orders]))
        assert session.scalar(items) == 2
        assert len(rows(CustomerScore)) == len(rows(SegmentMembership)) == 1
        tags = select(func.count()).where(customer_tags.c.customer_id == held.id)
        assert session.scalar(tags) == 0

        for secret in held.secrets:
            assert session.scalar(select(func.count()).where(_mentions(secret))) == 0, secret
        erased = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "customer",
                AuditEntry.entity_id == held.id,
                AuditEntry.action == "erase",
            )
        ).all()
        assert [(e.new_value, e.user_id) for e in erased] == [(REASON, cast["admin"].id)]

    listed = cast.client("rep_a").get("/api/v1/orders", params={"customer_id": held.id}).json()
    assert sorted(o["total_minor"] for o in listed["items"]) == held.order_totals
    again = cast.client("rep_a").patch(f"/api/v1/customers/{held.id}", json={"city": "宁波"})
    assert again.status_code == 200  # an erased customer may take new data


def test_only_admins_erase_and_only_when_confirmed(cast: Cast, make_customer: MakeCustomer) -> None:
    customer = make_customer(by="rep_a", email=f"keep-{uuid.uuid4().hex[:8]}@example.com")
    url = f"/api/v1/customers/{customer['id']}/erase"
    body = {"confirm": True, "reason": REASON}
    for name in ("rep_a", "manager_a", "agent_a", "analyst", "rep_b"):
        assert cast.client(name).post(url, json=body).status_code == 403, name
    admin = cast.client("admin")
    unconfirmed = admin.post(url, json={"confirm": False, "reason": REASON})
    assert [f["path"] for f in unconfirmed.json()["error"]["fields"]] == ["body.confirm"]
    assert admin.post(url, json={"confirm": True}).status_code == 422
    assert admin.post("/api/v1/customers/999999999/erase", json=body).status_code == 404
    unchanged = admin.get(f"/api/v1/customers/{customer['id']}").json()
    assert unchanged["email"] == customer["email"]


def test_erasure_reaches_the_duplicates_merged_into_the_customer(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    tag = uuid.uuid4().hex[:8]
    survivor = make_customer(name=f"Li Na {tag}")
    duplicate = make_customer(name=f"Li Na dup {tag}", email=f"dup-{tag}@example.com")
    admin = cast.client("admin")
    merged = admin.post(
        f"/api/v1/customers/{survivor['id']}/merge", json={"duplicate_id": duplicate["id"]}
    )
    assert merged.status_code == 200, merged.text
    result = admin.post(
        f"/api/v1/customers/{survivor['id']}/erase", json={"confirm": True, "reason": REASON}
    ).json()
    assert result["customer_ids"] == [survivor["id"], duplicate["id"]]
    with session_scope(cast.app.state.sessionmaker) as session:
        for cid in result["customer_ids"]:
            customer = session.get_one(Customer, cid)
            assert (customer.email, customer.anonymised_at is not None) == (None, True)
        assert session.scalar(select(func.count()).where(_mentions(tag))) == 0
