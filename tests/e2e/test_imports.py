"""In a real browser: import a customer file with bad rows through the wizard."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in


def _file() -> tuple[bytes, list[str]]:
    tag = uuid.uuid4().hex[:6]
    digits = f"{uuid.uuid4().int % 10**4:04d}"  # phone numbers unique to this run
    good = [f"导入客户{tag}{n}" for n in range(3)]
    lines = [
        "姓名,手机号,邮箱,城市",
        f"{good[0]},138{digits}0001,a{tag}@example.cn,杭州",
        ",13800000002,nobody@example.cn,上海",  # no name
        f"{good[1]},138{digits}0003,not-an-email,北京",  # a bad email
        f"{good[2]},138{digits}0004,c{tag}@example.cn,深圳",
    ]
    return ("\n".join(lines) + "\n").encode("gb18030"), good


def test_import_with_bad_rows_dry_run_then_for_real(page: Page) -> None:
    content, names = _file()
    sign_in(page)
    page.goto("/imports")
    page.locator("#f-file").set_input_files(
        files=[{"name": "客户导入.csv", "mimeType": "text/csv", "buffer": content}]
    )
    page.get_by_label("The file holds").select_option("customer")
    page.get_by_role("button", name="Upload and check the columns").click()
    expect(page).to_have_url(re.compile(r"/imports/draft/[0-9a-f]{32}$"))
    # The Chinese header was recognised; the city column is left out on purpose.
    expect(page.get_by_label("姓名")).to_have_value("name")
    expect(page.get_by_label("邮箱")).to_have_value("email")
    page.get_by_label("城市").select_option("")
    page.get_by_role("button", name="Check every row (dry run)").click()

    expect(page).to_have_url(re.compile(r"/imports/\d+\?draft="))
    status = page.locator("#job-status")
    expect(status).to_contain_text("Finished", timeout=20_000)
    refused = page.locator("#job-status table tbody tr")
    expect(refused).to_have_count(2)
    expect(refused.nth(0)).to_contain_text("3")
    expect(refused.nth(1)).to_contain_text("not-an-email")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download all as CSV").click()
    assert "not-an-email" in download.value.path().read_text(encoding="utf-8-sig")
    page.goto("/customers?q=" + names[0])
    expect(page.locator("#customer-results")).to_contain_text("No customers match.")

    page.go_back()
    page.get_by_role("button", name="Import for real").click()
    expect(page.locator("#job-status")).to_contain_text("Finished", timeout=20_000)
    page.goto("/customers?q=" + names[0][:4])
    for name in (names[0], names[2]):
        expect(page.locator("#customer-results")).to_contain_text(name)
    expect(page.locator("#customer-results")).not_to_contain_text(names[1])
    page.locator("#customer-results a", has_text=names[0]).click()
    expect(page.locator(".facts")).not_to_contain_text("杭州")  # the unmapped column
