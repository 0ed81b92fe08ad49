"""The consent ledger through the API: order, what holds, the opt-out rule, access, audit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from rapport.audit.models import AuditEntry
from rapport.db import session_scope, utcnow
from tests.api.conftest import Cast, MakeCustomer


def _url(customer_id: int, tail: str = "") -> str:
    return f"/api/v1/customers/{customer_id}/consents{tail}"


def _ago(days: float) -> str:
    return (utcnow() - timedelta(days=days)).isoformat()


def _add(cast: Cast, customer_id: int, by: str = "admin", **fields: Any) -> dict[str, Any]:
    fields.setdefault("purpose", "marketing")
    fields.setdefault("status", "given")
    fields.setdefault("source", "web_form")
    response = cast.client(by).post(_url(customer_id), json=fields)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _customer(cast: Cast, customer_id: int) -> dict[str, Any]:
    body: dict[str, Any] = cast.client("admin").get(f"/api/v1/customers/{customer_id}").json()
    return body


def _paths(response: Any) -> list[str]:
    return [f["path"] for f in response.json()["error"]["fields"]]


def test_the_ledger_is_newest_first_and_the_newest_entry_holds(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    """Email marketing given 3 days ago, withdrawn 1 day ago; then a backdated 'given'
    of 2 days ago is added: the withdrawal is still the newest, so it holds."""
    cid = make_customer()["id"]
    first = _add(cast, cid, channel="email", at=_ago(3))
    withdrawn = _add(cast, cid, channel="email", status="withdrawn", at=_ago(1))
    profiling = _add(cast, cid, purpose="profiling", at=_ago(2), note="signed form")
    backdated = _add(cast, cid, channel="email", at=_ago(2), source="agent")
    now = _add(cast, cid, purpose="data_transfer", status="withdrawn")
    assert datetime.fromisoformat(now["at"]) > utcnow() - timedelta(minutes=1)  # default: now

    ledger = cast.client("admin").get(_url(cid)).json()
    # newest first by ``at``; the two of the same moment, the later recorded first
    expected = [now, withdrawn, backdated, profiling, first]
    assert [e["id"] for e in ledger["items"]] == [e["id"] for e in expected]
    assert ledger["items"][3]["note"] == "signed form"

    page = cast.client("admin").get(_url(cid), params={"limit": 2}).json()
    rest = cast.client("admin").get(_url(cid), params={"cursor": page["next_cursor"]}).json()
    assert [e["id"] for e in page["items"] + rest["items"]] == [e["id"] for e in expected]

    current = cast.client("admin").get(_url(cid, "/current")).json()
    states = {(s["purpose"], s["channel"]): (s["status"], s["consent_id"]) for s in current}
    assert states == {
        ("data_transfer", None): ("withdrawn", now["id"]),
        ("marketing", "email"): ("withdrawn", withdrawn["id"]),
        ("profiling", None): ("given", profiling["id"]),
    }
    assert [s["purpose"] for s in current] == ["data_transfer", "marketing", "profiling"]


def test_entries_are_checked_and_never_changed(cast: Cast, make_customer: MakeCustomer) -> None:
    cid = make_customer()["id"]
    admin = cast.client("admin")
    future = (utcnow() + timedelta(hours=1)).isoformat()
    bad = {"purpose": "marketing", "status": "given", "source": "api", "at": future}
    assert _paths(admin.post(_url(cid), json=bad)) == ["body.at"]
    wrong = {"purpose": "newsletter", "channel": "fax", "status": "maybe", "source": ""}
    response = admin.post(_url(cid), json=wrong)
    assert response.status_code == 422
    assert sorted(_paths(response)) == [
        "body.channel",
        "body.purpose",
        "body.source",
        "body.status",
    ]
    entry = _add(cast, cid)
    for method in ("PATCH", "PUT", "DELETE"):
        assert admin.request(method, _url(cid), json={}).status_code == 405
        assert admin.request(method, _url(cid, f"/{entry['id']}")).status_code in (404, 405)
    assert admin.get(_url(999_999_999)).status_code == 404


def test_withdrawn_marketing_on_every_channel_opts_the_customer_out(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    """Withdrawals on email, SMS and WeChat leave the flag alone; the phone one completes
    the set, and the opt-out dates from the newest withdrawal."""
    cid = make_customer()["id"]
    for days, channel in ((4, "email"), (3, "sms"), (1, "wechat")):
        _add(cast, cid, channel=channel, status="withdrawn", at=_ago(days))
        assert _customer(cast, cid)["marketing_opt_out"] is False
    last = _add(cast, cid, channel="phone", status="withdrawn", at=_ago(2))
    customer = _customer(cast, cid)
    assert customer["marketing_opt_out"] is True
    assert customer["marketing_opt_out_at"] == _ledger_at(cast, cid, "wechat")
    assert last["at"] < customer["marketing_opt_out_at"]

    _add(cast, cid, channel="sms")  # a given consent that holds lifts it
    customer = _customer(cast, cid)
    assert (customer["marketing_opt_out"], customer["marketing_opt_out_at"]) == (False, None)

    _add(cast, cid, status="withdrawn")  # no channel: withdrawn everywhere
    assert _customer(cast, cid)["marketing_opt_out"] is True
    _add(cast, cid, channel="email", at=_ago(10))  # older than the withdrawal: holds nowhere
    assert _customer(cast, cid)["marketing_opt_out"] is True
    _add(cast, cid, purpose="profiling")  # other purposes do not touch it
    assert _customer(cast, cid)["marketing_opt_out"] is True
    _add(cast, cid, channel="email")
    assert _customer(cast, cid)["marketing_opt_out"] is False

    history = cast.client("admin").get(f"/api/v1/customers/{cid}/history").json()["items"]
    flips = [h["new_value"] for h in history if h["field"] == "marketing_opt_out"]
    assert flips == ["true", "false", "true", "false"]


def _ledger_at(cast: Cast, customer_id: int, channel: str) -> str:
    items = cast.client("admin").get(_url(customer_id)).json()["items"]
    at: str = next(e["at"] for e in items if e["channel"] == channel)
    return at


def test_a_partial_withdrawal_keeps_an_opt_out_set_by_hand(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    cid = make_customer(marketing_opt_out=True)["id"]
    _add(cast, cid, channel="sms", status="withdrawn")
    assert _customer(cast, cid)["marketing_opt_out"] is True


def test_who_reads_and_who_adds(cast: Cast, make_customer: MakeCustomer) -> None:
    """Reading follows seeing the customer, adding follows changing it."""
    cid = make_customer(by="rep_a")["id"]
    entry = {"purpose": "marketing", "status": "given", "source": "agent"}
    for name in ("rep_b", "manager_b"):
        client = cast.client(name)
        assert client.get(_url(cid)).status_code == 404
        assert client.get(_url(cid, "/current")).status_code == 404
        assert client.post(_url(cid), json=entry).status_code == 404
    for name in ("analyst", "agent_a"):
        client = cast.client(name)
        assert client.get(_url(cid)).status_code == 200
        assert client.get(_url(cid, "/current")).status_code == 200
        assert client.post(_url(cid), json=entry).status_code == 403
    for name in ("rep_a", "manager_a", "admin"):
        assert cast.client(name).post(_url(cid), json=entry).status_code == 201
    assert len(cast.client("rep_a").get(_url(cid)).json()["items"]) == 3


def test_each_entry_is_audited_with_who_added_it(cast: Cast, make_customer: MakeCustomer) -> None:
    cid = make_customer(by="rep_a")["id"]
    entry = _add(cast, cid, by="rep_a", channel="wechat", note="asked in the shop")
    with session_scope(cast.app.state.sessionmaker) as session:
        rows = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "consent", AuditEntry.entity_id == entry["id"]
            )
        ).all()
        fields = {row.field: row.new_value for row in rows}
        assert {row.action.value for row in rows} == {"create"}
        assert {row.user_id for row in rows} == {cast["rep_a"].id}
    assert fields["purpose"] == "marketing"
    assert fields["channel"] == "wechat"
    assert fields["status"] == "given"
    assert fields["note"] == "asked in the shop"


def test_an_opt_out_set_on_the_customer_is_written_to_the_ledger(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    customer = make_customer(by="rep_a")
    client = cast.client("rep_a")
    url = f"/api/v1/customers/{customer['id']}"
    assert client.patch(url, json={"marketing_opt_out": True}).status_code == 200
    ledger = client.get(f"{url}/consents").json()["items"]
    assert [(e["purpose"], e["channel"], e["status"]) for e in ledger] == [
        ("marketing", None, "withdrawn")
    ]
    lifted = client.patch(url, json={"marketing_opt_out": False}).json()
    assert lifted["marketing_opt_out_at"] is None
    statuses = [e["status"] for e in client.get(f"{url}/consents").json()["items"]]
    assert statuses == ["given", "withdrawn"]
