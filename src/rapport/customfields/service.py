"""Custom fields: admins define typed fields; values are checked by type and filterable."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor, Rule
from rapport.customers.models import Customer
from rapport.customfields.filters import compare, definitions
from rapport.customfields.models import CustomFieldDefinition, FieldType
from rapport.customfields.schemas import CustomFieldCreate, CustomFieldUpdate
from rapport.deals.models import Deal
from rapport.errors import Conflict, FieldPath, FieldProblem, Invalid
from rapport.i18n import N_
from rapport.records import RecordType

ENTITIES: Final = ("customer", "deal")
RECORD = RecordType(
    entity="custom_field",
    model=CustomFieldDefinition,
    rule=Rule(),
    filters={"entity": lambda v: CustomFieldDefinition.entity == v},
    sorts={"position": CustomFieldDefinition.position},
    soft_delete=False,
)
_COLUMNS: Final[dict[str, Any]] = {"customer": Customer.custom_fields, "deal": Deal.custom_fields}


def _check(definition: CustomFieldDefinition, value: Any, path: FieldPath) -> Any:
    """``value`` as stored for this field; Invalid, naming ``path``, if it does not fit."""
    kind = definition.field_type
    if kind is FieldType.TEXT:
        if not isinstance(value, str):
            raise Invalid.field(path, N_("must be text"))
        return value
    if kind is FieldType.NUMBER:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise Invalid.field(path, N_("must be a number"))
        return value
    if kind is FieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise Invalid.field(path, N_("must be true or false"))
        return value
    if kind is FieldType.DATE:
        try:
            return date.fromisoformat(value).isoformat()
        except (TypeError, ValueError):
            raise Invalid.field(path, N_("must be a date like 2026-06-30")) from None
    allowed = ", ".join(definition.choices)
    if kind is FieldType.CHOICE:
        if value not in definition.choices:
            raise Invalid.field(path, N_("must be one of: %(allowed)s"), allowed=allowed)
        return value
    if not isinstance(value, list) or any(v not in definition.choices for v in value):
        raise Invalid.field(path, N_("must be a list of: %(allowed)s"), allowed=allowed)
    return sorted(set(value), key=definition.choices.index)


def validate(
    *,
    session: Session,
    entity: str,
    values: Mapping[str, Any],
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``current`` with ``values`` applied and checked against the definitions.

    A null value removes the field. Unknown keys, values of the wrong type and missing
    required fields are reported together, each with its path.
    """
    defined = definitions(session=session, entity=entity)
    merged = dict(current or {})
    problems = []
    for key, value in values.items():
        path = ("body", "custom_fields", key)
        if key not in defined:
            template = (
                N_("no custom field %(key)r on %(entity)ss (%(known)s)")
                if defined
                else N_("no custom field %(key)r on %(entity)ss (none are defined)")
            )
            known = ", ".join(defined)
            problems.append(FieldProblem(path, template, key=key, entity=entity, known=known))
        elif value is None:
            merged.pop(key, None)
        else:
            try:
                merged[key] = _check(defined[key], value, path)
            except Invalid as error:
                problems.extend(error.problems)
    for key, definition in defined.items():
        if definition.is_required and merged.get(key) in (None, "", []):
            problems.append(FieldProblem(("body", "custom_fields", key), N_("is required")))
    if problems:
        raise Invalid(problems)
    return merged


def create(*, session: Session, actor: Actor, data: CustomFieldCreate) -> CustomFieldDefinition:
    """A new field definition; its key is unique among the entity's fields."""
    if data.key in definitions(session=session, entity=data.entity):
        raise Conflict(
            N_("%(entity)ss already have a custom field %(key)r"), entity=data.entity, key=data.key
        )
    return records.create(session=session, actor=actor, kind=RECORD, values=data.model_dump())


def update(
    *, session: Session, actor: Actor, record_id: int, data: CustomFieldUpdate
) -> CustomFieldDefinition:
    """The definition with new labels, choices, position or requiredness.

    Choices can be added but not removed while records use them (that would leave
    stored values no longer allowed): Conflict names them.
    """
    definition = records.get_for_change(
        session=session, actor=actor, kind=RECORD, record_id=record_id
    )
    values = data.model_dump(exclude_unset=True)
    for required in ("label", "is_required", "position", "choices"):
        if required in values and values[required] is None:
            raise Invalid.field(("body", required), N_("cannot be cleared"))
    if "choices" in values:
        if definition.field_type not in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            raise Invalid.field(("body", "choices"), N_("only choice fields have choices"))
        dropped = [c for c in definition.choices if c not in values["choices"]]
        column = _COLUMNS[definition.entity]
        in_use = [c for c in dropped if _uses(session, definition, column, c)]
        if in_use:
            raise Conflict(
                N_("records still use the choices %(choices)s"), choices=", ".join(in_use)
            )
    return records.update(
        session=session, actor=actor, kind=RECORD, record=definition, values=values
    )


def _uses(session: Session, definition: CustomFieldDefinition, column: Any, choice: str) -> bool:
    cond = compare(definition, column, ":", choice, ("body", "choices"))
    model = column.class_
    stmt = select(model.id).where(cond, model.deleted_at.is_(None)).limit(1)
    return session.scalars(stmt).first() is not None
