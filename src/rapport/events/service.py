"""Behaviour events: recording them one by one or in batches, finding and deleting them.

Events are a log of what visitors did, so they are never changed, and only admins
delete them. They follow their customer's access rule; anonymous events (no customer)
are seen by admins and analysts only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport import bulk_records, records
from rapport.access import Actor, Parent, Rule
from rapport.api import bulk
from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.db import utcnow
from rapport.errors import FieldProblem, Forbidden, Invalid
from rapport.events.models import Event
from rapport.events.schemas import EventCreate
from rapport.i18n import N_
from rapport.orders.models import Order
from rapport.products.models import Product
from rapport.users.models import Role

RULE = Rule(parent=Parent(Event.customer_id, Customer.id, customer_service.RULE))
RECORD = records.RecordType(
    entity="event",
    model=Event,
    rule=RULE,
    filters={
        "customer_id": lambda v: Event.customer_id == v,
        "anonymous_id": lambda v: Event.anonymous_id == v,
        "name": lambda v: Event.name.in_([name.strip().lower() for name in v]),
        "session_id": lambda v: Event.session_id == v,
        "occurred_from": lambda v: Event.occurred_at >= v,
        "occurred_to": lambda v: Event.occurred_at < v,
    },
    sorts={"occurred_at": Event.occurred_at},
    soft_delete=False,
)


@dataclass(frozen=True)
class _Known:
    """What a batch of events refers to, looked up once for the whole batch."""

    customers: set[int]  # those the actor may see
    products: set[int]  # live ones
    orders: dict[int, int]  # live order → its customer


def _lookup(session: Session, actor: Actor, rows: Iterable[Mapping[str, Any]]) -> _Known:
    rows = list(rows)
    orders = bulk_records.customers_of(
        session=session, model=Order, ids=[r.get("order_id") for r in rows]
    )
    wanted = [r.get("customer_id") for r in rows] + list(orders.values())
    product_ids = {r["product_id"] for r in rows if r.get("product_id") is not None}
    live = select(Product.id).where(Product.id.in_(product_ids), Product.deleted_at.is_(None))
    return _Known(
        customers=bulk_records.visible_ids(
            session=session, actor=actor, kind=customer_service.RECORD, ids=wanted
        ),
        products=set(session.scalars(live)) if product_ids else set(),
        orders=orders,
    )


def _check(values: Mapping[str, Any], known: _Known) -> None:
    """Invalid unless the customer, product and order of ``values`` exist and fit."""
    problems = []

    def bad(field: str, template: str, /, **params: object) -> None:
        problems.append(FieldProblem(("body", field), template, **params))

    customer_id, product_id, order_id = (
        values.get(f) for f in ("customer_id", "product_id", "order_id")
    )
    if customer_id is not None and customer_id not in known.customers:
        bad("customer_id", N_("no %(entity)s %(id)s"), entity="customer", id=customer_id)
    if product_id is not None and product_id not in known.products:
        bad("product_id", N_("no %(entity)s %(id)s"), entity="product", id=product_id)
    if order_id is not None:
        buyer = known.orders.get(order_id)
        if buyer is None or buyer not in known.customers:
            bad("order_id", N_("no %(entity)s %(id)s"), entity="order", id=order_id)
        elif customer_id is not None and buyer != customer_id:
            bad("order_id", N_("order %(id)s is another customer's"), id=order_id)
    if problems:
        raise Invalid(problems)


def _values(data: EventCreate, received_at: datetime) -> dict[str, Any]:
    return {**data.model_dump(), "received_at": received_at}


def create(*, session: Session, actor: Actor, data: EventCreate) -> Event:
    """A new event, received now."""
    values = _values(data, utcnow())
    _check(values, _lookup(session, actor, [values]))
    return records.create(session=session, actor=actor, kind=RECORD, values=values)


def bulk_create(
    *, session: Session, actor: Actor, items: Sequence[Mapping[str, Any]], atomic: bool
) -> bulk.BulkResult:
    """What became of each item: the valid ones saved (all or none when ``atomic``)."""
    records.may_create(actor=actor, kind=RECORD)
    parsed, problems = bulk.parse_items(EventCreate, items)
    received_at = utcnow()
    rows = {index: _values(data, received_at) for index, data in parsed.items()}
    known = _lookup(session, actor, rows.values())
    problems.update(bulk.check_items(rows, lambda values: _check(values, known)))
    return bulk.save_valid(
        session=session, actor=actor, kind=RECORD, rows=rows, problems=problems, atomic=atomic
    )


def delete(*, session: Session, actor: Actor, record_id: int) -> None:
    """Remove an event for good; admins only, since events are a log of behaviour."""
    event = records.get(session=session, actor=actor, kind=RECORD, record_id=record_id)
    if actor.role is not Role.ADMIN:
        raise Forbidden(N_("only admins may delete events"))
    records.delete(session=session, actor=actor, kind=RECORD, record=event)
