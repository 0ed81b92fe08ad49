"""Customers: finding, creating and changing them, with their rules.

Access, audit and the recycle bin come from ``rapport.records``; this module adds what
is particular to customers: search, one live customer per email, references that must
point at real records, pinyin names and custom fields.
"""

from __future__ import annotations

from typing import Any

from phonenumbers import country_code_for_region
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor, Rule, may_assign
from rapport.campaigns.models import Campaign
from rapport.config import get_settings
from rapport.customers import names
from rapport.customers.models import Customer, CustomerKind, customer_tags
from rapport.customers.schemas import CustomerCreate, CustomerFilters, CustomerUpdate
from rapport.customfields import service as custom_fields
from rapport.db import utcnow
from rapport.errors import Conflict, FieldProblem, Invalid
from rapport.pagination import Page
from rapport.users.models import User

RULE = Rule(owner=Customer.owner_id, agents_read_all=True)
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
    },
    sorts={
        "created_at": Customer.created_at,
        "updated_at": Customer.updated_at,
        "name": Customer.name,
    },
    check_restore=lambda session, customer: _check_email(session, customer.email, customer.id),
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


def search_condition(text: str) -> ColumnElement[bool]:
    """Customers whose name, pinyin, email, phone, WeChat id or company starts with ``text``."""
    folded = text.strip().lower()
    by_name = or_(
        _prefix(func.lower(Customer.name), folded),
        _prefix(func.lower(Customer.name_latin), folded),
    )
    companies = select(Customer.id).where(Customer.kind == CustomerKind.COMPANY, by_name)
    parts = [
        by_name,
        _prefix(Customer.email, folded),
        _prefix(Customer.wechat_id, text.strip()),
        Customer.company_id.in_(companies.scalar_subquery()),
    ]
    parts.extend(_prefix(Customer.phone, p) for p in _phone_prefixes(text))
    return or_(*parts)


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
        extra=search_condition(text) if text else None,
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

    def bad(field: str, message: str) -> None:
        problems.append(FieldProblem(("body", field), message))

    for field in ("company_id", "referred_by_id"):
        target_id = values.get(field)
        if target_id is None:
            continue
        target = session.get(Customer, target_id)
        if target is None or target.deleted_at is not None:
            bad(field, f"no customer {target_id}")
        elif target_id == record_id:
            bad(field, "a customer cannot point at itself")
        elif field == "company_id" and target.kind is not CustomerKind.COMPANY:
            bad(field, f"customer {target_id} is not a company")
    campaign_id = values.get("campaign_id")
    if campaign_id is not None and session.get(Campaign, campaign_id) is None:
        bad("campaign_id", f"no campaign {campaign_id}")
    if "owner_id" in values and values["owner_id"] is not None:
        owner = session.get(User, values["owner_id"])
        if owner is None or not owner.is_active:
            bad("owner_id", f"no active user {values['owner_id']}")
        else:
            may_assign(actor, owner.id, owner.team_id)
    if problems:
        raise Invalid(problems)


def _check_email(session: Session, email: str | None, record_id: int | None) -> None:
    if email is None:
        return
    other = get_by_email(session=session, email=email)
    if other is not None and other.id != record_id:
        raise Conflict(f"customer {other.id} already has the email {email}")


def create(*, session: Session, actor: Actor, data: CustomerCreate) -> Customer:
    """A new customer, owned by ``actor`` unless another owner is given."""
    values = data.model_dump(exclude_unset=True)
    values.setdefault("owner_id", actor.user_id)
    _check_references(session, actor, values, None)
    _check_email(session, values.get("email"), None)
    values["custom_fields"] = custom_fields.validate(
        session=session, entity="customer", values=values.get("custom_fields") or {}
    )
    if not values.get("name_latin"):
        person = values.get("kind", CustomerKind.PERSON) is CustomerKind.PERSON
        values["name_latin"] = names.latin(values["name"], person=person)
    if values.get("marketing_opt_out"):
        values["marketing_opt_out_at"] = utcnow()
    return records.create(session=session, actor=actor, kind=RECORD, values=values)


def update(*, session: Session, actor: Actor, record_id: int, data: CustomerUpdate) -> Customer:
    """The customer with the fields sent in ``data`` changed."""
    customer = records.get_for_change(
        session=session, actor=actor, kind=RECORD, record_id=record_id
    )
    values = data.model_dump(exclude_unset=True)
    for required in ("name", "kind", "marketing_opt_out"):
        if required in values and values[required] is None:
            raise Invalid.field(("body", required), "cannot be cleared")
    _check_references(session, actor, values, record_id)
    _check_email(session, values.get("email"), record_id)
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
    if values.get("marketing_opt_out") and not customer.marketing_opt_out:
        values["marketing_opt_out_at"] = utcnow()
    return records.update(session=session, actor=actor, kind=RECORD, record=customer, values=values)
