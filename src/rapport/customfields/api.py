"""Custom field definitions in the JSON API (admins change them, everyone reads)."""

from __future__ import annotations

from rapport.api.crud import Operations, record_router
from rapport.customfields import service
from rapport.customfields.schemas import (
    CustomFieldCreate,
    CustomFieldFilters,
    CustomFieldRead,
    CustomFieldSort,
    CustomFieldUpdate,
)

router = record_router(
    "/custom-fields",
    "custom fields",
    Operations(
        kind=service.RECORD,
        read=CustomFieldRead,
        create_schema=CustomFieldCreate,
        update_schema=CustomFieldUpdate,
        filters=CustomFieldFilters,
        sort=CustomFieldSort,
        create=service.create,
        update=service.update,
    ),
)
