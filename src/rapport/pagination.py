"""Keyset pagination: pages that stay fast at any depth on millions of rows.

A page is ordered by one sort column and then the id, and the cursor is the last row's
(value, id): the next page is the rows after it in that order, which an index on the
sort column finds directly, however many rows came before (OFFSET would read them all).
Sort columns are NOT NULL, so the comparison is total.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from rapport.db import UTCDateTime
from rapport.errors import Invalid
from rapport.i18n import N_

T = TypeVar("T")


@dataclass(frozen=True)
class Sort:
    """A parsed ``sort`` parameter: ``-created_at`` is created_at descending."""

    column: InstrumentedAttribute[Any]
    descending: bool

    @classmethod
    def parse(cls, value: str, columns: dict[str, InstrumentedAttribute[Any]]) -> Sort:
        """The sort named by ``value``; Invalid when it names no sortable field."""
        name = value.removeprefix("-")
        if name not in columns:
            allowed = ", ".join(sorted(columns))
            raise Invalid.field(
                ("query", "sort"),
                N_("cannot sort by %(name)r; use one of %(allowed)s"),
                name=name,
                allowed=allowed,
            )
        return cls(columns[name], value.startswith("-"))


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of records and the cursor of the next (None on the last page)."""

    items: Sequence[T]
    next_cursor: str | None


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


_LARGEST: Final = 2**63 - 1


def _decode(raw: Any, like: InstrumentedAttribute[Any]) -> Any:
    """The sort value in a cursor, as the column's type; ValueError if it is not one."""
    column_type = like.type
    python_type = column_type.impl.python_type if isinstance(column_type, UTCDateTime) else None
    python_type = python_type or column_type.python_type
    if python_type is datetime:
        moment = datetime.fromisoformat(raw)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if python_type is date:
        return date.fromisoformat(raw)
    if python_type is int:
        if isinstance(raw, bool) or not isinstance(raw, int) or abs(raw) > _LARGEST:
            raise ValueError(raw)
        return raw
    if python_type is str or issubclass(python_type, str):
        if not isinstance(raw, str):
            raise ValueError(raw)
        return raw
    raise ValueError(raw)


def make_cursor(value: Any, record_id: int) -> str:
    """The opaque cursor that points just after a row with this sort value and id."""
    text = json.dumps([_encode(value), record_id], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def read_cursor(cursor: str, sort: Sort) -> tuple[Any, int]:
    """The (sort value, id) inside ``cursor``; Invalid when it was not made by us."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, record_id = json.loads(base64.urlsafe_b64decode(padded))
        if isinstance(record_id, bool) or not isinstance(record_id, int) or record_id > _LARGEST:
            raise ValueError(record_id)
        return _decode(value, sort.column), record_id
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise Invalid.field(
            ("query", "cursor"), N_("not a cursor from this list; start again without it")
        ) from None


def _after(sort: Sort, key: InstrumentedAttribute[Any], value: Any, record_id: int) -> Any:
    if sort.column is key:
        return key < record_id if sort.descending else key > record_id
    beyond: ColumnElement[bool] = sort.column < value if sort.descending else sort.column > value
    tie = key < record_id if sort.descending else key > record_id
    return or_(beyond, and_(sort.column == value, tie))


def paginate(
    stmt: Select[Any],
    *,
    key: InstrumentedAttribute[Any],
    sort: Sort,
    cursor: str | None,
    limit: int,
) -> Select[Any]:
    """``stmt`` ordered by ``sort`` then ``key``, from ``cursor`` on, one row over ``limit``.

    The extra row tells whether there is a next page; ``finish`` drops it.
    """
    if cursor:
        value, record_id = read_cursor(cursor, sort)
        stmt = stmt.where(_after(sort, key, value, record_id))
    order = [sort.column.desc() if sort.descending else sort.column.asc()]
    if sort.column is not key:
        order.append(key.desc() if sort.descending else key.asc())
    return stmt.order_by(*order).limit(limit + 1)


def finish(rows: Sequence[T], *, sort: Sort, limit: int) -> Page[T]:
    """The page from the rows ``paginate`` fetched: at most ``limit``, and the next cursor."""
    if len(rows) <= limit:
        return Page(rows, None)
    last = rows[limit - 1]
    value = getattr(last, sort.column.key)
    return Page(rows[:limit], make_cursor(value, last.id))  # type: ignore[attr-defined]
