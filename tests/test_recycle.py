"""Purging the recycle bin: old deletions go for good, unless live records still need them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport import recycle
from rapport.audit.models import AuditEntry
from rapport.customers.models import Customer
from rapport.db import utcnow
from rapport.interactions.models import Interaction, InteractionKind
from rapport.orders.models import Order


def _customer(session: Session, name: str, deleted_days_ago: int | None) -> Customer:
    now = utcnow()
    deleted = None if deleted_days_ago is None else now - timedelta(days=deleted_days_ago)
    customer = Customer(name=name, custom_fields={}, deleted_at=deleted)
    session.add(customer)
    session.flush()
    return customer


def test_purge_removes_old_deletions_and_keeps_what_is_still_needed(session: Session) -> None:
    now = utcnow()
    old = _customer(session, "old, nothing needs it", 40)
    session.add(Interaction(customer_id=old.id, kind=InteractionKind.CALL, occurred_at=now,
                            deleted_at=now - timedelta(days=40)))  # fmt: skip
    busy = _customer(session, "old, but a live call of it is kept", 40)
    session.add(Interaction(customer_id=busy.id, kind=InteractionKind.CALL, occurred_at=now))
    needed = _customer(session, "old, but its order is kept", 40)
    session.add(Order(number=f"T-{needed.id}", customer_id=needed.id, ordered_at=now))
    recent = _customer(session, "deleted last week", 5)
    live = _customer(session, "never deleted", None)
    session.flush()

    report = recycle.purge(session=session, before=now - timedelta(days=30))

    by_entity = {r.entity: r for r in report}
    assert (by_entity["customer"].purged, by_entity["customer"].kept) == (1, 2)
    assert (by_entity["interaction"].purged, by_entity["interaction"].kept) == (1, 0)
    remaining = set(session.scalars(select(Customer.id)))
    assert old.id not in remaining
    assert {busy.id, needed.id, recent.id, live.id} <= remaining
    live_call = select(Interaction).where(Interaction.customer_id == busy.id)
    assert len(session.scalars(live_call).all()) == 1
    assert session.scalars(select(Interaction).where(Interaction.customer_id == old.id)).all() == []
    note = session.scalars(
        select(AuditEntry.new_value).where(
            AuditEntry.entity == "customer", AuditEntry.entity_id == old.id
        )
    ).one()
    assert note == "purged from the recycle bin"


def test_a_dry_run_counts_without_removing(session: Session) -> None:
    old = _customer(session, "old", 40)
    report = recycle.purge(session=session, before=utcnow() - timedelta(days=30), dry_run=True)
    assert {r.entity: r.purged for r in report}["customer"] >= 1
    assert session.get(Customer, old.id) is not None
