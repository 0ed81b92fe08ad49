"""Every domain's HTML pages, in one list for the app to include."""

from __future__ import annotations

from fastapi import APIRouter

from rapport.customers import overview as customer_overview
from rapport.customers import pages as customer_pages
from rapport.customfields import pages as field_pages
from rapport.deals import pages as deal_pages
from rapport.deals import settings_pages as pipeline_settings
from rapport.imports import pages as import_pages
from rapport.quotas import pages as quota_pages
from rapport.reports import pages as report_pages
from rapport.tasks import pages as task_pages
from rapport.users import pages as user_pages
from rapport.users import settings_pages as user_settings


def page_routers() -> list[APIRouter]:
    """The routers of the pages, in the order their paths should be matched."""
    # The customer list's fixed paths (/customers/new, /bin) before /customers/{id}.
    return [
        user_pages.router,
        customer_pages.router,
        customer_overview.router,
        deal_pages.router,
        task_pages.router,
        report_pages.router,
        import_pages.router,
        user_settings.router,
        pipeline_settings.router,
        field_pages.router,
        quota_pages.router,
    ]
