"""Deals: creating, changing and moving them through their pipeline's stages.

Every move is a stage change (from, to, when, by whom); entering a won or lost stage
closes the deal (a lost one needs a reason), entering an open stage reopens it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor, Rule
from rapport.audit.models import AuditAction
from rapport.campaigns.models import Campaign
from rapport.config import get_settings
from rapport.customers.service import RECORD as CUSTOMER
from rapport.customfields import service as custom_fields
from rapport.db import utcnow
from rapport.deals import pipelines
from rapport.deals.models import Deal, DealItem, DealStageChange, DealStatus, StageOutcome
from rapport.deals.schemas import DealCreate, DealItemIn, DealMove, DealUpdate
from rapport.errors import FieldProblem, Invalid
from rapport.i18n import N_
from rapport.products.models import Product

RULE = Rule(owner=Deal.owner_id)
RECORD = records.RecordType(
    entity="deal",
    model=Deal,
    rule=RULE,
    filters={
        "pipeline_id": lambda v: Deal.pipeline_id == v,
        "stage_id": lambda v: Deal.stage_id.in_(v),
        "status": lambda v: Deal.status.in_(v),
        "owner_id": lambda v: Deal.owner_id.in_(v),
        "customer_id": lambda v: Deal.customer_id == v,
        "min_amount": lambda v: Deal.amount_minor >= v,
        "max_amount": lambda v: Deal.amount_minor <= v,
        "close_from": lambda v: Deal.expected_close_on >= v,
        "close_to": lambda v: Deal.expected_close_on <= v,
        "created_from": lambda v: Deal.created_at >= v,
        "created_to": lambda v: Deal.created_at < v,
    },
    sorts={
        "created_at": Deal.created_at,
        "amount_minor": Deal.amount_minor,
        "name": Deal.name,
    },
    custom_fields="deal",
)
STATUS_OF = {
    StageOutcome.OPEN: DealStatus.OPEN,
    StageOutcome.WON: DealStatus.WON,
    StageOutcome.LOST: DealStatus.LOST,
}


def _items(session: Session, items: list[DealItemIn]) -> tuple[list[dict[str, Any]], int]:
    """The item rows and their total; Invalid naming each unknown or inactive product."""
    rows, total, problems = [], 0, []
    for index, item in enumerate(items):
        product = session.get(Product, item.product_id)
        if product is None or product.deleted_at is not None or not product.is_active:
            path = ("body", "items", index, "product_id")
            problems.append(FieldProblem(path, N_("no active product %(id)s"), id=item.product_id))
            continue
        price = product.unit_price_minor if item.unit_price_minor is None else item.unit_price_minor
        row = {"product_id": product.id, "quantity": item.quantity, "unit_price_minor": price}
        rows.append(row)
        total += item.quantity * price
    if problems:
        raise Invalid(problems)
    return rows, total


def _check(session: Session, actor: Actor, values: dict[str, Any]) -> None:
    if "customer_id" in values:
        records.check_reference(
            session=session,
            actor=actor,
            kind=CUSTOMER,
            record_id=values["customer_id"],
            field="customer_id",
        )
    campaign_id = values.get("campaign_id")
    if campaign_id is not None and session.get(Campaign, campaign_id) is None:
        raise Invalid.field(
            ("body", "campaign_id"), N_("no %(entity)s %(id)s"), entity="campaign", id=campaign_id
        )
    records.check_owner(session=session, actor=actor, values=values, field="owner_id")


def _item_row(item: DealItem) -> dict[str, Any]:
    return {
        "product_id": item.product_id,
        "quantity": item.quantity,
        "unit_price_minor": item.unit_price_minor,
    }


def _replace_items(session: Session, deal_id: int, rows: list[dict[str, Any]]) -> None:
    session.execute(delete(DealItem).where(DealItem.deal_id == deal_id))
    session.add_all(DealItem(deal_id=deal_id, **row) for row in rows)


def create(*, session: Session, actor: Actor, data: DealCreate) -> Deal:
    """A new deal in its pipeline's first open stage (or the stage given), owned by ``actor``
    unless another owner is given; its first stage change is recorded."""
    values = data.model_dump(exclude_unset=True, exclude={"items"})
    values.setdefault("owner_id", actor.user_id)
    values.setdefault("currency", get_settings().default_currency)
    _check(session, actor, values)
    if data.pipeline_id is None:
        pipeline = pipelines.default_pipeline(session=session)
        if pipeline is None:
            raise Invalid.field(("body", "pipeline_id"), N_("no pipeline exists; create one first"))
        values["pipeline_id"] = pipeline.id
    else:
        records.check_reference(
            session=session,
            actor=actor,
            kind=pipelines.PIPELINE,
            record_id=data.pipeline_id,
            field="pipeline_id",
        )
    stage = pipelines.stage_in(
        session=session, pipeline_id=values["pipeline_id"], stage_id=data.stage_id, field="stage_id"
    )
    if stage.outcome is StageOutcome.LOST:
        raise Invalid.field(("body", "stage_id"), N_("a new deal cannot start lost"))
    rows: list[dict[str, Any]] = []
    if data.items is not None:
        rows, values["amount_minor"] = _items(session, data.items)
    values["custom_fields"] = custom_fields.validate(
        session=session, entity="deal", values=values.get("custom_fields") or {}
    )
    now = utcnow()
    values.update(stage_id=stage.id, stage_entered_at=now, status=STATUS_OF[stage.outcome])
    if stage.outcome is StageOutcome.WON:
        values["closed_at"] = now
    deal = records.create(session=session, actor=actor, kind=RECORD, values=values)
    _replace_items(session, deal.id, rows)
    session.add(
        DealStageChange(
            deal_id=deal.id,
            from_stage_id=None,
            to_stage_id=stage.id,
            changed_at=now,
            changed_by_id=actor.user_id,
        )
    )
    session.flush()
    session.refresh(deal, attribute_names=["items"])
    return deal


def _move_values(
    session: Session, deal: Deal, stage_id: int, lost_reason: str | None
) -> dict[str, Any]:
    """The fields that change when ``deal`` enters ``stage_id``, and its stage change row."""
    stage = pipelines.stage_in(
        session=session, pipeline_id=deal.pipeline_id, stage_id=stage_id, field="stage_id"
    )
    if stage.outcome is StageOutcome.LOST and not (lost_reason or deal.lost_reason):
        raise Invalid.field(("body", "lost_reason"), N_("say why the deal was lost"))
    now = utcnow()
    values: dict[str, Any] = {
        "stage_id": stage.id,
        "stage_entered_at": now,
        "status": STATUS_OF[stage.outcome],
        "closed_at": None if stage.outcome is StageOutcome.OPEN else now,
        "lost_reason": (lost_reason or deal.lost_reason)
        if stage.outcome is StageOutcome.LOST
        else None,
    }
    return values


def _record_move(session: Session, actor: Actor, deal: Deal, from_stage: int) -> None:
    session.add(
        DealStageChange(
            deal_id=deal.id,
            from_stage_id=from_stage,
            to_stage_id=deal.stage_id,
            changed_at=deal.stage_entered_at or utcnow(),
            changed_by_id=actor.user_id,
        )
    )
    session.flush()


def update(*, session: Session, actor: Actor, record_id: int, data: DealUpdate) -> Deal:
    """The deal with the fields sent changed; a new stage_id moves it."""
    deal = records.get_for_change(session=session, actor=actor, kind=RECORD, record_id=record_id)
    values = data.model_dump(exclude_unset=True, exclude={"items", "lost_reason"})
    for required in ("name", "customer_id", "stage_id", "currency"):
        if required in values and values[required] is None:
            raise Invalid.field(("body", required), N_("cannot be cleared"))
    _check(session, actor, values)
    if data.items is not None:
        rows, values["amount_minor"] = _items(session, data.items)
        before = [_item_row(item) for item in deal.items]
        _replace_items(session, deal.id, rows)
        if before != rows:
            records.audit_change(
                session=session,
                actor=actor,
                kind=RECORD,
                record_id=deal.id,
                action=AuditAction.UPDATE,
                changes={"items": (before, rows)},
            )
    if "custom_fields" in values:
        values["custom_fields"] = custom_fields.validate(
            session=session,
            entity="deal",
            values=values["custom_fields"] or {},
            current=deal.custom_fields,
        )
    from_stage = deal.stage_id
    new_stage = values.pop("stage_id", None)
    if new_stage is not None and new_stage != from_stage:
        values.update(_move_values(session, deal, new_stage, data.lost_reason))
    elif data.lost_reason is not None:
        if deal.status is not DealStatus.LOST:
            raise Invalid.field(("body", "lost_reason"), N_("only a lost deal has a lost reason"))
        values["lost_reason"] = data.lost_reason
    records.update(session=session, actor=actor, kind=RECORD, record=deal, values=values)
    if deal.stage_id != from_stage:
        _record_move(session, actor, deal, from_stage)
    session.refresh(deal, attribute_names=["items"])
    return deal


def move(*, session: Session, actor: Actor, record_id: int, data: DealMove) -> Deal:
    """The deal moved to another stage of its pipeline (a lost stage needs a reason)."""
    return update(
        session=session,
        actor=actor,
        record_id=record_id,
        data=DealUpdate(stage_id=data.stage_id, lost_reason=data.lost_reason),
    )


def stage_changes(*, session: Session, actor: Actor, record_id: int) -> Sequence[DealStageChange]:
    """Every stage the deal entered, oldest first; NotFound if ``actor`` may not see it."""
    records.get(session=session, actor=actor, kind=RECORD, record_id=record_id)
    stmt = select(DealStageChange).where(DealStageChange.deal_id == record_id)
    return session.scalars(stmt.order_by(DealStageChange.changed_at, DealStageChange.id)).all()
