"""Custom field values as SQL conditions: ``tier:gold``, ``score>=5``, ``since<2025-01-01``.

Used by every list whose records carry custom fields (``cf`` query parameters).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from datetime import date
from typing import Any, Final

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from rapport.customfields.models import CustomFieldDefinition, FieldType
from rapport.errors import FieldPath, Invalid
from rapport.i18n import N_

_OPERATIONS: Final[dict[str, Callable[[Any, Any], Any]]] = {
    ":": operator.eq, "!=": operator.ne, ">=": operator.ge,
    "<=": operator.le, ">": operator.gt, "<": operator.lt,
}  # fmt: skip
OPERATORS: Final = (">=", "<=", "!=", ">", "<", ":")  # longest first, for parsing


def definitions(*, session: Session, entity: str) -> dict[str, CustomFieldDefinition]:
    """The custom fields defined on ``entity``, by key."""
    stmt = select(CustomFieldDefinition).where(CustomFieldDefinition.entity == entity)
    return {d.key: d for d in session.scalars(stmt.order_by(CustomFieldDefinition.position))}


def _parse(text: str, path: FieldPath) -> tuple[str, str, str]:
    for op in OPERATORS:
        key, found, raw = text.partition(op)
        if found and key:
            return key.strip(), op, raw.strip()
    raise Invalid.field(path, N_("write key:value, or key>=value (also <=, >, <, !=)"))


def condition(
    *, session: Session, entity: str, column: InstrumentedAttribute[Any], texts: list[str]
) -> list[ColumnElement[bool]]:
    """WHERE conditions for ``cf`` query parameters like ``region:华东`` or ``score>=5``."""
    defined = definitions(session=session, entity=entity)
    out: list[ColumnElement[bool]] = []
    for index, text in enumerate(texts):
        path = ("query", "cf", index)
        key, op, raw = _parse(text, path)
        if key not in defined:
            raise Invalid.field(
                path, N_("no custom field %(key)r on %(entity)ss"), key=key, entity=entity
            )
        out.append(compare(defined[key], column, op, raw, path))
    return out


def compare(
    definition: CustomFieldDefinition,
    column: InstrumentedAttribute[Any],
    op: str,
    raw: str,
    path: FieldPath,
) -> ColumnElement[bool]:
    element = column[definition.key]
    kind = definition.field_type
    value: Any
    try:
        if kind is FieldType.NUMBER:
            target: Any = element.as_float()
            value = float(raw)
            if not math.isfinite(value):
                unfit = N_("%(raw)r does not fit field %(key)r: not a finite number")
                raise Invalid.field(path, unfit, raw=raw, key=definition.key)
        elif kind is FieldType.BOOLEAN:
            target = element.as_boolean()
            value = {"true": True, "false": False}[raw.lower()]
        elif kind is FieldType.MULTI_CHOICE:
            if op not in (":", "!="):
                unfit = N_("%(raw)r does not fit field %(key)r: a multi-choice field takes : or !=")
                raise Invalid.field(path, unfit, raw=raw, key=definition.key)
            # The list comes back as its JSON text on both engines: look for the quoted choice.
            has: ColumnElement[bool] = element.as_string().contains(f'"{raw}"', autoescape=True)
            return has if op == ":" else ~has
        else:
            target = element.as_string()
            value = date.fromisoformat(raw).isoformat() if kind is FieldType.DATE else raw
    except (ValueError, KeyError) as error:
        # The reason is the parser's, in English: a translation may leave it out.
        unfit = N_("%(raw)r does not fit field %(key)r: %(reason)s")
        raise Invalid.field(path, unfit, raw=raw, key=definition.key, reason=error) from None
    if kind is FieldType.BOOLEAN and op not in (":", "!="):
        raise Invalid.field(path, N_("a true/false field takes : or !="))
    compared: ColumnElement[bool] = _OPERATIONS[op](target, value)
    return compared
