"""Quotas: targets per user or team and period, set by admins, read by sales analytics."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor, Rule
from rapport.config import get_settings
from rapport.errors import Invalid
from rapport.i18n import N_
from rapport.quotas.models import Quota, QuotaMetric
from rapport.quotas.schemas import QuotaCreate
from rapport.users.models import Team, User

RECORD = records.RecordType(
    entity="quota",
    model=Quota,
    rule=Rule(),  # reference data: everyone reads, admins change
    sorts={"period_start": Quota.period_start},
    soft_delete=False,
)


def list_recent(*, session: Session, limit: int = 200) -> Sequence[Quota]:
    """The quotas, latest periods first."""
    stmt = select(Quota).order_by(Quota.period_start.desc(), Quota.id.desc()).limit(limit)
    return session.scalars(stmt).all()


def create(*, session: Session, actor: Actor, data: QuotaCreate) -> Quota:
    """A new quota for a known user or team; revenue in the default currency unless named."""
    if data.user_id is not None and session.get(User, data.user_id) is None:
        raise Invalid.field(
            ("body", "user_id"), N_("no %(entity)s %(id)s"), entity="user", id=data.user_id
        )
    if data.team_id is not None and session.get(Team, data.team_id) is None:
        raise Invalid.field(
            ("body", "team_id"), N_("no %(entity)s %(id)s"), entity="team", id=data.team_id
        )
    values = data.model_dump()
    if data.metric is QuotaMetric.REVENUE:
        values["currency"] = (data.currency or get_settings().default_currency).upper()
    else:
        values["currency"] = None
    return records.create(session=session, actor=actor, kind=RECORD, values=values)


def delete(*, session: Session, actor: Actor, record_id: int) -> None:
    """Remove a quota for good (audited)."""
    found = records.get_for_change(session=session, actor=actor, kind=RECORD, record_id=record_id)
    records.delete(session=session, actor=actor, kind=RECORD, record=found)
