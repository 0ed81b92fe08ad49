"""My day: one's open tasks by when they are due, ticked off in place, and a quick new one.

"Today" is the day on the configured clock (``RAPPORT_TIME_ZONE``). A manager can look
at a team member's day; the list holds only tasks the user may see.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor
from rapport.api.deps import SessionDep
from rapport.config import get_settings
from rapport.customers.models import Customer
from rapport.db import utcnow
from rapport.errors import Invalid
from rapport.tasks import service
from rapport.tasks.models import Task, TaskStatus
from rapport.tasks.schemas import TaskCreate, TaskUpdate
from rapport.templating import render
from rapport.web import choices
from rapport.web.deps import PageActor, check_csrf
from rapport.web.forms import FieldErrors, invalid_errors, local_times, parse

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def _day_bounds() -> tuple[datetime, datetime]:
    """Midnight today and tomorrow on the configured clock, as UTC times."""
    zone = ZoneInfo(get_settings().time_zone)
    today = datetime.now(zone).date()
    start = datetime.combine(today, time(), zone)
    return start.astimezone(ZoneInfo("UTC")), (start + timedelta(days=1)).astimezone(
        ZoneInfo("UTC")
    )


def my_day(*, session: Session, actor: Actor, assignee_id: int) -> dict[str, list[Task]]:
    """The assignee's open tasks that ``actor`` may see, grouped by when they are due,
    and those done today."""
    start, end = _day_bounds()
    visible = records.select_visible(service.RECORD, actor).where(Task.assignee_id == assignee_id)
    open_tasks = visible.where(Task.status == TaskStatus.OPEN)
    week = end + timedelta(days=6)

    def run(stmt: Any) -> list[Task]:
        return list(session.scalars(stmt.order_by(Task.due_at, Task.id).limit(200)))

    return {
        "overdue": run(open_tasks.where(Task.due_at < utcnow())),
        "today": run(open_tasks.where(Task.due_at >= utcnow(), Task.due_at < end)),
        "week": run(open_tasks.where(Task.due_at >= end, Task.due_at < week)),
        "later": run(open_tasks.where((Task.due_at >= week) | Task.due_at.is_(None))),
        "done": run(visible.where(Task.status == TaskStatus.DONE, Task.completed_at >= start)),
    }


def _page(
    request: Request,
    session: Session,
    actor: Actor,
    assignee_id: int,
    errors: FieldErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    groups = my_day(session=session, actor=actor, assignee_id=assignee_id)
    ids = {t.customer_id for tasks in groups.values() for t in tasks if t.customer_id}
    rows = session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(ids)))
    names = {row.id: row.name for row in rows}
    context = {
        "groups": groups,
        "customer_names": names,
        "assignee_id": assignee_id,
        "people": choices.users(session),
        "errors": errors or {},
        "can_write": actor.writes,
    }
    return render(request, "tasks/my_day.html", context, status_code=status)


@router.get("/tasks", response_class=HTMLResponse)
def tasks_page(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    assignee: Annotated[int | None, Query()] = None,
) -> HTMLResponse:
    """The user's day (or, for a manager, a team member's)."""
    return _page(request, session, actor, assignee or actor.user_id or 0)


@router.post("/tasks", response_class=HTMLResponse)
async def create_task(request: Request, session: SessionDep, actor: PageActor) -> Response:
    """A new task for oneself (or the chosen assignee)."""
    form = local_times(await request.form(), "due_at")
    data, errors = parse(request, TaskCreate, form)
    if data is not None:
        try:
            service.create(session=session, actor=actor, data=data)
            return RedirectResponse("/tasks", status_code=303)
        except Invalid as exc:
            session.rollback()
            errors = invalid_errors(request, exc)
    return _page(request, session, actor, actor.user_id or 0, errors, status=422)


@router.post("/tasks/{task_id}/done")
def complete_task(
    request: Request, session: SessionDep, actor: PageActor, task_id: int
) -> Response:
    """Tick a task off; the day's list again."""
    task = service.update(session=session, actor=actor, record_id=task_id,
                          data=TaskUpdate(status=TaskStatus.DONE))  # fmt: skip
    return RedirectResponse(f"/tasks?assignee={task.assignee_id or ''}", status_code=303)
