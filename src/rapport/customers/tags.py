"""Tags on customers: free labels, made on first use, put on and taken off in bulk."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor
from rapport.audit import service as audit
from rapport.audit.models import AuditAction
from rapport.customers.models import Tag, customer_tags
from rapport.customers.service import RECORD
from rapport.errors import Invalid
from rapport.i18n import N_

NAME_LENGTH = 80


def get_or_create(*, session: Session, name: str) -> Tag:
    """The tag called ``name`` (spaces trimmed), made if there is none yet."""
    clean = name.strip()
    if not clean or len(clean) > NAME_LENGTH:
        raise Invalid.field(
            ("body", "tag"), N_("a tag name has 1 to %(most)s characters"), most=NAME_LENGTH
        )
    found = session.scalars(select(Tag).where(Tag.name == clean)).one_or_none()
    if found is None:
        found = Tag(name=clean)
        session.add(found)
        session.flush()
    return found


def add(*, session: Session, actor: Actor, customer_ids: Sequence[int], name: str) -> Tag:
    """Put the tag on each customer (which ``actor`` must be allowed to change); audited."""
    tag = get_or_create(session=session, name=name)
    for customer_id in customer_ids:
        records.get_for_change(session=session, actor=actor, kind=RECORD, record_id=customer_id)
    tagged = set(
        session.scalars(
            select(customer_tags.c.customer_id).where(
                customer_tags.c.tag_id == tag.id, customer_tags.c.customer_id.in_(customer_ids)
            )
        )
    )
    new = [customer_id for customer_id in dict.fromkeys(customer_ids) if customer_id not in tagged]
    if new:
        session.execute(insert(customer_tags), [{"customer_id": c, "tag_id": tag.id} for c in new])
    for customer_id in new:
        audit.record(session=session, actor=actor, entity="customer", entity_id=customer_id,
                     action=AuditAction.UPDATE, changes={"tags": (None, tag.name)})  # fmt: skip
    return tag


def remove(*, session: Session, actor: Actor, customer_id: int, tag_id: int) -> None:
    """Take the tag off the customer (which ``actor`` must be allowed to change); audited."""
    records.get_for_change(session=session, actor=actor, kind=RECORD, record_id=customer_id)
    tag = session.get(Tag, tag_id)
    gone = session.execute(
        delete(customer_tags).where(
            customer_tags.c.customer_id == customer_id, customer_tags.c.tag_id == tag_id
        )
    )
    if tag is not None and gone.rowcount:  # type: ignore[attr-defined]
        audit.record(session=session, actor=actor, entity="customer", entity_id=customer_id,
                     action=AuditAction.UPDATE, changes={"tags": (tag.name, None)})  # fmt: skip


def of_customer(*, session: Session, customer_id: int) -> list[Tag]:
    """The customer's tags, by name."""
    stmt = (
        select(Tag)
        .join(customer_tags, customer_tags.c.tag_id == Tag.id)
        .where(customer_tags.c.customer_id == customer_id)
        .order_by(Tag.name)
    )
    return list(session.scalars(stmt))
