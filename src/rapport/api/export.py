"""Lists exported as CSV, XLSX or JSON, through the same access rules and filters as the list.

Rows are read in keyset pages, each in a session of its own, and written as they come:
CSV and JSON stream straight to the client, XLSX goes page by page into a temporary file
(openpyxl in write-only mode) that is streamed once complete, so an export of a million
records takes constant memory. Text that a spreadsheet would run as a formula is
neutralised; numbers and E.164 phone numbers stay as they are.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import IO, TYPE_CHECKING, Annotated, Any, Final, Literal, get_args

from fastapi import Query
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from rapport.access import Actor

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

ExportFormat = Literal["csv", "xlsx", "json"]
FormatQuery = Annotated[
    ExportFormat,
    Query(alias="format", description="The file format: csv (default), xlsx or json."),
]
MEDIA_TYPES: Final[dict[str, str]] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
PAGE: Final = 1000
CHUNK: Final = 64 * 1024
# Up to this size a finished XLSX file stays in memory; larger ones go to disk.
SPOOL_BYTES: Final = 8 * 1024 * 1024
# Excel numbers are doubles: larger integers would silently change, so they go as text.
_EXACT_INT: Final = 2**53
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
_PHONE: Final = re.compile(r"\+[1-9][0-9]{6,14}")
_NUMBER: Final = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_SHEET_TITLE_BAD: Final = re.compile(r"[\[\]:*?/\\]")


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


@dataclass(frozen=True)
class Listing:
    """What an export reads: the list ``actor`` sees through ``lister``, filtered and
    sorted as the list route would be, each record shown as the ``read`` schema."""

    factory: sessionmaker[Session]
    actor: Actor
    read: type[BaseModel]
    lister: Callable[..., Any]
    kind: Any
    filters: BaseModel
    sort: str


def _pages(listing: Listing) -> Iterator[list[BaseModel]]:
    """The records as ``read`` models, a page at a time, each page read in its own session."""
    cursor = None
    while True:
        with listing.factory() as session:
            page = listing.lister(session=session, actor=listing.actor, kind=listing.kind,
                                  filters=listing.filters, sort=listing.sort, cursor=cursor,
                                  limit=PAGE)  # fmt: skip
            models = [listing.read.model_validate(record) for record in page.items]
        yield models
        cursor = page.next_cursor
        if cursor is None:
            return


def _line(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue()


def csv_lines(*, listing: Listing) -> Iterator[str]:
    """The header, then one CSV line per record, page by page."""
    columns = list(listing.read.model_fields)
    yield "\ufeff" + _line(columns)  # the BOM makes Excel read the file as UTF-8
    for page in _pages(listing):
        for model in page:
            row = model.model_dump()
            yield _line([safe_cell(row[c]) for c in columns])


def json_chunks(*, listing: Listing) -> Iterator[str]:
    """A JSON array of the records as the API shows them (``[]`` when there are none),
    in pieces of up to a page each."""
    yield "["
    separator = "\n"
    for page in _pages(listing):
        if page:
            yield separator + ",\n".join(model.model_dump_json() for model in page)
            separator = ",\n"
    yield "\n]\n"


def _holds_datetime(annotation: Any) -> bool:
    """Whether a field of this type may hold a datetime (``datetime | None`` and so on)."""
    return annotation is datetime or any(_holds_datetime(a) for a in get_args(annotation))


def _text_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """``value`` as neutralised text, without the control characters XLSX cannot hold;
    text that openpyxl would take for an error value (``#N/A``) is marked as text."""
    text = ILLEGAL_CHARACTERS_RE.sub("", safe_cell(value))
    if text not in ERROR_CODES:
        return text
    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"
    return cell


def _xlsx_value(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """``value`` as an XLSX cell value: numbers, booleans and dates as such (datetimes in
    UTC, without zone: Excel has none), everything else as neutralised text."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and not isinstance(value, Enum):
        return value if abs(value) < _EXACT_INT else _text_cell(sheet, value)
    if isinstance(value, float):
        return value if math.isfinite(value) else _text_cell(sheet, value)
    if isinstance(value, Decimal):
        return value if value.is_finite() else _text_cell(sheet, value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return value
    return _text_cell(sheet, value)


def _sheet_title(title: str) -> str:
    """``title`` as a worksheet name Excel accepts (at most 31 characters, no []:*?/\\)."""
    return _SHEET_TITLE_BAD.sub("_", title)[:31] or "export"


def xlsx_file(*, listing: Listing, title: str) -> IO[bytes]:
    """A temporary file, rewound, holding one worksheet ``title``: a bold header row, then
    one row per record. Datetime columns are headed ``<field> (UTC)``."""
    fields = listing.read.model_fields
    columns = list(fields)
    moments = {c for c in columns if _holds_datetime(fields[c].annotation)}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, f"{column} (UTC)" if column in moments else column)
        cell.font = bold
        header.append(cell)
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (given back open)
    try:
        try:
            sheet.append(header)
            for page in _pages(listing):
                for model in page:
                    row = model.model_dump()
                    sheet.append([_xlsx_value(sheet, row[c]) for c in columns])
        finally:
            workbook.save(out)  # also removes openpyxl's own temporary file of the sheet
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def size_of(file: IO[bytes]) -> int:
    """The size of ``file`` in bytes; leaves it rewound."""
    size = file.seek(0, os.SEEK_END)
    file.seek(0)
    return size


def file_chunks(file: IO[bytes]) -> Iterator[bytes]:
    """The contents of ``file`` from where it stands, in chunks; closes it at the end."""
    try:
        while chunk := file.read(CHUNK):
            yield chunk
    finally:
        file.close()
