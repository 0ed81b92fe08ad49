"""The task routes of the JSON API: the shared record routes."""

from __future__ import annotations

from rapport.api.crud import Operations, record_router
from rapport.tasks import service
from rapport.tasks.schemas import TaskCreate, TaskFilters, TaskRead, TaskSort, TaskUpdate

router = record_router(
    "/tasks",
    "tasks",
    Operations(
        kind=service.RECORD,
        read=TaskRead,
        create_schema=TaskCreate,
        update_schema=TaskUpdate,
        filters=TaskFilters,
        sort=TaskSort,
        create=service.create,
        update=service.update,
    ),
)
