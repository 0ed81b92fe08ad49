"""Custom fields: admins define typed fields; values are checked by type and filterable."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Final

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from rapport import records
from rapport.access import Actor, Rule
from rapport.customers.models import Customer
from rapport.customfields.models import CustomFieldDefinition, FieldType
from rapport.customfields.schemas import CustomFieldCreate, CustomFieldUpdate
from rapport.deals.models import Deal
from rapport.errors import Conflict, FieldProblem, Invalid
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
_OPERATIONS: Final[dict[str, Callable[[Any, Any], Any]]] = {
    ":": operator.eq, "!=": operator.ne, ">=": operator.ge,
    "<=": operator.le, ">": operator.gt, "<": operator.lt,
}  # fmt: skip
OPERATORS: Final = (">=", "<=", "!=", ">", "<", ":")  # longest first, for parsing


def definitions(*, session: Session, entity: str) -> dict[str, CustomFieldDefinition]:
    """The custom fields defined on ``entity``, by key."""
    stmt = select(CustomFieldDefinition).where(CustomFieldDefinition.entity == entity)
    return {d.key: d for d in session.scalars(stmt.order_by(CustomFieldDefinition.position))}


def _check(definition: CustomFieldDefinition, value: Any) -> Any:
    """``value`` as stored for this field; ValueError with a message if it does not fit."""
    kind = definition.field_type
    if kind is FieldType.TEXT:
        if not isinstance(value, str):
            raise ValueError("must be text")
        return value
    if kind is FieldType.NUMBER:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ValueError("must be a number")
        return value
    if kind is FieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if kind is FieldType.DATE:
        try:
            return date.fromisoformat(value).isoformat()
        except (TypeError, ValueError):
            raise ValueError("must be a date like 2026-06-30") from None
    allowed = ", ".join(definition.choices)
    if kind is FieldType.CHOICE:
        if value not in definition.choices:
            raise ValueError(f"must be one of: {allowed}")
        return value
    if not isinstance(value, list) or any(v not in definition.choices for v in value):
        raise ValueError(f"must be a list of: {allowed}")
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
            known = ", ".join(defined) or "none are defined"
            problems.append(FieldProblem(path, f"no custom field {key!r} on {entity}s ({known})"))
        elif value is None:
            merged.pop(key, None)
        else:
            try:
                merged[key] = _check(defined[key], value)
            except ValueError as error:
                problems.append(FieldProblem(path, str(error)))
    for key, definition in defined.items():
        if definition.is_required and merged.get(key) in (None, "", []):
            problems.append(FieldProblem(("body", "custom_fields", key), "is required"))
    if problems:
        raise Invalid(problems)
    return merged


def _parse(text: str) -> tuple[str, str, str]:
    for op in OPERATORS:
        key, found, raw = text.partition(op)
        if found and key:
            return key.strip(), op, raw.strip()
    raise ValueError("write key:value, or key>=value (also <=, >, <, !=)")


def condition(
    *, session: Session, entity: str, column: InstrumentedAttribute[Any], texts: list[str]
) -> list[ColumnElement[bool]]:
    """WHERE conditions for ``cf`` query parameters like ``region:华东`` or ``score>=5``."""
    defined = definitions(session=session, entity=entity)
    out: list[ColumnElement[bool]] = []
    for index, text in enumerate(texts):
        path = ("query", "cf", index)
        try:
            key, op, raw = _parse(text)
        except ValueError as error:
            raise Invalid.field(path, str(error)) from None
        if key not in defined:
            raise Invalid.field(path, f"no custom field {key!r} on {entity}s")
        out.append(_compare(defined[key], column, op, raw, path))
    return out


def _compare(
    definition: CustomFieldDefinition,
    column: InstrumentedAttribute[Any],
    op: str,
    raw: str,
    path: tuple[str | int, ...],
) -> ColumnElement[bool]:
    element = column[definition.key]
    kind = definition.field_type
    value: Any
    try:
        if kind is FieldType.NUMBER:
            target: Any = element.as_float()
            value = float(raw)
        elif kind is FieldType.BOOLEAN:
            target = element.as_boolean()
            value = {"true": True, "false": False}[raw.lower()]
        elif kind is FieldType.MULTI_CHOICE:
            if op not in (":", "!="):
                raise ValueError("a multi-choice field takes : or !=")
            # The list comes back as its JSON text on both engines: look for the quoted choice.
            has: ColumnElement[bool] = element.as_string().contains(f'"{raw}"', autoescape=True)
            return has if op == ":" else ~has
        else:
            target = element.as_string()
            value = date.fromisoformat(raw).isoformat() if kind is FieldType.DATE else raw
    except (ValueError, KeyError) as error:
        raise Invalid.field(
            path, f"{raw!r} does not fit field {definition.key!r}: {error}"
        ) from None
    if kind is FieldType.BOOLEAN and op not in (":", "!="):
        raise Invalid.field(path, "a true/false field takes : or !=")
    compared: ColumnElement[bool] = _OPERATIONS[op](target, value)
    return compared


def create(*, session: Session, actor: Actor, data: CustomFieldCreate) -> CustomFieldDefinition:
    """A new field definition; its key is unique among the entity's fields."""
    if data.key in definitions(session=session, entity=data.entity):
        raise Conflict(f"{data.entity}s already have a custom field {data.key!r}")
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
            raise Invalid.field(("body", required), "cannot be cleared")
    if "choices" in values:
        if definition.field_type not in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            raise Invalid.field(("body", "choices"), "only choice fields have choices")
        dropped = [c for c in definition.choices if c not in values["choices"]]
        column = _COLUMNS[definition.entity]
        in_use = [c for c in dropped if _uses(session, definition, column, c)]
        if in_use:
            raise Conflict(f"records still use the choices {', '.join(in_use)}")
    return records.update(
        session=session, actor=actor, kind=RECORD, record=definition, values=values
    )


def _uses(session: Session, definition: CustomFieldDefinition, column: Any, choice: str) -> bool:
    cond = _compare(definition, column, ":", choice, ("body", "choices"))
    model = column.class_
    stmt = select(model.id).where(cond, model.deleted_at.is_(None)).limit(1)
    return session.scalars(stmt).first() is not None
