"""The import wizard over HTTP: the detected mapping, adjusting it, and whose files are whose."""

from __future__ import annotations

import os
import re
import time
from typing import Any

from tests.api.conftest import Cast
from tests.web.conftest import Visitor, sign_in

CSV = "Name,Email,Mobile\n王五,wang.wu@example.cn,13900001111\n赵六,bad-email,13900002222\n"


def _upload(visitor: Visitor) -> str:
    response: Any = visitor.post(
        "/imports",
        {"entity": "customer"},
        files={"file": ("people.csv", CSV.encode("utf-8"), "text/csv")},
    )
    assert response.status_code == 303, response.text
    found = re.search(r"/imports/draft/([0-9a-f]{32})$", response.headers["location"])
    assert found
    return found.group(1)


def _finished(visitor: Visitor, path: str) -> str:
    for _ in range(100):
        page = visitor.client.get(path).text
        if 'hx-trigger="every 1s"' not in page:
            return page
        time.sleep(0.1)
    raise AssertionError("the import did not finish")


def test_the_draft_shows_the_detected_columns_and_a_dry_run_lists_bad_rows(cast: Cast) -> None:
    visitor = sign_in(cast, "rep_a")
    token = _upload(visitor)
    page = visitor.client.get(f"/imports/draft/{token}").text
    assert re.search(r'name="map-0">.*?<option value="name" selected', page, re.S)
    assert re.search(r'name="map-1">.*?<option value="email" selected', page, re.S)
    started: Any = visitor.post(
        f"/imports/draft/{token}", {"action": "dry_run", "map-0": "name", "map-1": "email",
                                    "map-2": "mobile", "policy": "skip"},
    )  # fmt: skip
    assert started.status_code == 303
    job_page = _finished(visitor, started.headers["location"])
    assert "bad-email" in job_page
    assert "Import for real" in job_page
    customers = cast.client("rep_a").get("/api/v1/customers", params={"q": "王五"}).json()
    assert customers["items"] == []  # a dry run writes nothing


def test_a_mapping_without_a_name_is_refused_on_the_draft_page(cast: Cast) -> None:
    visitor = sign_in(cast, "rep_a")
    token = _upload(visitor)
    refused: Any = visitor.post(
        f"/imports/draft/{token}", {"action": "dry_run", "map-0": "", "map-1": "email"}
    )
    assert refused.status_code == 422
    assert "name" in refused.text


def test_drafts_and_jobs_are_their_uploaders(cast: Cast) -> None:
    owner = sign_in(cast, "rep_a")
    token = _upload(owner)
    started: Any = owner.post(f"/imports/draft/{token}", {"action": "dry_run", "map-0": "name"})
    other = sign_in(cast, "rep_b")
    assert other.client.get(f"/imports/draft/{token}").status_code == 404
    assert other.client.get(started.headers["location"].split("?")[0]).status_code == 404
    assert other.post(f"/imports/draft/{token}", {"action": "run"}).status_code == 404  # type: ignore[attr-defined]


def test_a_draft_never_imported_is_removed_after_a_week(cast: Cast) -> None:
    visitor = sign_in(cast, "rep_a")
    forgotten = _upload(visitor)
    folder = cast.app.state.settings.import_dir
    (draft,) = folder.glob(f"draft-*-{forgotten}-*")
    eight_days_ago = time.time() - 8 * 24 * 60 * 60
    os.utime(draft, (eight_days_ago, eight_days_ago))
    recent = _upload(visitor)  # the next upload clears out what is older than a week
    assert not draft.exists()
    assert visitor.client.get(f"/imports/draft/{forgotten}").status_code == 404
    assert visitor.client.get(f"/imports/draft/{recent}").status_code == 200


def test_the_refused_rows_are_said_in_the_readers_language(cast: Cast) -> None:
    visitor = sign_in(cast, "rep_a")
    assert visitor.post("/language", {"lang": "zh_CN", "next": "/imports"}).status_code == 303  # type: ignore[attr-defined]
    token = _upload(visitor)
    unnamed: Any = visitor.post(
        f"/imports/draft/{token}", {"action": "dry_run", "map-0": "", "map-1": "email"}
    )
    assert "没有列提供客户名称" in unnamed.text
    started: Any = visitor.post(
        f"/imports/draft/{token}", {"action": "dry_run", "map-0": "name", "map-1": "email",
                                    "map-2": "mobile", "policy": "skip"},
    )  # fmt: skip
    job_page = _finished(visitor, started.headers["location"])
    assert "“bad-email”不是有效的邮箱地址。" in job_page
    job_id = started.headers["location"].split("?")[0].rsplit("/", 1)[1]
    refused = cast.client("rep_a").get(f"/api/v1/imports/{job_id}/errors").text
    assert "bad-email" in refused and "不是有效的邮箱地址" not in refused  # the API's English
