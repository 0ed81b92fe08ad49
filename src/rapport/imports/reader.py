"""Rows out of CSV and XLSX files, whatever their encoding, one at a time.

CSV files come in UTF-8 (with or without a byte-order mark), in GBK/GB18030 from
Chinese Excel, or in a Western code page from older tools: the encoding is read from
the byte-order mark, else UTF-8 is tried on the start of the file, else
``charset_normalizer`` guesses (GBK and GB2312 are read as GB18030, their superset).
The delimiter (comma, semicolon, tab, pipe) is sniffed. XLSX files are read in
openpyxl's read-only mode. Either way rows stream: memory does not grow with the file.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any, Final

from charset_normalizer import from_bytes
from openpyxl import load_workbook

SAMPLE: Final = 256 * 1024
_WIDER: Final = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "ascii": "utf-8"}


class UnreadableFile(ValueError):
    """The file is not a CSV or XLSX file Rapport can read; the message says why."""


@dataclass
class Table:
    """A file's header and its data rows (numbered as a spreadsheet shows them)."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    encoding: str | None  # None for XLSX
    close: Any


def _encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        if error.start > len(sample) - 4:  # a character cut by the end of the sample
            return "utf-8"
    guess = from_bytes(sample).best()
    if guess is None:
        raise UnreadableFile("the file is not text in any encoding Rapport recognises")
    return _WIDER.get(guess.encoding.lower(), guess.encoding)


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _csv(path: Path) -> Table:
    with path.open("rb") as raw:
        sample = raw.read(SAMPLE)
    encoding = _encoding(sample)
    handle: IO[str] = path.open(encoding=encoding, newline="", errors="strict")
    start = handle.read(min(len(sample), 64 * 1024))
    handle.seek(0)
    reader = csv.reader(handle, _dialect(start))
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        handle.close()
        raise UnreadableFile("the file is empty") from None
    except UnicodeDecodeError as error:
        handle.close()
        raise UnreadableFile(f"the file is not valid {encoding}: {error.reason}") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 1
        try:
            for row in reader:
                number = reader.line_num  # counts lines inside quoted cells too
                if any(cell.strip() for cell in row):
                    yield number, row
        except UnicodeDecodeError as error:
            raise UnreadableFile(
                f"after line {number}: the file is not valid {encoding} ({error.reason})"
            ) from None

    return Table(header, rows(), encoding, handle.close)


def cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a person typed: whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _xlsx(path: Path) -> Table:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile(f"not a readable XLSX file ({type(error).__name__})") from None
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        header = [cell_text(cell) for cell in next(values)]
    except StopIteration:
        book.close()
        raise UnreadableFile("the first sheet is empty") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, row in enumerate(values, start=2):
            cells = [cell_text(cell) for cell in row]
            if any(cells):
                yield number, cells

    return Table(header, rows(), None, book.close)


def open_table(path: Path) -> Table:
    """The header and rows of a CSV or XLSX file (by its content, not its name)."""
    with path.open("rb") as raw:
        magic = raw.read(4)
    if magic == b"PK\x03\x04":
        return _xlsx(path)
    return _csv(path)


def text_rows(data: str) -> Table:
    """A table from CSV text (for tests and small pastes)."""
    reader = csv.reader(io.StringIO(data))
    header = next(reader)
    return Table(header, ((n + 2, r) for n, r in enumerate(reader)), "utf-8", lambda: None)
