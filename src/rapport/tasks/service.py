"""Tasks: to-dos for one assignee, about a customer, deal or ticket, by a due time.

A task is owned by its assignee and hangs off its customer (if any): it is seen and
changed by the assignee and by whoever may see or change the customer. A task about a
deal or ticket is about that record's customer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor, Parent, Rule, may_assign
from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.db import utcnow
from rapport.deals import service as deal_service
from rapport.errors import FieldProblem, Invalid
from rapport.i18n import N_
from rapport.tasks.models import Task, TaskStatus
from rapport.tasks.schemas import TaskCreate, TaskUpdate
from rapport.tickets import service as ticket_service
from rapport.users.models import User


def _overdue(wanted: bool) -> ColumnElement[bool]:
    """Open tasks past their due time (or, when not ``wanted``, every other task)."""
    now = utcnow()
    if wanted:
        return and_(Task.status == TaskStatus.OPEN, Task.due_at < now)
    return or_(Task.status != TaskStatus.OPEN, Task.due_at.is_(None), Task.due_at >= now)


RULE = Rule(
    owner=Task.assignee_id, parent=Parent(Task.customer_id, Customer.id, customer_service.RULE)
)
RECORD = records.RecordType(
    entity="task",
    model=Task,
    rule=RULE,
    filters={
        "assignee_id": lambda v: Task.assignee_id.in_(v),
        "status": lambda v: Task.status.in_(v),
        "customer_id": lambda v: Task.customer_id == v,
        "deal_id": lambda v: Task.deal_id == v,
        "ticket_id": lambda v: Task.ticket_id == v,
        "due_from": lambda v: Task.due_at >= v,
        "due_to": lambda v: Task.due_at < v,
        "overdue": _overdue,
    },
    sorts={"created_at": Task.created_at},
)
_REFERENCES = ("customer_id", "deal_id", "ticket_id")
# A task may be about a deal or a ticket the actor may see (deals follow their own owner).
_ABOUT: tuple[tuple[str, records.RecordType[Any], str], ...] = (
    ("deal_id", deal_service.RECORD, "deal"),
    ("ticket_id", ticket_service.RECORD, "ticket"),
)


def _sees_customer(session: Session, actor: Actor, customer_id: int) -> bool:
    stmt = records.select_visible(customer_service.RECORD, actor).where(Customer.id == customer_id)
    return session.scalars(stmt).one_or_none() is not None


def _check_references(
    session: Session, actor: Actor, values: dict[str, Any], current: Task | None
) -> None:
    """Invalid unless the customer, deal and ticket sent in ``values`` are records ``actor``
    may see and are about the same customer; fills in the customer of a deal or ticket."""
    merged = {field: getattr(current, field) for field in _REFERENCES} if current else {}
    merged |= values
    problems: list[FieldProblem] = []
    if "customer_id" in values:
        try:
            records.check_reference(
                session=session,
                actor=actor,
                kind=customer_service.RECORD,
                record_id=values["customer_id"],
                field="customer_id",
            )
        except Invalid as exc:
            problems.extend(exc.problems)
    for field, kind, entity in _ABOUT:
        target = merged.get(field)
        if target is None or not {field, "customer_id"} & values.keys():
            continue
        seen = records.select_visible(kind, actor).where(kind.key == target)
        owner = session.scalar(seen.with_only_columns(kind.model.customer_id))
        path = ("body", field)
        if owner is None:
            problems.append(
                FieldProblem(path, N_("no %(entity)s %(id)s"), entity=entity, id=target)
            )
        elif merged.get("customer_id") is None:
            if not _sees_customer(session, actor, owner):
                problems.append(
                    FieldProblem(path, N_("no %(entity)s %(id)s"), entity=entity, id=target)
                )
            values["customer_id"] = merged["customer_id"] = owner
        elif merged["customer_id"] != owner:
            has_no = N_("customer %(id)s has no %(entity)s %(target)s")
            problems.append(
                FieldProblem(path, has_no, id=merged["customer_id"], entity=entity, target=target)
            )
    if problems:
        raise Invalid(problems)


def _check_assignee(session: Session, actor: Actor, assignee_id: int | None) -> None:
    """Invalid unless the assignee is an active user; Forbidden unless ``actor`` may pick them."""
    if assignee_id == actor.user_id:
        return
    user = session.get(User, assignee_id) if assignee_id is not None else None
    if assignee_id is not None and (user is None or not user.is_active):
        raise Invalid.field(("body", "assignee_id"), N_("no active user %(id)s"), id=assignee_id)
    may_assign(actor, assignee_id, user.team_id if user else None)


def _track_completion(values: dict[str, Any], was: TaskStatus | None) -> None:
    """Set ``completed_at`` when a task becomes done; clear it when it is reopened."""
    status = values.get("status")
    if status is TaskStatus.DONE and was is not TaskStatus.DONE:
        values["completed_at"] = utcnow()
    elif status is not None and status is not TaskStatus.DONE:
        values["completed_at"] = None


def create(*, session: Session, actor: Actor, data: TaskCreate) -> Task:
    """A new task created by ``actor``, assigned to them unless another assignee is given."""
    values = data.model_dump(exclude_unset=True)
    values.setdefault("assignee_id", actor.user_id)
    values["created_by_id"] = actor.user_id
    _check_references(session, actor, values, None)
    _check_assignee(session, actor, values["assignee_id"])
    _track_completion(values, None)
    return records.create(session=session, actor=actor, kind=RECORD, values=values)


def update(*, session: Session, actor: Actor, record_id: int, data: TaskUpdate) -> Task:
    """The task with the fields sent in ``data`` changed."""
    task = records.get_for_change(session=session, actor=actor, kind=RECORD, record_id=record_id)
    values = data.model_dump(exclude_unset=True)
    for required in ("title", "status", "priority"):
        if required in values and values[required] is None:
            raise Invalid.field(("body", required), N_("cannot be cleared"))
    _check_references(session, actor, values, task)
    if "assignee_id" in values:
        _check_assignee(session, actor, values["assignee_id"])
    _track_completion(values, task.status)
    return records.update(session=session, actor=actor, kind=RECORD, record=task, values=values)
