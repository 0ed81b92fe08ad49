"""Behaviour events: recording them one by one or in batches, finding and deleting them.

Events are a log of what visitors did, so they are never changed, and only admins
delete them. They follow their customer's access rule; anonymous events (no customer)
are seen by admins and analysts only.

The batch helpers at the end (validate each item, check it, save the good ones with one
flush and one audit row each) serve every record type with a bulk route.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor, Parent, Rule
from rapport.api.errors import FieldError
from rapport.audit import service as audit
from rapport.audit.models import AuditAction
from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.db import utcnow
from rapport.errors import FieldProblem, Forbidden, Invalid
from rapport.events.models import Event
from rapport.events.schemas import BulkCreated, BulkFailed, BulkResult, EventCreate
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
BULK_NOTE = "created in bulk"


@dataclass(frozen=True)
class _Known:
    """What a batch of events refers to, looked up once for the whole batch."""

    customers: set[int]  # those the actor may see
    products: set[int]  # live ones
    orders: dict[int, int]  # live order → its customer


def _lookup(session: Session, actor: Actor, rows: Iterable[Mapping[str, Any]]) -> _Known:
    rows = list(rows)
    orders = customers_of(session=session, model=Order, ids=[r.get("order_id") for r in rows])
    wanted = [r.get("customer_id") for r in rows] + list(orders.values())
    product_ids = {r["product_id"] for r in rows if r.get("product_id") is not None}
    live = select(Product.id).where(Product.id.in_(product_ids), Product.deleted_at.is_(None))
    return _Known(
        customers=visible_ids(
            session=session, actor=actor, kind=customer_service.RECORD, ids=wanted
        ),
        products=set(session.scalars(live)) if product_ids else set(),
        orders=orders,
    )


def _check(values: Mapping[str, Any], known: _Known) -> None:
    """Invalid unless the customer, product and order of ``values`` exist and fit."""
    problems = []

    def bad(field: str, message: str) -> None:
        problems.append(FieldProblem(("body", field), message))

    customer_id, product_id, order_id = (
        values.get(f) for f in ("customer_id", "product_id", "order_id")
    )
    if customer_id is not None and customer_id not in known.customers:
        bad("customer_id", f"no customer {customer_id}")
    if product_id is not None and product_id not in known.products:
        bad("product_id", f"no product {product_id}")
    if order_id is not None:
        buyer = known.orders.get(order_id)
        if buyer is None or buyer not in known.customers:
            bad("order_id", f"no order {order_id}")
        elif customer_id is not None and buyer != customer_id:
            bad("order_id", f"order {order_id} is another customer's")
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
) -> BulkResult:
    """What became of each item: the valid ones saved (all or none when ``atomic``)."""
    may_create(actor, RECORD)
    parsed, problems = parse_items(EventCreate, items)
    received_at = utcnow()
    rows = {index: _values(data, received_at) for index, data in parsed.items()}
    known = _lookup(session, actor, rows.values())
    problems.update(check_items(rows, lambda values: _check(values, known)))
    made = {index: Event(**values) for index, values in rows.items() if index not in problems}
    return save_all(
        session=session, actor=actor, kind=RECORD, made=made, problems=problems, atomic=atomic
    )


def delete(*, session: Session, actor: Actor, record_id: int) -> None:
    """Remove an event for good; admins only, since events are a log of behaviour."""
    event = records.get(session=session, actor=actor, kind=RECORD, record_id=record_id)
    if actor.role is not Role.ADMIN:
        raise Forbidden("only admins may delete events")
    records.delete(session=session, actor=actor, kind=RECORD, record=event)


# -- batches (shared with the other record types that have a bulk route) --------------

S = TypeVar("S", bound=BaseModel)
R = TypeVar("R")


def visible_ids(
    *, session: Session, actor: Actor, kind: records.RecordType[Any], ids: Iterable[int | None]
) -> set[int]:
    """Those of ``ids`` that are live records of ``kind`` visible to ``actor`` (one query)."""
    wanted = {record_id for record_id in ids if record_id is not None}
    if not wanted:
        return set()
    stmt = records.select_visible(kind, actor).where(kind.key.in_(wanted))
    return set(session.scalars(stmt.with_only_columns(kind.key)))


def customers_of(*, session: Session, model: Any, ids: Iterable[int | None]) -> dict[int, int]:
    """The customer of each of ``ids`` that is a live ``model`` row (an order, a deal …)."""
    wanted = {record_id for record_id in ids if record_id is not None}
    if not wanted:
        return {}
    stmt = select(model.id, model.customer_id).where(
        model.id.in_(wanted), model.deleted_at.is_(None)
    )
    return {row.id: row.customer_id for row in session.execute(stmt)}


def may_create(actor: Actor, kind: records.RecordType[Any]) -> None:
    """Forbidden unless ``actor``'s role may create records (analysts may not)."""
    if not actor.writes:
        raise Forbidden(f"your role may not create a {kind.entity}")


def _item_path(index: int, inner: Sequence[str | int]) -> tuple[str | int, ...]:
    """The path of ``inner`` (a field's location in one record) in item ``index``."""
    return ("body", "items", index, *inner)


def _errors(problems: Iterable[FieldProblem]) -> list[FieldError]:
    return [FieldError(path=".".join(map(str, p.path)), message=p.message) for p in problems]


def parse_items(
    schema: type[S], items: Sequence[Mapping[str, Any]]
) -> tuple[dict[int, S], dict[int, list[FieldProblem]]]:
    """The items that are valid ``schema`` objects, and the problems of the others, by index."""
    parsed: dict[int, S] = {}
    problems: dict[int, list[FieldProblem]] = {}
    for index, item in enumerate(items):
        try:
            parsed[index] = schema.model_validate(item)
        except ValidationError as exc:
            problems[index] = [
                FieldProblem(_item_path(index, e["loc"]), e["msg"].removeprefix("Value error, "))
                for e in exc.errors()
            ]
    return parsed, problems


def check_items(
    rows: Mapping[int, R], check: Callable[[R], None], *, forbidden_field: str | None = None
) -> dict[int, list[FieldProblem]]:
    """The problems ``check`` raises for each row, as paths into the bulk body.

    ``check`` is the single-record check (its problems are ``("body", field)``); a Forbidden
    it raises is put on ``forbidden_field`` (the owner a user may not assign).
    """
    problems: dict[int, list[FieldProblem]] = {}
    for index, row in rows.items():
        try:
            check(row)
        except Invalid as exc:
            problems[index] = [
                FieldProblem(_item_path(index, p.path[1:]), p.message) for p in exc.problems
            ]
        except Forbidden as exc:
            where = (forbidden_field,) if forbidden_field else ()
            problems[index] = [FieldProblem(_item_path(index, where), exc.message)]
    return problems


def save_all(
    *,
    session: Session,
    actor: Actor,
    kind: records.RecordType[Any],
    made: Mapping[int, Any],
    problems: Mapping[int, list[FieldProblem]],
    atomic: bool,
) -> BulkResult:
    """What became of each item, once the ``made`` records are saved and audited.

    The records go in with one flush and get one audit row each. When ``atomic``, any
    item with ``problems`` makes the whole batch Invalid and nothing is written.
    """
    if atomic and problems:
        error = Invalid([p for index in sorted(problems) for p in problems[index]])
        # The fields list every problem; the message stays short for a large batch.
        total = len(made) + len(problems)
        error.message = f"{len(problems)} of {total} items are not valid; nothing was saved"
        raise error
    session.add_all(made.values())
    session.flush()
    for record in made.values():
        audit.record(
            session=session,
            actor=actor,
            entity=kind.entity,
            entity_id=record.id,
            action=AuditAction.CREATE,
            note=BULK_NOTE,
        )
    results: list[BulkCreated | BulkFailed] = [
        BulkCreated(index=index, id=record.id) for index, record in made.items()
    ]
    results += [BulkFailed(index=index, errors=_errors(found)) for index, found in problems.items()]
    results.sort(key=lambda result: result.index)
    return BulkResult(created=len(made), failed=len(problems), results=results)
