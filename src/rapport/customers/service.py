"""Customers: finding, creating and changing them, with their rules.

Access, audit and the recycle bin come from ``rapport.records``; this module adds what
is particular to customers: search, one live customer per email, references that must
point at real records, pinyin names and custom fields.
"""

from __future__ import annotations

from typing import Any

from phonenumbers import country_code_for_region
from sqlalchemy import ColumnElement, and_, func, select, union
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Action, Actor, Rule, condition
from rapport.audit import service as audit
from rapport.audit.models import AuditAction
from rapport.campaigns.models import Campaign
from rapport.config import get_settings
from rapport.consents.models import Consent, ConsentStatus
from rapport.customers import names
from rapport.customers.models import Customer, CustomerKind, customer_tags
from rapport.customers.schemas import CustomerCreate, CustomerFilters, CustomerUpdate
from rapport.customfields import service as custom_fields
from rapport.db import utcnow
from rapport.errors import Conflict, FieldProblem, Invalid
from rapport.i18n import N_
from rapport.pagination import Page
from rapport.scores.models import CustomerScore, ScoringRun

RULE = Rule(owner=Customer.owner_id, agents_read_all=True)


def _scored(holds: ColumnElement[bool]) -> ColumnElement[bool]:
    """Customers whose scores in the newest scoring run meet ``holds``."""
    newest = select(func.max(ScoringRun.id)).scalar_subquery()
    scored = select(CustomerScore.customer_id).where(CustomerScore.run_id == newest, holds)
    return Customer.id.in_(scored)


RECORD = records.RecordType(
    entity="customer",
    model=Customer,
    rule=RULE,
    filters={
        "kind": lambda v: Customer.kind == v,
        "owner_id": lambda v: Customer.owner_id.in_(v),
        "lifecycle_stage": lambda v: Customer.lifecycle_stage.in_(v),
        "channel": lambda v: Customer.channel == v,
        "campaign_id": lambda v: Customer.campaign_id == v,
        "company_id": lambda v: Customer.company_id == v,
        "country": lambda v: Customer.country == v.upper(),
        "province": lambda v: Customer.province == v,
        "city": lambda v: Customer.city == v,
        "tag_id": lambda v: Customer.id.in_(
            select(customer_tags.c.customer_id).where(customer_tags.c.tag_id == v)
        ),
        "marketing_opt_out": lambda v: Customer.marketing_opt_out == v,
        "created_from": lambda v: Customer.created_at >= v,
        "created_to": lambda v: Customer.created_at < v,
        "churn_risk_min": lambda v: _scored(CustomerScore.churn_risk >= v),
        "churn_risk_max": lambda v: _scored(CustomerScore.churn_risk <= v),
        "clv_min": lambda v: _scored(CustomerScore.clv >= v),
        "clv_max": lambda v: _scored(CustomerScore.clv <= v),
        "p_alive_max": lambda v: _scored(CustomerScore.p_alive <= v),
        "rfm_segment": lambda v: _scored(CustomerScore.rfm_segment.in_(v)),
        "cluster": lambda v: _scored(CustomerScore.cluster == v),
    },
    sorts={
        "created_at": Customer.created_at,
        "name": Customer.name,
    },
    check_restore=lambda session, customer: _check_email(
        session, None, customer.email, customer.id
    ),
    custom_fields="customer",
)


def _prefix(column: Any, text: str) -> ColumnElement[bool]:
    """``column`` starts with ``text``, as a range an index on ``column`` can answer."""
    return and_(column >= text, column < text + "\U0010ffff")


def _phone_prefixes(text: str) -> list[str]:
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) < 3:
        return []
    if text.lstrip().startswith("+"):
        return ["+" + digits]
    code = country_code_for_region(get_settings().default_region)
    return ["+" + digits, f"+{code}{digits.lstrip('0')}"]


def search_condition(actor: Actor, text: str) -> ColumnElement[bool]:
    """Customers whose name, pinyin, email, phone, WeChat id or company starts with ``text``.

    Each way of matching is its own indexed lookup, and their ids are united, so a search
    costs a few index probes however many customers there are (an OR of the conditions
    would make the database read the whole table). Companies the actor may not see do
    not count, so a search cannot reveal their names.
    """
    folded = text.strip().lower()
    by_name = [
        _prefix(func.lower(Customer.name), folded),
        _prefix(func.lower(Customer.name_latin), folded),
    ]
    ways = [
        *by_name,
        _prefix(Customer.email, folded),
        _prefix(Customer.wechat_id, text.strip()),
        *(_prefix(Customer.phone, p) for p in _phone_prefixes(text)),
    ]
    branches = [select(Customer.id).where(way) for way in ways]
    for way in by_name:
        companies = select(Customer.id).where(
            way, Customer.kind == CustomerKind.COMPANY, Customer.deleted_at.is_(None),
            condition(actor, RULE, Action.READ),
        )  # fmt: skip
        branches.append(select(Customer.id).where(Customer.company_id.in_(companies)))
    return Customer.id.in_(union(*branches))


def list_page(
    *,
    session: Session,
    actor: Actor,
    kind: records.RecordType[Customer] = RECORD,
    filters: CustomerFilters | None = None,
    sort: str = "id",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Customer]:
    """One page of the customers ``actor`` may see, searched, filtered and sorted."""
    filters = filters or CustomerFilters()
    text = (filters.q or "").strip()
    return records.list_page(
        session=session,
        actor=actor,
        kind=kind,
        filters=filters.model_copy(update={"q": None}),
        extra=search_condition(actor, text) if text else None,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


def get_by_email(*, session: Session, email: str) -> Customer | None:
    """The live customer with this normalised email, if any."""
    stmt = select(Customer).where(Customer.email == email, Customer.deleted_at.is_(None))
    return session.scalars(stmt.limit(1)).first()


def _check_references(
    session: Session, actor: Actor, values: dict[str, Any], record_id: int | None
) -> None:
    """Invalid unless the ids in ``values`` point at records that exist and fit."""
    problems = []

    def bad(field: str, template: str, /, **params: object) -> None:
        problems.append(FieldProblem(("body", field), template, **params))

    for field in ("company_id", "referred_by_id"):
        target_id = values.get(field)
        if target_id is None:
            continue
        if target_id == record_id:
            bad(field, N_("a customer cannot point at itself"))
            continue
        try:  # only customers the actor may see, so the answer reveals no others
            records.check_reference(session=session, actor=actor, kind=RECORD,
                                    record_id=target_id, field=field)  # fmt: skip
        except Invalid as error:
            problems.extend(error.problems)
            continue
        target = session.get_one(Customer, target_id)
        if field == "company_id" and target.kind is not CustomerKind.COMPANY:
            bad(field, N_("customer %(id)s is not a company"), id=target_id)
    campaign_id = values.get("campaign_id")
    if campaign_id is not None and session.get(Campaign, campaign_id) is None:
        bad("campaign_id", N_("no %(entity)s %(id)s"), entity="campaign", id=campaign_id)
    if problems:
        raise Invalid(problems)
    records.check_owner(session=session, actor=actor, values=values, field="owner_id")


def _check_email(
    session: Session, actor: Actor | None, email: str | None, record_id: int | None
) -> None:
    """Conflict when another live customer has ``email`` (named only if the actor sees it)."""
    if email is None:
        return
    other = get_by_email(session=session, email=email)
    if other is None or other.id == record_id:
        return
    visible = (
        actor is None
        or session.scalars(
            records.select_visible(RECORD, actor).where(Customer.id == other.id)
        ).first()
    )
    if visible:
        raise Conflict(
            N_("customer %(id)s already has the email %(email)s"), id=other.id, email=email
        )
    raise Conflict(N_("%(email)s is already the email of a customer you cannot see"), email=email)


def create(*, session: Session, actor: Actor, data: CustomerCreate) -> Customer:
    """A new customer, owned by ``actor`` unless another owner is given."""
    values = data.model_dump(exclude_unset=True)
    values.setdefault("owner_id", actor.user_id)
    _check_references(session, actor, values, None)
    _check_email(session, actor, values.get("email"), None)
    values["custom_fields"] = custom_fields.validate(
        session=session, entity="customer", values=values.get("custom_fields") or {}
    )
    if not values.get("name_latin"):
        person = values.get("kind", CustomerKind.PERSON) is CustomerKind.PERSON
        values["name_latin"] = names.latin(values["name"], person=person)
    if values.get("marketing_opt_out"):
        values["marketing_opt_out_at"] = utcnow()
    customer = records.create(session=session, actor=actor, kind=RECORD, values=values)
    if customer.marketing_opt_out:
        _ledger_opt_out(session, actor, customer)
    return customer


def update(*, session: Session, actor: Actor, record_id: int, data: CustomerUpdate) -> Customer:
    """The customer with the fields sent in ``data`` changed."""
    customer = records.get_for_change(
        session=session, actor=actor, kind=RECORD, record_id=record_id
    )
    values = data.model_dump(exclude_unset=True)
    for required in ("name", "kind", "marketing_opt_out"):
        if required in values and values[required] is None:
            raise Invalid.field(("body", required), N_("cannot be cleared"))
    _check_references(session, actor, values, record_id)
    _check_email(session, actor, values.get("email"), record_id)
    if "custom_fields" in values:
        values["custom_fields"] = custom_fields.validate(
            session=session,
            entity="customer",
            values=values["custom_fields"] or {},
            current=customer.custom_fields,
        )
    if "name" in values and "name_latin" not in values:
        person = values.get("kind", customer.kind) is CustomerKind.PERSON
        values["name_latin"] = names.latin(values["name"], person=person)
    switched = "marketing_opt_out" in values and values["marketing_opt_out"] != (
        customer.marketing_opt_out
    )
    if switched:
        values["marketing_opt_out_at"] = utcnow() if values["marketing_opt_out"] else None
    records.update(session=session, actor=actor, kind=RECORD, record=customer, values=values)
    if switched:
        _ledger_opt_out(session, actor, customer)
    return customer


def _ledger_opt_out(session: Session, actor: Actor, customer: Customer) -> None:
    """A consent ledger entry for an opt-out set (or lifted) on the customer directly.

    The ledger is the proof of what a customer agreed to, so a change made on the
    customer record is written there too: marketing withdrawn (or given) on every
    channel, from the door the change came through.
    """
    entry = Consent(
        customer_id=customer.id,
        purpose="marketing",
        channel=None,
        status=ConsentStatus.WITHDRAWN if customer.marketing_opt_out else ConsentStatus.GIVEN,
        at=customer.marketing_opt_out_at or utcnow(),
        source=actor.source.value,
        note="marketing opt-out set on the customer record"
        if customer.marketing_opt_out
        else "marketing opt-out lifted on the customer record",
    )
    session.add(entry)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        entity="consent",
        entity_id=entry.id,
        action=AuditAction.CREATE,
        changes={"status": (None, entry.status)},
    )
