"""Merging two duplicate customers into one, with nothing lost and everything audited."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import delete, insert, literal, select, update
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor
from rapport.audit import service as audit
from rapport.audit.models import AuditAction
from rapport.consents.models import Consent
from rapport.customers.models import Customer, customer_tags
from rapport.customers.service import RECORD
from rapport.deals.models import Deal
from rapport.errors import Conflict
from rapport.events.models import Event
from rapport.i18n import N_
from rapport.interactions.models import Interaction
from rapport.orders.models import Order
from rapport.scores.models import CustomerScore
from rapport.segments.models import SegmentMembership
from rapport.surveys.models import SurveyResponse
from rapport.tasks.models import Task
from rapport.tickets.models import Ticket

# Records that follow their customer to the survivor, by the name the audit note uses.
MOVED: Final[dict[str, Any]] = {
    "orders": Order.customer_id,
    "deals": Deal.customer_id,
    "interactions": Interaction.customer_id,
    "tickets": Ticket.customer_id,
    "survey responses": SurveyResponse.customer_id,
    "events": Event.customer_id,
    "tasks": Task.customer_id,
    "consents": Consent.customer_id,
    "referred customers": Customer.referred_by_id,
    "company contacts": Customer.company_id,
}
# The names the audit log gives the moved records.
AUDIT_NAMES: Final[dict[Any, str]] = {
    Order: "order",
    Deal: "deal",
    Interaction: "interaction",
    Ticket: "ticket",
    SurveyResponse: "survey_response",
    Event: "event",
    Task: "task",
    Consent: "consent",
    Customer: "customer",
}
# Filled on the survivor from the duplicate where the survivor has nothing.
FILLED: Final = (
    "name_latin",
    "email",
    "phone",
    "wechat_id",
    "gender",
    "birthday",
    "birthday_lunar",
    "language",
    "country",
    "province",
    "city",
    "district",
    "street",
    "postcode",
    "company_id",
    "job_title",
    "industry",
    "employee_count",
    "annual_revenue_minor",
    "website",
    "tax_id",
    "channel",
    "campaign_id",
    "owner_id",
    "referred_by_id",
    "notes",
    "external_id",
)


def merge(*, session: Session, actor: Actor, survivor_id: int, duplicate_id: int) -> Customer:
    """The survivor, after taking over the duplicate's records and empty fields.

    The duplicate goes to the recycle bin. Both customers' histories record the merge,
    and the survivor's changed fields are audited one by one.
    """
    if survivor_id == duplicate_id:
        raise Conflict(N_("a customer cannot be merged into itself"))
    survivor = records.get_for_change(
        session=session, actor=actor, kind=RECORD, record_id=survivor_id
    )
    duplicate = records.get_for_change(
        session=session, actor=actor, kind=RECORD, record_id=duplicate_id
    )
    if survivor.kind is not duplicate.kind:
        raise Conflict(
            N_(
                "customer %(id)s is a %(kind)s, %(other_id)s a %(other_kind)s: merge people "
                "into people, companies into companies"
            ),
            id=survivor_id,
            kind=survivor.kind,
            other_id=duplicate_id,
            other_kind=duplicate.kind,
        )
    moved = {}
    for label, column in MOVED.items():
        table = column.class_
        where = [column == duplicate_id]
        if table is Customer:  # the survivor must not end up pointing at itself
            where.append(Customer.id != survivor_id)
        ids = list(session.scalars(select(table.id).where(*where)))
        if not ids:
            continue
        session.execute(
            update(table).where(table.id.in_(ids)).values({column.key: survivor_id}),
            execution_options={"synchronize_session": False},
        )
        for record_id in ids:  # each moved record's own history says where it went
            audit.record(
                session=session,
                actor=actor,
                entity=AUDIT_NAMES[table],
                entity_id=record_id,
                action=AuditAction.MERGE,
                changes={column.key: (duplicate_id, survivor_id)},
            )
        moved[label] = len(ids)
    for field in ("company_id", "referred_by_id"):  # no link from the survivor to the duplicate
        if getattr(survivor, field) == duplicate_id:
            records.update(
                session=session, actor=actor, kind=RECORD, record=survivor, values={field: None}
            )
    _merge_tags(session, survivor_id, duplicate_id)
    _merge_memberships(session, survivor_id, duplicate_id)
    session.execute(delete(CustomerScore).where(CustomerScore.customer_id == duplicate_id))
    filled = {
        name: getattr(duplicate, name)
        for name in FILLED
        if getattr(survivor, name) in (None, "") and getattr(duplicate, name) not in (None, "")
    }
    if filled.get("company_id") == survivor_id or filled.get("referred_by_id") == survivor_id:
        filled.pop("company_id", None)
        filled.pop("referred_by_id", None)
    extra = {k: v for k, v in duplicate.custom_fields.items() if k not in survivor.custom_fields}
    if extra:
        filled["custom_fields"] = {**survivor.custom_fields, **extra}
    email = filled.pop("email", None)
    records.delete(session=session, actor=actor, kind=RECORD, record=duplicate)
    if email is not None:
        filled["email"] = email  # only now, when the duplicate no longer holds it
    records.update(session=session, actor=actor, kind=RECORD, record=survivor, values=filled)
    summary = ", ".join(f"{n} {label}" for label, n in moved.items()) or "no related records"
    audit.record(
        session=session,
        actor=actor,
        entity="customer",
        entity_id=survivor_id,
        action=AuditAction.MERGE,
        note=f"merged customer {duplicate_id} into this one; moved {summary}",
    )
    audit.record(
        session=session,
        actor=actor,
        entity="customer",
        entity_id=duplicate_id,
        action=AuditAction.MERGE,
        note=f"merged into customer {survivor_id}",
    )
    session.expire(survivor)
    return survivor


def _merge_memberships(session: Session, survivor_id: int, duplicate_id: int) -> None:
    """Segment memberships move to the survivor, unless it is already in that segment."""
    members = SegmentMembership
    has = select(members.segment_id).where(members.customer_id == survivor_id)
    session.execute(
        update(members)
        .where(members.customer_id == duplicate_id, members.segment_id.not_in(has))
        .values(customer_id=survivor_id),
        execution_options={"synchronize_session": False},
    )
    session.execute(delete(members).where(members.customer_id == duplicate_id))


def _merge_tags(session: Session, survivor_id: int, duplicate_id: int) -> None:
    tags = customer_tags.c
    has = select(tags.tag_id).where(tags.customer_id == survivor_id)
    missing = select(literal(survivor_id), tags.tag_id).where(
        tags.customer_id == duplicate_id, tags.tag_id.not_in(has)
    )
    session.execute(insert(customer_tags).from_select(["customer_id", "tag_id"], missing))
    session.execute(delete(customer_tags).where(tags.customer_id == duplicate_id))
