"""Writing and reading the audit log: every change, field by field, with who and from where."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.access import Actor
from rapport.audit.models import AuditAction, AuditEntry
from rapport.db import utcnow


def as_text(value: Any) -> str | None:
    """``value`` as the audit log stores it: ISO dates, enum values, JSON for the rest."""
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(
    *,
    session: Session,
    actor: Actor,
    entity: str,
    entity_id: int,
    action: AuditAction,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    note: str | None = None,
) -> None:
    """Add audit rows: one per changed field (old, new), or one for the record as a whole.

    ``note`` goes into the new value of a whole-record row (what was merged into what).
    """
    at = utcnow()
    common = {
        "entity": entity,
        "entity_id": entity_id,
        "action": action,
        "at": at,
        "user_id": actor.user_id,
        "source": actor.source,
    }
    if not changes:
        session.add(AuditEntry(**common, field=None, old_value=None, new_value=note))
        return
    for field, (old, new) in changes.items():
        session.add(
            AuditEntry(**common, field=field, old_value=as_text(old), new_value=as_text(new))
        )


def history(
    *, session: Session, entity: str, entity_id: int, after_id: int | None, limit: int
) -> Sequence[AuditEntry]:
    """The audit rows of one record, oldest first, after the row ``after_id``."""
    stmt = select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
    if after_id is not None:
        stmt = stmt.where(AuditEntry.id > after_id)
    return session.scalars(stmt.order_by(AuditEntry.id).limit(limit)).all()
