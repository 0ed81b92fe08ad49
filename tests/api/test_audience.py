"""A segment's audience export: consented, visible current members, hashed per platform."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import timedelta
from typing import Any

import schemathesis

from rapport.consents.models import Consent, ConsentStatus
from rapport.db import session_scope, utcnow
from rapport.segments.models import SegmentMembership
from tests.api.conftest import Cast, MakeCustomer

URL = "/api/v1/segments"
GIVEN, WITHDRAWN = ConsentStatus.GIVEN, ConsentStatus.WITHDRAWN


def _segment(cast: Cast, by: str = "rep_a") -> int:
    response = cast.client(by).post(URL, json={"name": "Lookalike seed", "kind": "manual"})
    assert response.status_code == 201, response.text
    segment_id: int = response.json()["id"]
    return segment_id


def _add(cast: Cast, segment_id: int, *customer_ids: int, left: bool = False) -> None:
    """The customers put in the segment (or in it once, and gone since)."""
    now = utcnow()
    left_at = now - timedelta(days=1) if left else None
    entered_at = now - timedelta(days=30)
    with session_scope(cast.app.state.sessionmaker) as session:
        session.add_all(
            SegmentMembership(
                segment_id=segment_id, customer_id=c, entered_at=entered_at, left_at=left_at
            )
            for c in customer_ids
        )


def _consent(
    cast: Cast, customer_id: int, status: ConsentStatus, days_ago: int,
    purpose: str = "audience_export", channel: str | None = None,
) -> None:  # fmt: skip
    with session_scope(cast.app.state.sessionmaker) as session:
        session.add(Consent(customer_id=customer_id, purpose=purpose, channel=channel,
                            status=status, at=utcnow() - timedelta(days=days_ago),
                            source="web_form"))  # fmt: skip


def _export(
    cast: Cast, by: str, segment_id: int, **params: Any
) -> tuple[list[dict[str, str]], dict[str, int]]:
    """The file's rows and the counts in the headers."""
    response = cast.client(by).get(f"{URL}/{segment_id}/audience", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.splitlines()[0] == "email_sha256,phone_sha256"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    counts = {
        name: int(response.headers[f"X-Audience-{name}"])
        for name in ("Members", "Included", "Excluded-Opted-Out", "Excluded-No-Consent",
                     "Excluded-No-Contact")
    }  # fmt: skip
    return rows, counts


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_hashes_follow_each_platforms_normalisation(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    """The API stores " Li.Na@Example.COM " as li.na@example.com and "138 0013 8000" as
    +8613800138000; Google hashes the E.164 form, Meta its digits without the +
    (digests from ``printf %s '+8613800138000' | sha256sum`` and so on)."""
    li = make_customer(by="rep_a", email=" Li.Na@Example.COM ", phone="138 0013 8000")
    assert (li["email"], li["phone"]) == ("li.na@example.com", "+8613800138000")
    segment = _segment(cast)
    _add(cast, segment, li["id"])
    _consent(cast, li["id"], GIVEN, days_ago=3)
    email = "2df6ace21e6b4e887bed4927c50aa7860c82d52706644899c684a89e2a932159"
    assert _sha256("li.na@example.com") == email
    google_phone = "ec61f3c620a98bdead8c1f1f0ae747abd1b62a0c2dba4fd4bc22cf0d1d8653e5"
    meta_phone = "bf08aacce7f9b2452863cf99373043c3333f0e3127f1f787c4abb46ab6cf2b83"
    google, _ = _export(cast, "rep_a", segment)
    assert google == [{"email_sha256": email, "phone_sha256": google_phone}]
    meta, _ = _export(cast, "rep_a", segment, platform="meta", format="csv")
    assert meta == [{"email_sha256": email, "phone_sha256": meta_phone}]


def test_a_missing_field_hashes_to_empty_and_no_contact_is_left_out(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    email_only = make_customer(by="rep_a", email="only@example.com")["id"]
    phone_only = make_customer(by="rep_a", phone="+14155552671")["id"]
    wechat_only = make_customer(by="rep_a", wechat_id="wxid_only")["id"]
    segment = _segment(cast)
    _add(cast, segment, email_only, phone_only, wechat_only)
    for customer in (email_only, phone_only, wechat_only):
        _consent(cast, customer, GIVEN, days_ago=1)
    rows, counts = _export(cast, "rep_a", segment, platform="meta")
    assert rows == [
        {"email_sha256": _sha256("only@example.com"), "phone_sha256": ""},
        {"email_sha256": "", "phone_sha256": _sha256("14155552671")},
    ]
    assert counts == {"Members": 3, "Included": 2, "Excluded-Opted-Out": 0,
                      "Excluded-No-Consent": 0, "Excluded-No-Contact": 1}  # fmt: skip


def test_only_the_newest_audience_consent_counts(cast: Cast, make_customer: MakeCustomer) -> None:
    """withdrawn later: out; withdrawn, then given again: in; given on one channel: in;
    no entry, or consent to another purpose only: out."""
    ids = {
        name: make_customer(by="rep_a", email=f"{name}@example.com")["id"]
        for name in ("withdrawn", "regiven", "channel", "none", "marketing")
    }
    segment = _segment(cast)
    _add(cast, segment, *ids.values())
    _consent(cast, ids["withdrawn"], GIVEN, days_ago=10)
    _consent(cast, ids["withdrawn"], WITHDRAWN, days_ago=2)
    _consent(cast, ids["regiven"], WITHDRAWN, days_ago=10)
    _consent(cast, ids["regiven"], GIVEN, days_ago=2)
    _consent(cast, ids["channel"], GIVEN, days_ago=2, channel="email")
    _consent(cast, ids["marketing"], GIVEN, days_ago=2, purpose="marketing")
    rows, counts = _export(cast, "rep_a", segment)
    assert [r["email_sha256"] for r in rows] == [
        _sha256("regiven@example.com"), _sha256("channel@example.com")
    ]  # fmt: skip
    assert counts["Included"] == 2
    assert counts["Excluded-No-Consent"] == 3


def test_an_opt_out_wins_over_consent(cast: Cast, make_customer: MakeCustomer) -> None:
    opted_out = make_customer(by="rep_a", email="out@example.com", marketing_opt_out=True)["id"]
    neither = make_customer(by="rep_a", email="neither@example.com", marketing_opt_out=True)["id"]
    segment = _segment(cast)
    _add(cast, segment, opted_out, neither)
    _consent(cast, opted_out, GIVEN, days_ago=1)
    rows, counts = _export(cast, "rep_a", segment)
    assert rows == []
    assert counts == {"Members": 2, "Included": 0, "Excluded-Opted-Out": 2,
                      "Excluded-No-Consent": 0, "Excluded-No-Contact": 0}  # fmt: skip


def test_hidden_former_and_deleted_members_leave_no_trace(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    """rep_a sees their own customer only; rep_b's, one who left the segment and one in
    the recycle bin are neither in the file nor counted. The admin sees rep_b's too."""
    mine = make_customer(by="rep_a", email="mine@example.com")["id"]
    theirs = make_customer(by="rep_b", email="theirs@example.com")["id"]
    former = make_customer(by="rep_a", email="former@example.com")["id"]
    binned = make_customer(by="rep_a", email="binned@example.com")["id"]
    segment = _segment(cast)
    _add(cast, segment, mine, theirs, binned)
    _add(cast, segment, former, left=True)
    for customer in (mine, theirs, former, binned):
        _consent(cast, customer, GIVEN, days_ago=1)
    assert cast.client("rep_a").delete(f"/api/v1/customers/{binned}").status_code == 204
    rows, counts = _export(cast, "rep_a", segment)
    assert [r["email_sha256"] for r in rows] == [_sha256("mine@example.com")]
    assert counts == {"Members": 1, "Included": 1, "Excluded-Opted-Out": 0,
                      "Excluded-No-Consent": 0, "Excluded-No-Contact": 0}  # fmt: skip
    everyone, counts = _export(cast, "admin", segment)
    assert [r["email_sha256"] for r in everyone] == [
        _sha256("mine@example.com"), _sha256("theirs@example.com")
    ]  # fmt: skip
    assert counts["Members"] == counts["Included"] == 2


def test_unknown_segments_formats_and_platforms_are_refused(cast: Cast) -> None:
    client = cast.client("rep_a")
    assert client.get(f"{URL}/999999999/audience").status_code == 404
    segment = _segment(cast)
    bad_format = client.get(f"{URL}/{segment}/audience", params={"format": "xlsx"})
    assert bad_format.status_code == 422
    assert bad_format.json()["error"]["fields"][0]["path"] == "query.format"
    bad_platform = client.get(f"{URL}/{segment}/audience", params={"platform": "tiktok"})
    assert bad_platform.json()["error"]["fields"][0]["path"] == "query.platform"


def test_an_empty_segment_gives_just_the_header(cast: Cast) -> None:
    rows, counts = _export(cast, "analyst", _segment(cast))
    assert rows == []
    assert set(counts.values()) == {0}


def test_the_answer_fits_the_schema(cast: Cast, make_customer: MakeCustomer) -> None:
    """The documented headers are the ones sent, and Schemathesis finds the answer true to
    the schema (its own fuzzing seldom reaches a segment that exists)."""
    customer = make_customer(by="rep_a", email="schema@example.com")["id"]
    segment = _segment(cast)
    _add(cast, segment, customer)
    _consent(cast, customer, GIVEN, days_ago=1)
    path = "/api/v1/segments/{record_id}/audience"
    documented = cast.app.openapi()["paths"][path]["get"]["responses"]["200"]["headers"]
    response = cast.client("rep_a").get(f"{URL}/{segment}/audience")
    sent = {name for name in response.headers if name.startswith("x-audience-")}
    assert sent == {name.lower() for name in documented}
    operation = schemathesis.openapi.from_asgi("/openapi.json", cast.app)[path]["GET"]
    for platform in ("google", "meta"):
        case = operation.Case(path_parameters={"record_id": segment}, query={"platform": platform})
        case.call_and_validate(headers={"Authorization": f"Bearer {cast['rep_a'].token}"})
