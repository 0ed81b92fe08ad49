"""List exports in CSV, XLSX and JSON: the same records as the list, usable cells, no formulas."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from rapport.api import export
from tests.api.conftest import Cast, MakeCustomer

URL = "/api/v1/customers/export"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _city() -> str:
    """A city no other test uses, so a filter on it finds only this test's customers."""
    return f"导出{uuid.uuid4().hex[:6]}"


def _sheet_rows(content: bytes) -> tuple[list[str], list[dict[str, Any]], list[dict[str, str]]]:
    """The header, the rows as {column: value} and the cells' data types of an XLSX file."""
    workbook = load_workbook(io.BytesIO(content))
    assert len(workbook.worksheets) == 1
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows())
    header = [str(cell.value) for cell in rows[0]]
    values = [{h: cell.value for h, cell in zip(header, row, strict=True)} for row in rows[1:]]
    types = [{h: cell.data_type for h, cell in zip(header, row, strict=True)} for row in rows[1:]]
    return header, values, types


def test_xlsx_has_numbers_dates_and_neutralised_text(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    city = _city()
    evil = make_customer(by="rep_a", name='=HYPERLINK("http://evil")', city=city,
                         phone="+8613800138001", notes="-2+3", birthday="1990-05-17")  # fmt: skip
    wang = make_customer(by="rep_a", name="王小明", city=city, employee_count=12,
                         annual_revenue_minor=129900, notes="#N/A")  # fmt: skip
    response = cast.client("rep_a").get(
        URL, params={"city": city, "format": "xlsx", "sort": "name"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="customers-')
    assert disposition.endswith('.xlsx"')
    header, rows, types = _sheet_rows(response.content)
    assert header[:3] == ["id", "kind", "name"]
    assert "created_at (UTC)" in header and "lifecycle_changed_at (UTC)" in header
    assert "birthday" in header  # a date has no zone to name
    assert [r["name"] for r in rows] == ['\'=HYPERLINK("http://evil")', "王小明"]
    bad, good = rows
    assert types[0]["name"] == "s"  # text, not a formula
    assert bad["id"] == evil["id"]
    assert bad["phone"] == "+8613800138001"  # an E.164 number stays usable
    assert bad["notes"] == "'-2+3"
    assert bad["birthday"] == datetime(1990, 5, 17)
    assert bad["employee_count"] is None
    assert bad["marketing_opt_out"] is False
    assert good["employee_count"] == 12 and isinstance(good["employee_count"], int)
    assert good["annual_revenue_minor"] == 129900
    assert good["notes"] == "#N/A" and types[1]["notes"] == "s"  # text, not an error value
    assert good["city"] == city  # Chinese intact
    created = datetime.fromisoformat(wang["created_at"]).astimezone(UTC).replace(tzinfo=None)
    assert isinstance(good["created_at (UTC)"], datetime)
    assert abs((good["created_at (UTC)"] - created).total_seconds()) < 0.001


def test_xlsx_drops_characters_a_worksheet_cannot_hold(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    city = _city()
    make_customer(by="rep_a", city=city, notes="bell\x07 and\ttab")
    response = cast.client("rep_a").get(URL, params={"city": city, "format": "xlsx"})
    assert response.status_code == 200, response.text
    _, rows, _ = _sheet_rows(response.content)
    assert [r["notes"] for r in rows] == ["bell and\ttab"]


def test_json_equals_the_list(
    cast: Cast, make_customer: MakeCustomer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of two, so the array is joined across pages."""
    monkeypatch.setattr(export, "PAGE", 2)
    city = _city()
    for name in ("Ada", "王芳", "=1+1", "Bo", "Cy"):
        make_customer(by="rep_a", name=name, city=city, custom_fields={})
    client = cast.client("rep_a")
    params = {"city": city, "sort": "-name"}
    listed = client.get("/api/v1/customers", params={**params, "limit": 200}).json()["items"]
    response = client.get(URL, params={**params, "format": "json"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"].endswith('.json"')
    assert json.loads(response.content) == listed
    assert [c["name"] for c in listed] == ["王芳", "Cy", "Bo", "Ada", "=1+1"]  # as in the list


def test_json_of_no_records_is_an_empty_array(cast: Cast) -> None:
    response = cast.client("rep_a").get(URL, params={"city": _city(), "format": "json"})
    assert response.status_code == 200
    assert json.loads(response.content) == []


def test_csv_stays_the_default(cast: Cast, make_customer: MakeCustomer) -> None:
    city = _city()
    make_customer(by="rep_a", name="@SUM(A1)", city=city)
    client = cast.client("rep_a")
    default = client.get(URL, params={"city": city})
    explicit = client.get(URL, params={"city": city, "format": "csv"})
    assert default.headers["content-type"] == "text/csv; charset=utf-8"
    assert default.headers["content-disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(explicit.text.removeprefix("\ufeff"))))
    assert [r["name"] for r in rows] == ["'@SUM(A1)"]
    assert explicit.headers["content-type"] == default.headers["content-type"]


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "json"])
def test_every_format_respects_permissions(
    cast: Cast, make_customer: MakeCustomer, file_format: str
) -> None:
    city = _city()
    mine = make_customer(by="rep_a", city=city)["id"]
    colleague = make_customer(by="rep_a2", city=city)["id"]
    other_team = make_customer(by="rep_b", city=city)["id"]

    def ids(by: str) -> set[int]:
        response = cast.client(by).get(URL, params={"city": city, "format": file_format})
        assert response.status_code == 200, response.text
        if file_format == "json":
            return {c["id"] for c in json.loads(response.content)}
        if file_format == "xlsx":
            return {r["id"] for r in _sheet_rows(response.content)[1]}
        return {int(r["id"]) for r in csv.DictReader(io.StringIO(response.text[1:]))}

    assert ids("rep_a") == {mine}
    assert ids("manager_a") == {mine, colleague}
    assert ids("rep_b") == {other_team}
    assert ids("admin") == {mine, colleague, other_team}


def test_an_unknown_format_is_refused(cast: Cast) -> None:
    response = cast.client("rep_a").get(URL, params={"format": "pdf"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["path"] == "query.format"


def test_other_record_types_export_too(cast: Cast) -> None:
    """Segments have a JSON column (definition): as JSON text in the sheet."""
    client = cast.client("rep_a")
    name = f"Seg {uuid.uuid4().hex[:6]}"
    made = client.post("/api/v1/segments", json={"name": name, "kind": "manual"}).json()
    response = client.get("/api/v1/segments/export", params={"format": "xlsx"})
    assert response.status_code == 200, response.text
    _, rows, _ = _sheet_rows(response.content)
    row = next(r for r in rows if r["id"] == made["id"])
    assert row["name"] == name
    assert row["definition"] == "{}"
    assert row["kind"] == "manual"
