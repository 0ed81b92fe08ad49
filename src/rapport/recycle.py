"""The recycle bin's end: records deleted longer ago than the setting allows go for good.

Records are purged children first. A record that other records still need — live ones,
or ones deleted too recently to go (a customer with an open ticket or kept orders, a
product that orders name) — stays in the bin and is counted as kept, so nothing that is
still wanted goes with it by surprise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rapport.access import Actor
from rapport.audit import service as audit
from rapport.audit.models import AuditAction, ChangeSource
from rapport.automation.models import AutomationRule
from rapport.campaigns.models import Campaign
from rapport.customers.models import Customer
from rapport.db import Base
from rapport.deals.models import Deal, Pipeline
from rapport.interactions.models import Interaction
from rapport.orders.models import Order
from rapport.products.models import Product
from rapport.segments.models import Segment
from rapport.surveys.models import Survey, SurveyResponse
from rapport.tasks.models import Task
from rapport.tickets.models import Ticket

# Children before the records they point at.
ORDER: Final[tuple[tuple[str, Any], ...]] = (
    ("interaction", Interaction),
    ("task", Task),
    ("survey_response", SurveyResponse),
    ("ticket", Ticket),
    ("order", Order),
    ("deal", Deal),
    ("customer", Customer),
    ("segment", Segment),
    ("survey", Survey),
    ("campaign", Campaign),
    ("product", Product),
    ("pipeline", Pipeline),
    ("automation_rule", AutomationRule),
)
_CHUNK: Final = 500


@dataclass(frozen=True)
class Purged:
    """How many records of one type went for good, and how many had to stay."""

    entity: str
    purged: int
    kept: int


def _delete(session: Session, model: Any, ids: list[int]) -> bool:
    """Delete the rows ``ids`` in a savepoint; False (nothing deleted) if something needs them."""
    try:
        with session.begin_nested():
            session.execute(delete(model).where(model.id.in_(ids)))
    except IntegrityError:
        return False
    return True


def _needed(model: Any, before: datetime) -> list[Any]:
    """Conditions that keep a row of ``model`` that other bin-aware rows still point at."""
    conditions = []
    for table in Base.metadata.tables.values():
        if "deleted_at" not in table.c:
            continue
        for key in table.foreign_keys:
            if key.column.table is model.__table__ and key.parent.table is table:
                still_wanted = or_(table.c.deleted_at.is_(None), table.c.deleted_at >= before)
                users = select(key.parent).where(key.parent.is_not(None), still_wanted)
                conditions.append(model.id.not_in(users))
    return conditions


def purge(*, session: Session, before: datetime, dry_run: bool = False) -> list[Purged]:
    """Remove every record deleted before ``before``; what went and what stayed, per type."""
    actor = Actor.system(ChangeSource.SYSTEM)
    report = []
    for entity, model in ORDER:
        expired = select(model.id).where(model.deleted_at.is_not(None), model.deleted_at < before)
        candidates = session.scalar(select(func.count()).select_from(expired.subquery())) or 0
        ids = list(session.scalars(expired.where(*_needed(model, before)).order_by(model.id)))
        if dry_run:
            report.append(Purged(entity, len(ids), candidates - len(ids)))
            continue
        gone: list[int] = []
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            if _delete(session, model, chunk):
                gone += chunk
            else:  # one by one, to keep only the rows something still needs
                gone += [record_id for record_id in chunk if _delete(session, model, [record_id])]
        for record_id in gone:
            audit.record(session=session, actor=actor, entity=entity, entity_id=record_id,
                         action=AuditAction.DELETE, note="purged from the recycle bin")  # fmt: skip
        session.flush()
        report.append(Purged(entity, len(gone), candidates - len(gone)))
    return report
