"""Every JSON route, under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter

from rapport.customers import api as customers
from rapport.customfields import api as custom_fields
from rapport.deals import api as deals
from rapport.users import api as users


def api_router() -> APIRouter:
    """The ``/api/v1`` router with each domain's routes."""
    router = APIRouter(prefix="/api/v1")
    router.include_router(users.auth_router)
    router.include_router(users.me_router)
    router.include_router(users.users_router)
    router.include_router(users.teams_router)
    router.include_router(customers.router)
    router.include_router(customers.merge_router)
    router.include_router(custom_fields.router)
    router.include_router(deals.pipelines_router)
    router.include_router(deals.stages_router)
    router.include_router(deals.deals_router)
    router.include_router(deals.extra_router)
    return router
