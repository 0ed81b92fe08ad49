"""In a real browser: the dashboard and every analytics page, in English and in Chinese."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from rapport.reports.pages import menu
from tests.conftest import DEMO_END
from tests.e2e.conftest import sign_in

PERIOD = f"?start=2025-07-01&end={DEMO_END.isoformat()}"
HEADINGS = {"English": ("Dashboard", "Analytics"), "简体中文": ("仪表盘", "分析")}


@pytest.mark.parametrize("language", ["English", "简体中文"])
def test_every_analytics_page_draws_in_both_languages(page: Page, language: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, language=language)
    dashboard, analytics = HEADINGS[language]
    page.goto("/dashboard" + PERIOD)
    expect(page.get_by_role("heading", name=dashboard, level=1)).to_be_visible()
    expect(page.locator(".kpi")).to_have_count(8)
    for slug, _title, _summary in menu():
        page.goto(f"/analytics/{slug}{PERIOD}")
        expect(page.locator("html")).to_have_attribute("data-charts-ready", "true")
        charts = page.locator("[data-chart]")
        assert charts.count() >= 1, slug
        for index in range(charts.count()):
            expect(charts.nth(index).locator("canvas").first).to_be_attached()
        expect(page.get_by_role("link", name=analytics, exact=True).first).to_be_visible()
    assert errors == []


def test_a_chart_downloads_as_png(page: Page) -> None:
    sign_in(page)
    page.goto(f"/analytics/funnels{PERIOD}")
    expect(page.locator("html")).to_have_attribute("data-charts-ready", "true")
    with page.expect_download() as download:
        page.locator("[data-png]").first.click()
    assert download.value.suggested_filename.endswith(".png")
    with open(download.value.path(), "rb") as image:
        assert image.read(8) == b"\x89PNG\r\n\x1a\n"
