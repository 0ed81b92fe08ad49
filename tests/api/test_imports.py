"""Imports through the API: upload, follow the job, download the refused rows."""

from __future__ import annotations

import csv
import io
import json

from tests.api.conftest import Cast, MakeCustomer

FILE = (
    "姓名,手机,邮箱,城市\n"
    "接口导入甲,13811112222,jia@example.cn,北京\n"
    "接口导入乙,123,yi@example.cn,上海\n"
    "接口导入丙,13933334444,,广州\n"
)


def test_upload_imports_in_the_background_and_reports_refused_rows(cast: Cast) -> None:
    client = cast.client("rep_a")
    response = client.post(
        "/api/v1/imports",
        files={"file": ("客户名单.csv", FILE.encode("gb18030"), "text/csv")},
        data={"policy": "skip"},
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]

    job = client.get(f"/api/v1/imports/{job_id}").json()
    assert job["status"] == "done"
    assert (job["created_rows"], job["error_rows"], job["preset"]) == (2, 1, "generic")
    mine = client.get("/api/v1/customers", params={"q": "接口导入"}).json()["items"]
    assert {c["name"] for c in mine} == {"接口导入甲", "接口导入丙"}
    assert all(c["owner_id"] == cast["rep_a"].id for c in mine)
    history = client.get(f"/api/v1/customers/{mine[0]['id']}/history").json()["items"]
    assert history[0]["source"] == "import"

    refused = client.get(f"/api/v1/imports/{job_id}/errors")
    assert refused.status_code == 200
    rows = list(csv.reader(io.StringIO(refused.text.removeprefix("\ufeff"))))
    assert rows[0] == ["row", "column", "value", "reason"]
    assert rows[1][:3] == ["3", "手机", "123"]


def test_a_job_is_seen_by_its_owner_and_admins_only(cast: Cast) -> None:
    files = {"file": ("c.csv", b"Name,Email\nSomeone,someone@example.com\n", "text/csv")}
    job_id = cast.client("rep_a").post("/api/v1/imports", files=files).json()["id"]
    assert cast.client("rep_b").get(f"/api/v1/imports/{job_id}").status_code == 404
    assert cast.client("admin").get(f"/api/v1/imports/{job_id}").status_code == 200
    assert job_id not in [j["id"] for j in cast.client("rep_b").get("/api/v1/imports").json()]


def test_an_analyst_cannot_import_and_a_bad_mapping_is_named(cast: Cast) -> None:
    files = {"file": ("c.csv", b"Name,Email\nA,a@example.com\n", "text/csv")}
    assert cast.client("analyst").post("/api/v1/imports", files=files).status_code == 403
    bad = cast.client("rep_a").post(
        "/api/v1/imports", files=files, data={"mapping": json.dumps({"Email": "shoe_size"})}
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["path"] == "mapping.Email"


def test_a_dry_run_writes_nothing(cast: Cast) -> None:
    files = {"file": ("c.csv", b"Name,Email\nDry Runner,dry@example.com\n", "text/csv")}
    client = cast.client("rep_a")
    job = client.post("/api/v1/imports", files=files, data={"dry_run": "true"}).json()
    assert client.get(f"/api/v1/imports/{job['id']}").json()["created_rows"] == 1
    assert client.get("/api/v1/customers", params={"q": "Dry Runner"}).json()["items"] == []


def test_interactions_land_only_on_customers_the_importer_can_see(
    cast: Cast, make_customer: MakeCustomer
) -> None:
    mine = make_customer(by="rep_a", name="导入跟进甲", external_id=f"EXT-A-{cast['rep_a'].id}")
    theirs = make_customer(by="rep_b", name="导入跟进乙", external_id=f"EXT-B-{cast['rep_b'].id}")
    lines = "客户编号,跟进方式,跟进时间,跟进内容\n"
    lines += f"{mine['external_id']},电话,2026-06-01 10:00,谈了续约\n"
    lines += f"{theirs['external_id']},电话,2026-06-01 11:00,不该进来\n"
    client = cast.client("rep_a")
    response = client.post(
        "/api/v1/imports",
        files={"file": ("跟进.csv", lines.encode("utf-8"), "text/csv")},
        data={"entity": "interaction"},
    )
    assert response.status_code == 202, response.text
    job = client.get(f"/api/v1/imports/{response.json()['id']}").json()
    assert (job["entity"], job["created_rows"], job["error_rows"]) == ("interaction", 1, 1)
    logged = client.get("/api/v1/interactions", params={"customer_id": mine["id"]}).json()
    assert [i["body"] for i in logged["items"]] == ["谈了续约"]
    assert logged["items"][0]["user_id"] == cast["rep_a"].id
    refused = client.get(f"/api/v1/imports/{job['id']}/errors").text
    assert "no customer you can see" in refused
