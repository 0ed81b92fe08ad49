"""Lists exported as CSV, through the same access rules and filters as the list itself.

Rows are read in keyset pages in a session of their own and written as they come, so an
export of a million records streams in constant memory. Text that a spreadsheet would
run as a formula is neutralised; numbers and E.164 phone numbers stay as they are.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from enum import Enum
from typing import Any, Final

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from rapport.access import Actor

PAGE: Final = 1000
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
_PHONE: Final = re.compile(r"\+[1-9][0-9]{6,14}")
_NUMBER: Final = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def safe_cell(value: Any) -> str:
    """``value`` as CSV text that no spreadsheet runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, default=str)
    text = value if isinstance(value, str) else str(value)
    if text.startswith(_FORMULA_START) and not (_PHONE.fullmatch(text) or _NUMBER.fullmatch(text)):
        return "'" + text
    return text


def _line(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue()


def csv_lines(
    *,
    factory: sessionmaker[Session],
    actor: Actor,
    read: type[BaseModel],
    lister: Callable[..., Any],
    kind: Any,
    filters: BaseModel,
    sort: str,
) -> Iterator[str]:
    """The header, then one CSV line per record ``actor`` may see, page by page."""
    columns = list(read.model_fields)
    yield "\ufeff" + _line(columns)  # the BOM makes Excel read the file as UTF-8
    cursor = None
    while True:
        with factory() as session:
            page = lister(session=session, actor=actor, kind=kind, filters=filters,
                          sort=sort, cursor=cursor, limit=PAGE)  # fmt: skip
            rows = [read.model_validate(record).model_dump() for record in page.items]
        for row in rows:
            yield _line([safe_cell(row[c]) for c in columns])
        cursor = page.next_cursor
        if cursor is None:
            return
