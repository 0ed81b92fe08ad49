"""Campaigns: reference data that customers, deals and orders point at for their source.

Everyone reads campaigns, admins change them. A campaign runs from ``starts_on`` to
``ends_on``, both days included; either end may be open.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor, Rule
from rapport.campaigns.models import Campaign
from rapport.campaigns.schemas import CampaignCreate, CampaignUpdate
from rapport.config import get_settings
from rapport.errors import Invalid
from rapport.i18n import N_


def running_on(day: date) -> ColumnElement[bool]:
    """Campaigns that run on ``day``: started by then and not yet ended."""
    return and_(
        or_(Campaign.starts_on.is_(None), Campaign.starts_on <= day),
        or_(Campaign.ends_on.is_(None), Campaign.ends_on >= day),
    )


RULE = Rule()
RECORD = records.RecordType(
    entity="campaign",
    model=Campaign,
    rule=RULE,
    filters={"channel": lambda v: Campaign.channel == v, "active_on": running_on},
    sorts={
        "name": Campaign.name,
        "created_at": Campaign.created_at,
        "updated_at": Campaign.updated_at,
    },
)


def _check_period(starts_on: date | None, ends_on: date | None, sent: set[str]) -> None:
    """Invalid unless the campaign ends on or after its first day; names ``starts_on`` only
    when that alone was sent (moved past the end), ``ends_on`` otherwise."""
    if starts_on is None or ends_on is None or ends_on >= starts_on:
        return
    if "starts_on" in sent and "ends_on" not in sent:
        raise Invalid.field(
            ("body", "starts_on"), N_("is after ends_on (%(day)s)"), day=ends_on.isoformat()
        )
    raise Invalid.field(
        ("body", "ends_on"), N_("is before starts_on (%(day)s)"), day=starts_on.isoformat()
    )


def create(*, session: Session, actor: Actor, data: CampaignCreate) -> Campaign:
    """A new campaign, in the CRM's default currency unless another is given."""
    values: dict[str, Any] = data.model_dump()
    if values["currency"] is None:
        values["currency"] = get_settings().default_currency
    _check_period(data.starts_on, data.ends_on, set(values))
    return records.create(session=session, actor=actor, kind=RECORD, values=values)


def update(*, session: Session, actor: Actor, record_id: int, data: CampaignUpdate) -> Campaign:
    """The campaign with the fields sent in ``data`` changed."""
    campaign = records.get_for_change(
        session=session, actor=actor, kind=RECORD, record_id=record_id
    )
    values = data.model_dump(exclude_unset=True)
    for required in ("name", "channel", "cost_minor", "currency"):
        if required in values and values[required] is None:
            raise Invalid.field(("body", required), N_("cannot be cleared"))
    starts_on = values.get("starts_on", campaign.starts_on)
    _check_period(starts_on, values.get("ends_on", campaign.ends_on), set(values))
    return records.update(session=session, actor=actor, kind=RECORD, record=campaign, values=values)
