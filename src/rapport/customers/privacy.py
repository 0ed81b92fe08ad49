"""Personal-data rights: everything held about one customer, and erasing it.

The export gathers, for one customer, every record Rapport holds about them, section by
section, through the same access rules as everywhere else (docs/privacy.md). Erasure
anonymises the customer in place: personal fields are cleared, free texts of the
records about them too, and every audit value of those records is overwritten, while
the rows, their times, amounts and scores stay, so counts, revenue and NPS keep their
figures. What is kept and why is written down in docs/privacy.md.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Delete,
    String,
    Update,
    and_,
    case,
    delete,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy import inspect as sql_inspect
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Action, Actor, Rule, condition
from rapport.audit import service as audit
from rapport.audit.models import AuditAction, AuditEntry
from rapport.consents import service as consent_service
from rapport.consents.models import Consent
from rapport.customers.models import Customer, Tag, customer_tags
from rapport.customers.service import RECORD
from rapport.customfields.models import CustomFieldDefinition
from rapport.db import Base, utcnow
from rapport.deals import service as deal_service
from rapport.deals.models import Deal
from rapport.errors import Forbidden, NotFound
from rapport.events import service as event_service
from rapport.events.models import Event
from rapport.i18n import N_
from rapport.interactions import service as interaction_service
from rapport.interactions.models import Interaction
from rapport.orders import service as order_service
from rapport.orders.models import Order, OrderItem
from rapport.scores.models import CustomerScore
from rapport.segments.models import Segment, SegmentMembership
from rapport.surveys import service as survey_service
from rapport.surveys.models import SurveyResponse
from rapport.tasks import service as task_service
from rapport.tasks.models import Task
from rapport.tickets import service as ticket_service
from rapport.tickets.models import Ticket
from rapport.users.models import Role

ERASED: Final = "(erased)"
# Cleared on the customer row; the rest (kind, channel, campaign, stage, coarse place,
# owner, company facts, created_at …) stays for the aggregates.
CLEARED_FIELDS: Final = (
    "name_latin",
    "email",
    "phone",
    "wechat_id",
    "gender",
    "birthday",
    "birthday_lunar",
    "district",
    "street",
    "postcode",
    "job_title",
    "website",
    "tax_id",
    "notes",
    "external_id",
)


@dataclass(frozen=True)
class Section:
    """One kind of record held about a customer: its columns and rows."""

    name: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class PersonalData:
    """Everything held about one customer, section by section (``customer`` first)."""

    customer_id: int
    exported_at: datetime
    sections: tuple[Section, ...]

    def section(self, name: str) -> Section:
        """The section called ``name``."""
        return next(s for s in self.sections if s.name == name)


@dataclass(frozen=True)
class Erasure:
    """What an erasure changed: the customers anonymised and the records scrubbed, by kind."""

    customer_id: int
    erased_at: datetime
    customer_ids: list[int]  # the customer, and the duplicates once merged into it
    scrubbed: dict[str, int]  # records whose personal data was cleared, by kind
    audit_values: int


def erased_name(customer_id: int) -> str:
    """The name an erased customer is shown by."""
    return f"已删除客户 / Erased customer #{customer_id}"


# The export ------------------------------------------------------------------------


def _columns(model: type[Base]) -> tuple[str, ...]:
    return tuple(attr.key for attr in sql_inspect(model).column_attrs)


def _row(record: Base, columns: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(record, name) for name in columns}


def _section(session: Session, name: str, model: type[Base], where: ColumnElement[bool]) -> Section:
    columns = _columns(model)
    found = session.scalars(select(model).where(where).order_by(model.id))  # type: ignore[attr-defined]
    return Section(name, columns, [_row(record, columns) for record in found])


def _linked_events(customer_id: int) -> ColumnElement[bool]:
    """The customer's events, and anonymous ones of the same visitor (id) or visits."""
    mine = Event.customer_id == customer_id
    visitors = select(Event.anonymous_id).where(mine, Event.anonymous_id.is_not(None))
    visits = select(Event.session_id).where(mine)
    anonymous = and_(
        Event.customer_id.is_(None),
        or_(Event.anonymous_id.in_(visitors), Event.session_id.in_(visits)),
    )
    return or_(mine, anonymous)


def _tasks(customer_id: int) -> ColumnElement[bool]:
    """Tasks about the customer, or about one of its tickets or deals."""
    return or_(
        Task.customer_id == customer_id,
        Task.ticket_id.in_(select(Ticket.id).where(Ticket.customer_id == customer_id)),
        Task.deal_id.in_(select(Deal.id).where(Deal.customer_id == customer_id)),
    )


def _custom_fields(session: Session, customer: Customer) -> Section:
    labels = {
        d.key: d
        for d in session.scalars(
            select(CustomFieldDefinition).where(CustomFieldDefinition.entity == "customer")
        )
    }
    columns = ("key", "label", "label_zh", "value")
    rows = []
    for key, value in sorted(customer.custom_fields.items()):
        known = labels.get(key)
        rows.append(
            {
                "key": key,
                "label": known.label if known else None,
                "label_zh": known.label_zh if known else None,
                "value": value,
            }
        )
    return Section("custom_fields", columns, rows)


def _tags(session: Session, customer_id: int) -> Section:
    stmt = (
        select(Tag)
        .join(customer_tags, customer_tags.c.tag_id == Tag.id)
        .where(customer_tags.c.customer_id == customer_id)
        .order_by(Tag.name)
    )
    columns = ("id", "name", "color")
    return Section("tags", columns, [_row(tag, columns) for tag in session.scalars(stmt)])


def _memberships(session: Session, customer_id: int) -> Section:
    stmt = (
        select(SegmentMembership, Segment.name)
        .join(Segment, Segment.id == SegmentMembership.segment_id)
        .where(SegmentMembership.customer_id == customer_id)
        .order_by(SegmentMembership.entered_at, SegmentMembership.id)
    )
    columns = (*_columns(SegmentMembership), "segment_name")
    rows = [{**_row(m, columns[:-1]), "segment_name": name} for m, name in session.execute(stmt)]
    return Section("segment_memberships", columns, rows)


def _exported(session: Session, actor: Actor, customer_id: int) -> Customer:
    if actor.role is Role.ADMIN:  # admins answer requests for customers in the bin too
        found = session.get(Customer, customer_id)
        if found is None:
            raise NotFound(RECORD.entity, customer_id)
        return found
    return records.get(session=session, actor=actor, kind=RECORD, record_id=customer_id)


def personal_data(*, session: Session, actor: Actor, customer_id: int) -> PersonalData:
    """Everything held about one customer that ``actor`` may see; NotFound otherwise.

    Admins get all of it (customers in the recycle bin too); others get what the access
    rules show them (a rep does not see a colleague's deal). Records in the recycle bin
    are included: they are still held.
    """
    customer = _exported(session, actor, customer_id)
    cid = customer.id

    def theirs(link: Any, rule: Rule) -> ColumnElement[bool]:
        return and_(link == cid, condition(actor, rule, Action.READ))

    orders = theirs(Order.customer_id, order_service.RULE)
    held: list[tuple[str, type[Base], ColumnElement[bool]]] = [
        ("consents", Consent, Consent.customer_id == cid),
        ("orders", Order, orders),
        ("order_items", OrderItem, OrderItem.order_id.in_(select(Order.id).where(orders))),
        ("deals", Deal, theirs(Deal.customer_id, deal_service.RULE)),
        ("interactions", Interaction, theirs(Interaction.customer_id, interaction_service.RULE)),
        ("tickets", Ticket, theirs(Ticket.customer_id, ticket_service.RULE)),
        ("survey_responses", SurveyResponse,
         theirs(SurveyResponse.customer_id, survey_service.RESPONSE_RULE)),
        ("events", Event,
         and_(_linked_events(cid), condition(actor, event_service.RULE, Action.READ))),
        ("tasks", Task, and_(_tasks(cid), condition(actor, task_service.RULE, Action.READ))),
    ]  # fmt: skip
    audit_rows = and_(AuditEntry.entity == RECORD.entity, AuditEntry.entity_id == cid)
    sections = (
        Section("customer", _columns(Customer), [_row(customer, _columns(Customer))]),
        _tags(session, cid),
        _custom_fields(session, customer),
        *(_section(session, name, model, where) for name, model, where in held),
        _memberships(session, cid),
        _section(session, "scores", CustomerScore, CustomerScore.customer_id == cid),
        _section(session, "audit_log", AuditEntry, audit_rows),
    )
    return PersonalData(customer_id=cid, exported_at=utcnow(), sections=sections)


# Erasure ---------------------------------------------------------------------------


def _count(session: Session, stmt: Update | Delete) -> int:
    result = cast(
        CursorResult[Any], session.execute(stmt, execution_options={"synchronize_session": False})
    )
    return result.rowcount


def _scrubbed(value: Any) -> Any:
    return case((value.is_(None), None), else_=literal(ERASED))


def _scrub_audit(
    session: Session, entity: str, ids: ColumnElement[bool], fields: tuple[str, ...] = ()
) -> int:
    """Every value of the audit rows of ``entity`` matching ``ids`` (or only of ``fields``)
    overwritten; the rows of earlier erasures keep their reason."""
    where = [
        AuditEntry.entity == entity,
        ids,
        AuditEntry.action != AuditAction.ERASE,
        AuditEntry.field.in_(fields) if fields else true(),
    ]
    stmt = (
        update(AuditEntry)
        .where(*where)
        .values(
            old_value=_scrubbed(AuditEntry.old_value), new_value=_scrubbed(AuditEntry.new_value)
        )
    )
    return _count(session, stmt)


def _erase_events(session: Session, customer_id: int) -> tuple[int, int]:
    """The customer's events, and the anonymous ones linked to them, stripped of pages,
    properties and visitor ids; each visit gets a new random id, so visits still count
    as one but no longer link to anything else. The events and their audit values scrubbed."""
    visits = list(
        session.scalars(select(Event.session_id).where(_linked_events(customer_id)).distinct())
    )
    events = audited = 0
    for visit in visits:
        new = f"erased-{uuid.uuid4().hex}"
        events += _count(
            session,
            update(Event)
            .where(
                Event.session_id == visit,
                or_(Event.customer_id == customer_id, Event.customer_id.is_(None)),
            )
            .values(session_id=new, page=None, properties={}, anonymous_id=None),
        )
        ids = AuditEntry.entity_id.in_(select(Event.id).where(Event.session_id == new))
        audited += _scrub_audit(session, event_service.RECORD.entity, ids)
    return events, audited


def _clearing(cid: int) -> dict[str, Update | Delete]:
    """The statements that clear the personal data of the records about customer ``cid``,
    by the kind of record they change (events apart: see ``_erase_events``)."""
    deal_name = literal("已删除商机 / Erased deal #") + sql_cast(Deal.id, String)
    return {
        "interactions": update(Interaction)
        .where(Interaction.customer_id == cid)
        .values(subject=None, body=None),
        "tickets": update(Ticket)
        .where(Ticket.customer_id == cid)
        .values(subject=ERASED, description=None),
        "survey_responses": update(SurveyResponse)
        .where(SurveyResponse.customer_id == cid)
        .values(comment=None),
        "tasks": update(Task).where(_tasks(cid)).values(title=ERASED, description=None),
        "deals": update(Deal)
        .where(Deal.customer_id == cid)
        .values(name=deal_name, description=None, custom_fields={}),
        "consents": update(Consent).where(Consent.customer_id == cid).values(note=None),
        "tags": delete(customer_tags).where(customer_tags.c.customer_id == cid),
    }


def _audited(cid: int) -> list[tuple[str, ColumnElement[bool], tuple[str, ...]]]:
    """Whose audit values are overwritten: (entity, which ids, which fields; () for all).

    Every value of the customer and of its interactions, tickets, answers and tasks
    (events are done visit by visit); of deals only the texts, of consents the note.
    """

    def ids(model: Any, where: ColumnElement[bool]) -> ColumnElement[bool]:
        return AuditEntry.entity_id.in_(select(model.id).where(where))

    return [
        (RECORD.entity, AuditEntry.entity_id == cid, ()),
        (interaction_service.RECORD.entity, ids(Interaction, Interaction.customer_id == cid), ()),
        (ticket_service.RECORD.entity, ids(Ticket, Ticket.customer_id == cid), ()),
        (survey_service.RESPONSE_RECORD.entity,
         ids(SurveyResponse, SurveyResponse.customer_id == cid), ()),
        (task_service.RECORD.entity, ids(Task, _tasks(cid)), ()),
        (deal_service.RECORD.entity, ids(Deal, Deal.customer_id == cid),
         ("name", "description", "custom_fields")),
        (consent_service.RECORD.entity, ids(Consent, Consent.customer_id == cid), ("note",)),
    ]  # fmt: skip


def _erase_one(session: Session, customer: Customer, now: datetime) -> tuple[dict[str, int], int]:
    """One customer anonymised; how many records of each kind and audit values changed."""
    customer.name = erased_name(customer.id)
    for name in CLEARED_FIELDS:
        setattr(customer, name, None)
    customer.custom_fields = {}
    if not customer.marketing_opt_out:  # nobody may be sent anything in their name
        customer.marketing_opt_out, customer.marketing_opt_out_at = True, now
    customer.anonymised_at = now
    session.flush()
    counts = {kind: _count(session, stmt) for kind, stmt in _clearing(customer.id).items()}
    counts["events"], audited = _erase_events(session, customer.id)
    for entity, ids, fields in _audited(customer.id):
        audited += _scrub_audit(session, entity, ids, fields)
    return counts, audited


def _merged_into(session: Session, customer_id: int) -> list[int]:
    """The customers once merged into ``customer_id`` (the same person, in the bin)."""
    note = f"merged into customer {customer_id}"  # written by customers.merge
    stmt = select(AuditEntry.entity_id).where(
        AuditEntry.entity == RECORD.entity,
        AuditEntry.action == AuditAction.MERGE,
        AuditEntry.field.is_(None),
        AuditEntry.new_value == note,
    )
    return sorted(set(session.scalars(stmt)))


def erase(*, session: Session, actor: Actor, customer_id: int, reason: str) -> Erasure:
    """The erasure of a customer's personal data everywhere, keeping the aggregates.

    Admins only (Forbidden for everyone else, whether the customer exists or not); works
    on customers in the recycle bin too, and again on an erased customer (it scrubs what
    was added since). Duplicates once merged into the customer are erased with it. Each
    erased customer's history gets an ``erase`` row with ``reason`` and who did it.
    """
    if actor.role is not Role.ADMIN:
        raise Forbidden(N_("only admins may erase a customer's personal data"))
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(RECORD.entity, customer_id)
    now = utcnow()
    ids, totals, audited = [customer_id], dict[str, int](), 0
    queue = [customer]
    while queue:
        current = queue.pop(0)
        counts, scrubbed = _erase_one(session, current, now)
        audited += scrubbed
        for kind, n in counts.items():
            totals[kind] = totals.get(kind, 0) + n
        for duplicate_id in _merged_into(session, current.id):
            if duplicate_id not in ids and (found := session.get(Customer, duplicate_id)):
                ids.append(duplicate_id)
                queue.append(found)
    for erased_id in ids:  # after the scrubbing, so these rows keep the reason
        audit.record(
            session=session,
            actor=actor,
            entity=RECORD.entity,
            entity_id=erased_id,
            action=AuditAction.ERASE,
            note=reason,
        )
    session.flush()
    return Erasure(
        customer_id=customer_id,
        erased_at=now,
        customer_ids=ids,
        scrubbed=totals,
        audit_values=audited,
    )
