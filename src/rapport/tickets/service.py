"""Service tickets: opening, assigning and moving them through their statuses.

A ticket hangs off a customer and is owned by its assignee: who may change the customer
or is assigned the ticket may change it, and agents read every ticket. The status
drives the timestamps: ``resolved`` stamps ``resolved_at``; ``closed`` stamps
``closed_at`` (and ``resolved_at`` when the ticket was never resolved); going back to
``open`` or ``pending`` reopens it and clears both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor, Parent, Rule
from rapport.customers.models import Customer
from rapport.customers.service import RECORD as CUSTOMER
from rapport.customers.service import RULE as CUSTOMER_RULE
from rapport.db import utcnow
from rapport.errors import Invalid
from rapport.i18n import N_
from rapport.orders.models import Order
from rapport.products.models import Product
from rapport.tickets.models import Ticket, TicketStatus
from rapport.tickets.schemas import TicketCreate, TicketUpdate

RULE = Rule(
    owner=Ticket.assignee_id,
    parent=Parent(Ticket.customer_id, Customer.id, CUSTOMER_RULE),
    agents_read_all=True,
)
RECORD = records.RecordType(
    entity="ticket",
    model=Ticket,
    rule=RULE,
    filters={
        "status": lambda v: Ticket.status.in_(v),
        "priority": lambda v: Ticket.priority.in_(v),
        "category": lambda v: Ticket.category == v,
        "assignee_id": lambda v: Ticket.assignee_id.in_(v),
        "customer_id": lambda v: Ticket.customer_id == v,
        "opened_from": lambda v: Ticket.opened_at >= v,
        "opened_to": lambda v: Ticket.opened_at < v,
    },
    sorts={
        "opened_at": Ticket.opened_at,
        "created_at": Ticket.created_at,
    },
)
DONE = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})
REQUIRED = ("customer_id", "subject", "status", "priority", "opened_at")
# Times that cannot come before the ticket was opened, in the order they happen.
LATER_TIMES = ("first_response_at", "resolved_at", "closed_at")


def check_order(*, session: Session, order_id: int | None, customer_id: int, field: str) -> None:
    """Invalid, naming ``field`` of the body, unless ``order_id`` is a live order of the
    customer ``customer_id`` (None passes)."""
    if order_id is None:
        return
    order = session.get(Order, order_id)
    if order is None or order.deleted_at is not None or order.customer_id != customer_id:
        raise Invalid.field(
            ("body", field),
            N_("customer %(id)s has no %(entity)s %(target)s"),
            id=customer_id,
            entity="order",
            target=order_id,
        )


def _check_references(
    session: Session, actor: Actor, values: dict[str, Any], ticket: Ticket | None
) -> None:
    """Invalid (or Forbidden for the assignee) unless the ids sent point at records that fit."""
    customer_id: int = (
        values["customer_id"] if ticket is None else values.get("customer_id", ticket.customer_id)
    )
    if "customer_id" in values:
        records.check_reference(session=session, actor=actor, kind=CUSTOMER,
                                record_id=values["customer_id"], field="customer_id")  # fmt: skip
    if "order_id" in values or "customer_id" in values:
        order_id = values.get("order_id", ticket.order_id if ticket else None)
        check_order(session=session, order_id=order_id, customer_id=customer_id, field="order_id")
    product_id = values.get("product_id")
    if product_id is not None:
        product = session.get(Product, product_id)
        if product is None or product.deleted_at is not None:
            raise Invalid.field(
                ("body", "product_id"), N_("no %(entity)s %(id)s"), entity="product", id=product_id
            )
    records.check_owner(session=session, actor=actor, values=values, field="assignee_id")


def _status_times(
    new: TicketStatus, old: TicketStatus | None, resolved_at: datetime | None, now: datetime
) -> dict[str, datetime | None]:
    """The timestamps that change when a ticket's status goes from ``old`` to ``new``."""
    if new is old:
        return {}
    if new is TicketStatus.RESOLVED:
        return {"resolved_at": resolved_at or now, "closed_at": None}
    if new is TicketStatus.CLOSED:
        return {"resolved_at": resolved_at or now, "closed_at": now}
    if old in DONE:  # reopened
        return {"resolved_at": None, "closed_at": None}
    return {}


def _check_times(values: dict[str, Any], ticket: Ticket | None) -> None:
    """Invalid unless no time of the ticket comes before it was opened.

    The error names the later time when it was sent, and ``opened_at`` otherwise.
    """
    opened_at = values.get("opened_at", ticket.opened_at if ticket else None)
    for name in LATER_TIMES:
        at = values.get(name, getattr(ticket, name) if ticket else None)
        if at is not None and opened_at is not None and at < opened_at:
            if name == "first_response_at" and name in values:
                before = N_("is before the ticket was opened (%(at)s)")
                raise Invalid.field(("body", name), before, at=opened_at.isoformat())
            after = N_("is after the ticket's %(field)s (%(at)s)")
            raise Invalid.field(("body", "opened_at"), after, field=name, at=at.isoformat())


def create(*, session: Session, actor: Actor, data: TicketCreate) -> Ticket:
    """A new ticket, assigned to ``actor`` unless another assignee is given, opened now
    unless ``opened_at`` is given; a resolved or closed one gets its timestamps."""
    values = data.model_dump(exclude_unset=True)
    values.setdefault("assignee_id", actor.user_id)
    values["status"], values["priority"] = data.status, data.priority
    now = utcnow()
    if values.get("opened_at") is None:
        values["opened_at"] = now
    _check_references(session, actor, values, None)
    values.update(_status_times(data.status, None, None, now))
    _check_times(values, None)
    return records.create(session=session, actor=actor, kind=RECORD, values=values)


def update(*, session: Session, actor: Actor, record_id: int, data: TicketUpdate) -> Ticket:
    """The ticket with the fields sent in ``data`` changed, and its status timestamps kept
    in step with its status."""
    ticket = records.get_for_change(session=session, actor=actor, kind=RECORD, record_id=record_id)
    values = data.model_dump(exclude_unset=True)
    for required in REQUIRED:
        if required in values and values[required] is None:
            raise Invalid.field(("body", required), N_("cannot be cleared"))
    _check_references(session, actor, values, ticket)
    if "status" in values:
        values.update(_status_times(values["status"], ticket.status, ticket.resolved_at, utcnow()))
    _check_times(values, ticket)
    return records.update(session=session, actor=actor, kind=RECORD, record=ticket, values=values)
