"""Interactions: logging contacts with customers one by one or in batches, and changing them.

An interaction is owned by the user who had it and hangs off its customer: it is seen
with the customer, and changed by its user or by whoever may change the customer. It
may name a deal or ticket, which must be the same customer's.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport import bulk_records, records
from rapport.access import Actor, Parent, Rule, may_assign
from rapport.api import bulk
from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.deals.models import Deal
from rapport.errors import FieldProblem, Invalid
from rapport.i18n import N_
from rapport.interactions.models import Interaction
from rapport.interactions.schemas import InteractionCreate, InteractionUpdate
from rapport.tickets.models import Ticket
from rapport.users.models import User

RULE = Rule(
    owner=Interaction.user_id,
    parent=Parent(Interaction.customer_id, Customer.id, customer_service.RULE),
)
RECORD = records.RecordType(
    entity="interaction",
    model=Interaction,
    rule=RULE,
    filters={
        "customer_id": lambda v: Interaction.customer_id == v,
        "user_id": lambda v: Interaction.user_id.in_(v),
        "kind": lambda v: Interaction.kind.in_(v),
        "direction": lambda v: Interaction.direction == v,
        "deal_id": lambda v: Interaction.deal_id == v,
        "ticket_id": lambda v: Interaction.ticket_id == v,
        "occurred_from": lambda v: Interaction.occurred_at >= v,
        "occurred_to": lambda v: Interaction.occurred_at < v,
    },
    sorts={
        "occurred_at": Interaction.occurred_at,
        "created_at": Interaction.created_at,
    },
)
_REFERENCES = ("customer_id", "user_id", "deal_id", "ticket_id")


@dataclass(frozen=True)
class _Known:
    """What a batch of interactions refers to, looked up once for the whole batch."""

    customers: set[int]  # those the actor may see
    deals: dict[int, int]  # live deal → its customer
    tickets: dict[int, int]  # live ticket → its customer
    users: dict[int, User]


def _lookup(session: Session, actor: Actor, rows: Iterable[Mapping[str, Any]]) -> _Known:
    rows = list(rows)

    def ids(field: str) -> list[int | None]:
        return [row.get(field) for row in rows]

    user_ids = {i for i in ids("user_id") if i is not None}
    users = session.scalars(select(User).where(User.id.in_(user_ids))).all() if user_ids else ()
    return _Known(
        customers=bulk_records.visible_ids(
            session=session, actor=actor, kind=customer_service.RECORD, ids=ids("customer_id")
        ),
        deals=bulk_records.customers_of(session=session, model=Deal, ids=ids("deal_id")),
        tickets=bulk_records.customers_of(session=session, model=Ticket, ids=ids("ticket_id")),
        users={user.id: user for user in users},
    )


def _check(
    actor: Actor, values: Mapping[str, Any], known: _Known, changed: Collection[str]
) -> None:
    """Invalid unless the ``changed`` references of ``values`` point at records that exist,
    that ``actor`` may see and that fit together; Forbidden if the user may not be given."""
    problems = []
    customer_id = values["customer_id"]
    if "customer_id" in changed and customer_id not in known.customers:
        problems.append(
            FieldProblem(
                ("body", "customer_id"),
                N_("no %(entity)s %(id)s"),
                entity="customer",
                id=customer_id,
            )
        )
    for field, entity, owners in (
        ("deal_id", "deal", known.deals),
        ("ticket_id", "ticket", known.tickets),
    ):
        target = values.get(field)
        if target is None or not {field, "customer_id"} & set(changed):
            continue
        if owners.get(target) != customer_id:
            has_no = N_("customer %(id)s has no %(entity)s %(target)s")
            problems.append(
                FieldProblem(("body", field), has_no, id=customer_id, entity=entity, target=target)
            )
    if problems:
        raise Invalid(problems)
    user_id = values.get("user_id")
    if "user_id" in changed and user_id != actor.user_id:
        user = known.users.get(user_id) if user_id is not None else None
        if user_id is not None and (user is None or not user.is_active):
            raise Invalid.field(("body", "user_id"), N_("no active user %(id)s"), id=user_id)
        may_assign(actor, user_id, user.team_id if user else None)


def _values(actor: Actor, data: InteractionCreate) -> dict[str, Any]:
    values = data.model_dump(exclude_unset=True)
    values.setdefault("user_id", actor.user_id)
    return values


def create(*, session: Session, actor: Actor, data: InteractionCreate) -> Interaction:
    """A new interaction, had by ``actor`` unless another user is given."""
    values = _values(actor, data)
    _check(actor, values, _lookup(session, actor, [values]), changed=values.keys())
    return records.create(session=session, actor=actor, kind=RECORD, values=values)


def bulk_create(
    *, session: Session, actor: Actor, items: Sequence[Mapping[str, Any]], atomic: bool
) -> bulk.BulkResult:
    """What became of each item: the valid ones saved (all or none when ``atomic``)."""
    records.may_create(actor=actor, kind=RECORD)
    parsed, problems = bulk.parse_items(InteractionCreate, items)
    rows = {index: _values(actor, data) for index, data in parsed.items()}
    known = _lookup(session, actor, rows.values())
    problems.update(
        bulk.check_items(
            rows,
            lambda values: _check(actor, values, known, values.keys()),
            forbidden_field="user_id",
        )
    )
    return bulk.save_valid(
        session=session, actor=actor, kind=RECORD, rows=rows, problems=problems, atomic=atomic
    )


def update(
    *, session: Session, actor: Actor, record_id: int, data: InteractionUpdate
) -> Interaction:
    """The interaction with the fields sent in ``data`` changed."""
    interaction = records.get_for_change(
        session=session, actor=actor, kind=RECORD, record_id=record_id
    )
    values = data.model_dump(exclude_unset=True)
    for required in ("customer_id", "kind", "occurred_at"):
        if required in values and values[required] is None:
            raise Invalid.field(("body", required), N_("cannot be cleared"))
    merged = {field: getattr(interaction, field) for field in _REFERENCES} | values
    _check(actor, merged, _lookup(session, actor, [merged]), changed=values.keys())
    return records.update(
        session=session, actor=actor, kind=RECORD, record=interaction, values=values
    )
