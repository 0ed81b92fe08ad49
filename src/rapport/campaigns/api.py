"""The campaign routes of the JSON API: the shared record routes."""

from __future__ import annotations

from rapport.api.crud import Operations, record_router
from rapport.campaigns import service
from rapport.campaigns.schemas import (
    CampaignCreate,
    CampaignFilters,
    CampaignRead,
    CampaignSort,
    CampaignUpdate,
)

router = record_router(
    "/campaigns",
    "campaigns",
    Operations(
        kind=service.RECORD,
        read=CampaignRead,
        create_schema=CampaignCreate,
        update_schema=CampaignUpdate,
        filters=CampaignFilters,
        sort=CampaignSort,
        create=service.create,
        update=service.update,
    ),
)
