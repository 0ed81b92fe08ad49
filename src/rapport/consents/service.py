"""The consent ledger: adding entries, reading it, what holds now, and the marketing opt-out.

The ledger is append-only: an entry is never changed or removed, a later entry
overrides it. The newest entry (by ``at``, then by id) holds for its purpose and
channel; an entry without a channel speaks for every channel. Marketing entries keep
the customer's ``marketing_opt_out`` flag in step (docs/privacy.md):

- when, after an entry, withdrawn marketing holds on every channel, the customer is
  opted out (``marketing_opt_out_at``: the time of the newest of those withdrawals);
- when a new given marketing entry holds on at least one channel, the opt-out is lifted
  (``marketing_opt_out_at`` cleared);
- otherwise the flag stays as it is (a withdrawal on one channel only, or an entry
  older than one that overrides it, does not touch it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor, Parent, Rule
from rapport.consents.models import Consent, ConsentStatus
from rapport.consents.schemas import ConsentChannel, ConsentCreate, ConsentPurpose, ConsentState
from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.db import utcnow
from rapport.errors import Invalid
from rapport.i18n import N_
from rapport.pagination import Page

RULE = Rule(parent=Parent(Consent.customer_id, Customer.id, customer_service.RULE))
RECORD = records.RecordType(
    entity="consent", model=Consent, rule=RULE, sorts={"at": Consent.at}, soft_delete=False
)
# How far ahead of the server's clock ``at`` may be: the sender's clock may run fast.
CLOCK_SKEW: Final = timedelta(minutes=5)


def _recency(entry: Consent) -> tuple[datetime, int]:
    """Newer entries sort last: by ``at``, then by the order they were recorded."""
    return entry.at, entry.id


def _newest(entries: Sequence[Consent]) -> Consent | None:
    return max(entries, key=_recency, default=None)


def _ledger(session: Session, customer_id: int, purpose: str | None = None) -> list[Consent]:
    stmt = select(Consent).where(Consent.customer_id == customer_id)
    if purpose is not None:
        stmt = stmt.where(Consent.purpose == purpose)
    return list(session.scalars(stmt))


def holding(entries: Sequence[Consent], purpose: str, channel: str) -> Consent | None:
    """The entry that decides ``purpose`` on ``channel``: the newest for that channel or
    for every channel (no channel); None when the ledger says nothing about it."""
    relevant = [e for e in entries if e.purpose == purpose and e.channel in (channel, None)]
    return _newest(relevant)


def allows(*, session: Session, customer_id: int, purpose: str, channel: str) -> bool:
    """Whether the ledger holds a given consent for ``purpose`` on ``channel`` now.

    Sending features ask this (and honour ``marketing_opt_out``); no entry means no.
    """
    entry = holding(_ledger(session, customer_id, purpose), purpose, channel)
    return entry is not None and entry.status is ConsentStatus.GIVEN


def list_page(
    *, session: Session, actor: Actor, customer_id: int, cursor: str | None, limit: int
) -> Page[Consent]:
    """One page of a customer's ledger, newest first; NotFound unless ``actor`` sees them."""
    records.get(session=session, actor=actor, kind=customer_service.RECORD, record_id=customer_id)
    return records.list_page(
        session=session,
        actor=actor,
        kind=RECORD,
        sort="-at",
        extra=Consent.customer_id == customer_id,
        cursor=cursor,
        limit=limit,
    )


def _order(key: tuple[str, str | None]) -> tuple[str, str]:
    return key[0], key[1] or ""


def current(*, session: Session, actor: Actor, customer_id: int) -> list[ConsentState]:
    """What holds now for each purpose and channel the ledger mentions (newest entry wins),
    ordered by purpose, then channel (every-channel entries first)."""
    records.get(session=session, actor=actor, kind=customer_service.RECORD, record_id=customer_id)
    by_key: dict[tuple[str, str | None], list[Consent]] = {}
    for entry in _ledger(session, customer_id):
        by_key.setdefault((entry.purpose, entry.channel), []).append(entry)
    states = []
    for (purpose, channel), entries in sorted(by_key.items(), key=lambda kv: _order(kv[0])):
        newest = max(entries, key=_recency)
        states.append(
            ConsentState(
                purpose=purpose,
                channel=channel,
                status=newest.status,
                at=newest.at,
                consent_id=newest.id,
            )
        )
    return states


def _check_at(at: datetime | None) -> datetime:
    now = utcnow()
    if at is None:
        return now
    if at > now + CLOCK_SKEW:
        raise Invalid.field(("body", "at"), N_("cannot be in the future"))
    return at


def _sync_opt_out(session: Session, actor: Actor, customer: Customer, entry: Consent) -> None:
    """The customer's marketing opt-out set or lifted after ``entry``, as the module says."""
    purpose = ConsentPurpose.MARKETING.value
    entries = _ledger(session, customer.id, purpose)
    states = [holding(entries, purpose, channel.value) for channel in ConsentChannel]
    values: dict[str, Any] = {}
    withdrawn = [s for s in states if s is not None and s.status is ConsentStatus.WITHDRAWN]
    holds = any(s is not None and s.id == entry.id for s in states)
    opted_out = customer.marketing_opt_out or customer.marketing_opt_out_at is not None
    if len(withdrawn) == len(states):
        if not customer.marketing_opt_out:
            when = max(s.at for s in withdrawn)
            values = {"marketing_opt_out": True, "marketing_opt_out_at": when}
    elif entry.status is ConsentStatus.GIVEN and holds and opted_out:
        values = {"marketing_opt_out": False, "marketing_opt_out_at": None}
    if values:
        records.update(
            session=session,
            actor=actor,
            kind=customer_service.RECORD,
            record=customer,
            values=values,
        )


def create(*, session: Session, actor: Actor, customer_id: int, data: ConsentCreate) -> Consent:
    """A new ledger entry for the customer, audited; the marketing opt-out follows it.

    NotFound unless ``actor`` sees the customer, Forbidden unless they may change it.
    """
    customer = records.get_for_change(
        session=session, actor=actor, kind=customer_service.RECORD, record_id=customer_id
    )
    values = data.model_dump()
    values["purpose"] = data.purpose.value
    values["channel"] = data.channel.value if data.channel is not None else None
    values["at"] = _check_at(data.at)
    values["customer_id"] = customer_id
    entry = records.create(session=session, actor=actor, kind=RECORD, values=values)
    if entry.purpose == ConsentPurpose.MARKETING.value:
        _sync_opt_out(session, actor, customer, entry)
    return entry
