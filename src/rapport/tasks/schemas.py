"""The shapes of tasks in the API: what is sent to create or change one, what comes back."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rapport.schemas import Moment, Name, Text
from rapport.tasks.models import TaskStatus

TaskPriority = Literal["low", "normal", "high", "urgent"]
TaskSort = Literal["id", "-id", "created_at", "-created_at"]


class _TaskFields(BaseModel):
    """The fields that are optional both when creating and when changing a task."""

    model_config = ConfigDict(extra="forbid")

    description: Text | None = None
    assignee_id: int | None = Field(
        default=None, description="Who has to do it; you, when left out."
    )
    due_at: Moment | None = None
    customer_id: int | None = Field(
        default=None, description="Filled in from the deal or ticket when left out."
    )
    deal_id: int | None = None
    ticket_id: int | None = None


class TaskCreate(_TaskFields):
    """A new task: a title is all that is required."""

    title: Name
    status: TaskStatus = TaskStatus.OPEN
    priority: TaskPriority = "normal"


class TaskUpdate(_TaskFields):
    """Changes to a task: only the fields sent are changed; null clears a field.

    Setting the status to done records ``completed_at``; any other status clears it.
    """

    title: Name | None = None
    status: TaskStatus | None = None
    priority: TaskPriority | None = None


class TaskRead(BaseModel):
    """A task as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str | None
    status: TaskStatus
    priority: str
    assignee_id: int | None
    created_by_id: int | None
    due_at: datetime | None
    completed_at: datetime | None
    customer_id: int | None
    deal_id: int | None
    ticket_id: int | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class TaskFilters(BaseModel):
    """What a task list can be filtered by; every filter given must hold."""

    assignee_id: list[int] = Field(default=[], description="Any of these assignees.")
    status: list[TaskStatus] = Field(default=[], description="Any of these statuses.")
    customer_id: int | None = None
    deal_id: int | None = None
    ticket_id: int | None = None
    due_from: Moment | None = Field(default=None, description="Due at or after.")
    due_to: Moment | None = Field(default=None, description="Due before.")
    overdue: bool | None = Field(
        default=None,
        description="true: open tasks past their due time; false: every other task.",
    )
