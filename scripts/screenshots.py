"""Screenshots of Rapport's main pages in English and Chinese, for a reviewer to look at.

``make screenshots`` runs it: a demo company (2,000 customers by default) is loaded into
a new SQLite file, scored, and served from this process; the system's Chromium (driven
by Playwright) signs in as the demo admin and saves each page, in each language, as
``screenshots/<language>/<nn>-<page>.png`` (laptop size, the whole page).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from sqlalchemy import select

from rapport import migrate
from rapport.app import create_app
from rapport.config import Settings
from rapport.customers.models import Customer
from rapport.db import make_engine
from rapport.deals.models import Deal
from rapport.demo import service as demo_service
from rapport.demo.params import DemoParams
from rapport.scores import service as score_service
from rapport.scores.scoring import ScoringParams
from rapport.web.threaded import serving

LANGUAGES = {"en": "English", "zh_CN": "简体中文"}
ANALYTICS = ("lifecycle", "funnels", "retention", "survival", "satisfaction", "sales-cycle",
             "team", "rfm", "clv", "clusters", "forecast")  # fmt: skip


def _prepare(folder: Path, customers: int, end: date) -> tuple[str, int, int]:
    """A scored demo database; its URL, a customer with orders and an open deal."""
    url = f"sqlite:///{folder / 'rapport.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    demo_service.load(engine=engine, params=DemoParams(customers=customers, seed=3, end=end))
    demo_service.give_demo_passwords(engine)
    score_service.run(engine=engine, params=ScoringParams(as_of=end))
    with engine.connect() as connection:
        customer = connection.scalar(
            select(Customer.id).where(Customer.lifecycle_stage == "loyal").limit(1)
        )
        deal = connection.scalar(select(Deal.id).where(Deal.status == "open").limit(1))
    engine.dispose()
    return url, int(customer or 1), int(deal or 1)


def _pages(customer: int, deal: int, end: date) -> list[tuple[str, str]]:
    period = f"?start={end.replace(year=end.year - 1).isoformat()}&end={end.isoformat()}"
    pages = [
        ("dashboard", f"/dashboard{period}"),
        ("customers", "/customers"),
        ("customer-360", f"/customers/{customer}"),
        ("customer-form", f"/customers/{customer}/edit"),
        ("pipeline", "/deals"),
        ("deal", f"/deals/{deal}"),
        ("my-day", "/tasks"),
        ("analytics", "/analytics"),
        ("import", "/imports"),
        ("profile", "/profile"),
    ]
    pages += [(f"analytics-{slug}", f"/analytics/{slug}{period}") for slug in ANALYTICS]
    return pages


def _shoot(page: Page, base: str, out: Path, pages: list[tuple[str, str]]) -> None:
    for locale, language in LANGUAGES.items():
        folder = out / locale
        folder.mkdir(parents=True, exist_ok=True)
        page.goto(f"{base}/dashboard")
        switch = page.get_by_role("button", name=language, exact=True)
        if switch.get_attribute("aria-current") != "true":
            switch.click()
            page.wait_for_load_state()
        for number, (name, path) in enumerate(pages, start=1):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=folder / f"{number:02d}-{name}.png", full_page=True)
            print(f"{locale}/{number:02d}-{name}.png")


def main() -> int:
    """Load, score, serve, sign in and save every page in both languages."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--customers", type=int, default=2000)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("screenshots need Chromium: apt-get install chromium", file=sys.stderr)
        return 1
    end = date.today()
    with tempfile.TemporaryDirectory() as folder:
        url, customer, deal = _prepare(Path(folder), args.customers, end)
        app = create_app(Settings(database_url=url, import_dir=Path(folder) / "imports"))
        with serving(app) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True)
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto(f"{base}/login")
            page.locator("#f-email").fill("admin@example.com")
            page.locator("#f-password").fill(demo_service.DEMO_PASSWORD)
            page.locator("form[action='/login'] button[type=submit]").click()
            page.wait_for_url(lambda target: "/login" not in target)
            _shoot(page, base, args.out, _pages(customer, deal, end))
            browser.close()
        app.state.engine.dispose()
    print(f"Screenshots in {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
