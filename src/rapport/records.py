"""The operations every record type shares: get, list, create, update, delete, restore.

Each domain's service describes its records once (a ``RecordType``: model, access
rule, filters, sort fields) and calls these; they apply the access rules, keep deleted
records out, write the audit log and flush (never commit). Domain rules (normalising a
phone, moving a deal between stages) stay in the domain's service.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Session

from rapport import pagination
from rapport.access import Action, Actor, Rule, condition, may_assign
from rapport.audit import service as audit
from rapport.audit.models import AuditAction
from rapport.customfields.filters import condition as condition_of_fields
from rapport.db import utcnow
from rapport.errors import Conflict, Forbidden, Invalid, NotFound
from rapport.i18n import N_
from rapport.users.models import Role, User

M = TypeVar("M", bound=DeclarativeBase)

HIDDEN_VALUE = "(hidden)"
# A filter turns the value of one query parameter into a WHERE condition.
Filter = Callable[[Any], ColumnElement[bool]]


@dataclass(frozen=True)
class RecordType(Generic[M]):
    """What the shared operations need to know of one record type."""

    entity: str  # "customer": the audit log's name and the errors' wording
    model: type[M]
    rule: Rule
    filters: Mapping[str, Filter] = field(default_factory=dict)
    sorts: Mapping[str, InstrumentedAttribute[Any]] = field(default_factory=dict)
    soft_delete: bool = True
    hidden: frozenset[str] = frozenset()  # audited as changed, without their values
    # Raises when a record may not come back from the bin (say, its email is taken now).
    check_restore: Callable[[Session, Any], None] | None = None
    custom_fields: str | None = None  # the entity whose custom fields ``cf`` filters on

    @property
    def key(self) -> InstrumentedAttribute[Any]:
        """The id column."""
        return self.model.id  # type: ignore[attr-defined, no-any-return]

    @property
    def deleted_at(self) -> InstrumentedAttribute[Any]:
        """The column that marks a record as in the recycle bin."""
        return self.model.deleted_at  # type: ignore[attr-defined, no-any-return]


def select_visible(
    kind: RecordType[M],
    actor: Actor,
    action: Action = Action.READ,
    *,
    deleted: bool = False,
    binned_parents: bool = False,
) -> Select[M]:
    """The records of ``kind`` that ``actor`` may ``action``: live ones, or deleted ones.

    With ``binned_parents`` those hanging off a customer in the recycle bin are kept:
    for a caller that leaves them out itself (analytics do it faster after reading).
    """
    stmt = select(kind.model).where(condition(actor, kind.rule, action))
    if kind.soft_delete:
        gone = kind.deleted_at.is_not(None) if deleted else kind.deleted_at.is_(None)
        stmt = stmt.where(gone)
    parent = kind.rule.parent
    if parent is not None and hasattr(parent.key.class_, "deleted_at") and not binned_parents:
        # What hangs off a customer in the recycle bin is out of sight with it.
        binned = select(parent.key).where(
            parent.key == parent.link, parent.key.class_.deleted_at.is_not(None)
        )
        stmt = stmt.where(~binned.exists())
    return stmt


def get(*, session: Session, actor: Actor, kind: RecordType[M], record_id: int) -> M:
    """The live record ``record_id`` if ``actor`` may see it; NotFound otherwise."""
    stmt = select_visible(kind, actor).where(kind.key == record_id)
    found = session.scalars(stmt).one_or_none()
    if found is None:
        raise NotFound(kind.entity, record_id)
    return found


def check_reference(
    *, session: Session, actor: Actor, kind: RecordType[Any], record_id: int | None, field: str
) -> None:
    """Invalid, naming ``field`` of the body, unless ``record_id`` is a live record of
    ``kind`` that ``actor`` may see (None passes: nothing is referenced)."""
    if record_id is None:
        return
    stmt = select_visible(kind, actor).where(kind.key == record_id)
    if session.scalars(stmt).one_or_none() is None:
        raise Invalid.field(
            ("body", field), N_("no %(entity)s %(id)s"), entity=kind.entity, id=record_id
        )


def check_owner(*, session: Session, actor: Actor, values: Mapping[str, Any], field: str) -> None:
    """Nothing if ``values`` leaves ``field`` out or names an owner ``actor`` may assign.

    Invalid (naming the field) for an unknown or inactive user; Forbidden when the actor
    may not give records to that user, or leave them unowned (null).
    """
    if field not in values:
        return
    owner_id = values[field]
    if owner_id is None:
        may_assign(actor, None, None)
        return
    owner = session.get(User, owner_id)
    if owner is None or not owner.is_active:
        raise Invalid.field(("body", field), N_("no active user %(id)s"), id=owner_id)
    may_assign(actor, owner.id, owner.team_id)


def get_for_change(
    *, session: Session, actor: Actor, kind: RecordType[M], record_id: int, deleted: bool = False
) -> M:
    """The record if ``actor`` may change it; NotFound if unseen, Forbidden if only seen."""
    stmt = select_visible(kind, actor, Action.CHANGE, deleted=deleted).where(kind.key == record_id)
    found = session.scalars(stmt).one_or_none()
    if found is not None:
        return found
    seen = select_visible(kind, actor, deleted=deleted).where(kind.key == record_id)
    if session.scalars(seen).one_or_none() is None:
        raise NotFound(kind.entity, record_id)
    raise Forbidden(
        N_("you may see %(entity)s %(id)s but not change it"), entity=kind.entity, id=record_id
    )


def changeable(*, session: Session, actor: Actor, kind: RecordType[Any], record_id: int) -> bool:
    """Whether ``actor`` may change the live record ``record_id`` (a page shows its forms)."""
    if not actor.writes:
        return False
    stmt = select_visible(kind, actor, Action.CHANGE).where(kind.key == record_id)
    return session.scalars(stmt).first() is not None


def list_page(
    *,
    session: Session,
    actor: Actor,
    kind: RecordType[M],
    filters: BaseModel | None = None,
    extra: ColumnElement[bool] | None = None,
    sort: str = "id",
    cursor: str | None = None,
    limit: int = 50,
    deleted: bool = False,
) -> pagination.Page[M]:
    """One page of the records ``actor`` may see, filtered and sorted."""
    order = pagination.Sort.parse(sort, {"id": kind.key, **kind.sorts})
    stmt = select_visible(kind, actor, deleted=deleted)
    values = filters.model_dump(exclude_none=True) if filters else {}
    cf = values.pop("cf", [])
    if cf and kind.custom_fields:
        column = kind.model.custom_fields  # type: ignore[attr-defined]
        stmt = stmt.where(*condition_of_fields(session=session, entity=kind.custom_fields,
                                                column=column, texts=cf))  # fmt: skip
    for name, value in values.items():
        if value in ([], ""):
            continue
        stmt = stmt.where(kind.filters[name](value))
    if extra is not None:
        stmt = stmt.where(extra)
    stmt = pagination.paginate(stmt, key=kind.key, sort=order, cursor=cursor, limit=limit)
    return pagination.finish(session.scalars(stmt).all(), sort=order, limit=limit)


def audit_change(
    *,
    session: Session,
    actor: Actor,
    kind: RecordType[Any],
    record_id: int,
    action: AuditAction,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    note: str | None = None,
) -> None:
    """Audit rows for a change to one record, with the kind's hidden fields masked."""
    hide = HIDDEN_VALUE
    masked = {
        name: (hide if old is not None else None, hide) if name in kind.hidden else (old, new)
        for name, (old, new) in (changes or {}).items()
    }
    audit.record(session=session, actor=actor, entity=kind.entity, entity_id=record_id,
                 action=action, changes=masked, note=note)  # fmt: skip


def may_create(*, actor: Actor, kind: RecordType[Any]) -> None:
    """Nothing; Forbidden unless ``actor``'s role may create records of ``kind``.

    Check it before the values, so a role that may not create learns that first.
    """
    if not actor.writes or (kind.rule.reference and actor.role is not Role.ADMIN):
        raise Forbidden(N_("your role may not create a %(entity)s"), entity=kind.entity)


def create(*, session: Session, actor: Actor, kind: RecordType[M], values: Mapping[str, Any]) -> M:
    """A new record from ``values``, audited; the caller has checked the domain rules."""
    may_create(actor=actor, kind=kind)
    record = kind.model(**values)
    session.add(record)
    session.flush()
    changes = {name: (None, value) for name, value in values.items() if value not in (None, {}, [])}
    audit_change(session=session, actor=actor, kind=kind, record_id=record.id,  # type: ignore[attr-defined]
                 action=AuditAction.CREATE, changes=changes)  # fmt: skip
    return record


def update(
    *, session: Session, actor: Actor, kind: RecordType[M], record: M, values: Mapping[str, Any]
) -> M:
    """``record`` with ``values`` set; each field that really changed is audited."""
    changes: dict[str, tuple[Any, Any]] = {}
    for name, value in values.items():
        old = getattr(record, name)
        if old != value:
            changes[name] = (old, value)
            setattr(record, name, value)
    if changes:
        session.flush()
        audit_change(session=session, actor=actor, kind=kind, record_id=record.id,  # type: ignore[attr-defined]
                     action=AuditAction.UPDATE, changes=changes)  # fmt: skip
    return record


def delete(*, session: Session, actor: Actor, kind: RecordType[M], record: M) -> None:
    """Move ``record`` to the recycle bin (or remove it, for types without one); audited."""
    record_id: int = record.id  # type: ignore[attr-defined]
    if kind.soft_delete:
        record.deleted_at = utcnow()  # type: ignore[attr-defined]
    else:
        session.delete(record)
    session.flush()
    audit_change(
        session=session, actor=actor, kind=kind, record_id=record_id, action=AuditAction.DELETE
    )


def restore(*, session: Session, actor: Actor, kind: RecordType[M], record: M, keep_days: int) -> M:
    """``record`` back from the recycle bin; Conflict once its ``keep_days`` have passed."""
    deleted_at = record.deleted_at  # type: ignore[attr-defined]
    if deleted_at is not None and deleted_at < utcnow() - timedelta(days=keep_days):
        raise Conflict(
            N_(
                "%(entity)s %(id)s was deleted more than %(days)s days ago and can no longer be "
                "restored"
            ),
            entity=kind.entity,
            id=record.id,  # type: ignore[attr-defined]
            days=keep_days,
        )
    if kind.check_restore is not None:
        kind.check_restore(session, record)
    record.deleted_at = None  # type: ignore[attr-defined]
    session.flush()
    audit_change(session=session, actor=actor, kind=kind, record_id=record.id,  # type: ignore[attr-defined]
                 action=AuditAction.RESTORE)  # fmt: skip
    return record
