"""In a real browser: sign in, find a customer by a Chinese name, log a call on its page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in


def test_sign_in_and_out(page: Page) -> None:
    page.goto("/customers")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fcustomers$"))
    page.goto("/language?lang=en&next=/login")
    page.get_by_label("Email").fill("rep1@example.com")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong email or password")
    sign_in(page, "rep1@example.com")
    page.goto("/customers")
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/customers")
    expect(page).to_have_url(re.compile(r"/login"))


def test_find_a_customer_by_chinese_name_and_log_a_call(page: Page) -> None:
    sign_in(page)
    page.goto("/customers")
    # A Chinese name from the list, typed into the search box: the list narrows as one
    # types (HTMX) and the address keeps the search.
    names = page.locator("#customer-results tbody td a")
    chinese = names.filter(has_text=re.compile(r"^[\u4e00-\u9fff]{2,4}$"))
    target = chinese.first.inner_text()
    page.get_by_label("Search").fill(target)
    expect(page).to_have_url(re.compile(r"q=%"))
    expect(page.locator("#customer-results tbody tr").first).to_contain_text(target)
    page.locator("#customer-results tbody a", has_text=target).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(target)

    quick = page.locator("form[action$='/interactions']")
    quick.get_by_label("Kind").select_option("call")
    quick.get_by_label("Subject").fill("续约电话 renewal call")
    quick.get_by_label("What was said").fill("Wants the new price list by Friday.")
    quick.get_by_role("button", name="Log it").click()
    timeline = page.locator("#timeline")
    expect(timeline.locator("li").first).to_contain_text("续约电话 renewal call")
    expect(quick.get_by_label("Subject")).to_have_value("")  # the form is ready for the next
    page.reload()
    expect(page.locator("#timeline li").first).to_contain_text("续约电话 renewal call")


def test_the_customer_page_reads_in_chinese(page: Page) -> None:
    sign_in(page, language="简体中文")
    page.goto("/customers")
    expect(page.get_by_role("heading", name="客户")).to_be_visible()
    page.locator("#customer-results tbody a").first.click()
    expect(page.get_by_role("heading", name="时间线")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()


def test_pages_fit_a_tablet_held_upright(page: Page) -> None:
    page.set_viewport_size({"width": 768, "height": 1024})
    sign_in(page)
    page.goto("/customers")
    first = page.locator("#customer-results tbody a").first.get_attribute("href")
    for path in ("/dashboard", "/customers", str(first), "/deals", "/tasks", "/analytics/rfm"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow} px wider than the screen"
