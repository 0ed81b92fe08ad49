"""Every JSON route, under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from rapport.api.deps import refuse_nul_characters
from rapport.campaigns import api as campaigns
from rapport.consents import api as consents
from rapport.customers import api as customers
from rapport.customers import privacy_api as customer_privacy
from rapport.customfields import api as custom_fields
from rapport.deals import api as deals
from rapport.events import api as events
from rapport.imports import api as imports
from rapport.interactions import api as interactions
from rapport.orders import api as orders
from rapport.products import api as products
from rapport.scores import api as scores
from rapport.segments import api as segments
from rapport.surveys import api as surveys
from rapport.tasks import api as tasks
from rapport.tickets import api as tickets
from rapport.users import api as users


def api_router() -> APIRouter:
    """The ``/api/v1`` router with each domain's routes."""
    router = APIRouter(prefix="/api/v1", dependencies=[Depends(refuse_nul_characters)])
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
    router.include_router(tickets.router)
    router.include_router(surveys.surveys_router)
    router.include_router(surveys.responses_router)
    router.include_router(campaigns.router)
    router.include_router(segments.router)
    router.include_router(segments.members_router)
    router.include_router(products.router)
    router.include_router(products.categories_router)
    router.include_router(orders.router)
    router.include_router(interactions.router)
    router.include_router(events.router)
    router.include_router(tasks.router)
    router.include_router(imports.router)
    router.include_router(consents.router)
    router.include_router(customer_privacy.router)
    router.include_router(scores.router)
    return router
