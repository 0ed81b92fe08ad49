"""Creating many records of one type at once, for bulk routes and imports.

The batch counterpart of ``rapport.records.create``: the records go in with one flush
and get one audit row each, and the records a batch refers to are looked up once for
the whole batch, not once per record. Checking each record's values is the caller's
part (``rapport.api.bulk`` reports the problems of a bulk request's items).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Session

from rapport.access import Actor
from rapport.audit.models import AuditAction
from rapport.records import RecordType, audit_change, select_visible

M = TypeVar("M", bound=DeclarativeBase)
K = TypeVar("K", bound=Hashable)

BULK_NOTE = "created in bulk"


def visible_ids(
    *, session: Session, actor: Actor, kind: RecordType[Any], ids: Iterable[int | None]
) -> set[int]:
    """Those of ``ids`` that are live records of ``kind`` visible to ``actor`` (one query)."""
    wanted = {record_id for record_id in ids if record_id is not None}
    if not wanted:
        return set()
    stmt = select_visible(kind, actor).where(kind.key.in_(wanted))
    return set(session.scalars(stmt.with_only_columns(kind.key)))


def customers_of(*, session: Session, model: Any, ids: Iterable[int | None]) -> dict[int, int]:
    """The customer of each of ``ids`` that is a live ``model`` row (an order, a deal …)."""
    wanted = {record_id for record_id in ids if record_id is not None}
    if not wanted:
        return {}
    stmt = select(model.id, model.customer_id).where(
        model.id.in_(wanted), model.deleted_at.is_(None)
    )
    return {row.id: row.customer_id for row in session.execute(stmt)}


def create_many(
    *, session: Session, actor: Actor, kind: RecordType[M], values: Mapping[K, Mapping[str, Any]]
) -> dict[K, M]:
    """The new records of ``kind`` made from ``values``, under the same keys, audited.

    The keys are the caller's own (an item's index, an import's line). The caller has
    checked ``records.may_create`` and the domain rules; one flush saves all the records.
    """
    made = {key: kind.model(**row) for key, row in values.items()}
    session.add_all(made.values())
    session.flush()
    for record in made.values():
        audit_change(session=session, actor=actor, kind=kind, record_id=record.id,  # type: ignore[attr-defined]
                     action=AuditAction.CREATE, note=BULK_NOTE)  # fmt: skip
    return made
