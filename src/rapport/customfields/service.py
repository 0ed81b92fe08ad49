"""Custom fields: admins define typed fields; values are checked by type and filterable."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from rapport.access import Rule
from rapport.customfields.models import CustomFieldDefinition, FieldType
from rapport.errors import FieldProblem, Invalid
from rapport.records import RecordType

ENTITIES: Final = ("customer", "deal")
RECORD = RecordType(
    entity="custom_field",
    model=CustomFieldDefinition,
    rule=Rule(),
    sorts={"position": CustomFieldDefinition.position},
    soft_delete=False,
)
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
    comparisons: dict[str, ColumnElement[bool]] = {
        ":": target == value, "!=": target != value, ">=": target >= value,
        "<=": target <= value, ">": target > value, "<": target < value,
    }  # fmt: skip
    return comparisons[op]
