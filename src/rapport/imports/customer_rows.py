"""One row of a customer file turned into customer fields, or the reasons it cannot be.

Text is read the way people write it in spreadsheets: ``男``/``F`` for gender,
``1990/2/28`` or ``1990年2月28日`` for dates, ``China`` or ``中国`` for a country, a
first and last name in two columns. The result is checked with the same schema as the
API (``CustomerCreate``), so an imported customer obeys exactly the same rules, and each
problem names the column of the file it came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum as PyEnum
from functools import cache
from typing import Any, Final, cast

import babel
from pydantic import ValidationError
from sqlalchemy import Enum, Table

from rapport.bulk import converters, row_converter
from rapport.customers import names
from rapport.customers.models import Customer, CustomerKind
from rapport.customers.names import has_han
from rapport.customers.schemas import CustomerCreate
from rapport.i18n import N_
from rapport.imports.reasons import CellError, Reason

_GENDERS: Final = {
    "m": "male", "male": "male", "man": "male", "男": "male", "先生": "male",
    "f": "female", "female": "female", "woman": "female", "女": "female", "女士": "female",
    "other": "other", "其他": "other",
}  # fmt: skip
_KINDS: Final = {
    "person": "person", "individual": "person", "contact": "person", "个人": "person",
    "company": "company", "organization": "company", "account": "company",
    "公司": "company", "企业": "company", "单位": "company",
}  # fmt: skip
_PLAIN: Final = (
    "external_id", "email", "wechat_id", "province", "city", "district", "street",
    "postcode", "job_title", "industry", "website", "channel", "notes",
)  # fmt: skip
_DATE: Final = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def _countries() -> dict[str, str]:
    names: dict[str, str] = {}
    for locale in ("en", "zh"):
        for code, name in babel.Locale(locale).territories.items():
            if isinstance(code, str) and len(code) == 2 and code.isalpha():
                names[name.lower()] = code
    names.update({"usa": "US", "u.s.": "US", "uk": "GB", "prc": "CN", "中国大陆": "CN"})
    return names


COUNTRIES: Final = _countries()


@dataclass
class Converted:
    """A row's customer fields, the extras to look up, and its problems by column."""

    values: dict[str, Any] = field(default_factory=dict)
    company_name: str | None = None
    owner: str | None = None
    created_at: datetime | None = None
    latin: str | None = None  # the name in Latin letters, for a new customer
    row: list[Any] | None = None  # the new customer's NEW_COLUMNS, ready for the driver
    problems: list[tuple[str, str, Reason]] = field(default_factory=list)  # column, value, why


def parse_date(text: str) -> date:
    """A date written as 2026-06-30, 2026/6/30, 2026.6.30 or 2026年6月30日."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        raise CellError(N_("write dates as 2026-06-30 (or 2026/6/30, 2026年6月30日)"))
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError as error:  # 1985/13/01: in English, the library's words
        raise CellError.said(str(error), N_("is not a real date")) from None


def parse_moment(text: str) -> datetime:
    """A date or date and time; without a zone it is taken as UTC."""
    cleaned = text.strip().replace("/", "-").replace("T", " ")
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        moment = datetime.combine(parse_date(text), datetime.min.time())
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _name(raw: dict[str, str]) -> str | None:
    if raw.get("name"):
        return raw["name"]
    first, last = raw.get("first_name", ""), raw.get("last_name", "")
    if has_han(first + last):
        return (last + first) or None  # 王 + 小明
    return " ".join(part for part in (first, last) if part) or None


def convert(raw: dict[str, str], columns: dict[str, str]) -> Converted:
    """The customer in ``raw`` (Rapport field → cell text); ``columns`` names the source."""
    out = Converted()

    def bad(field_name: str, reason: Reason) -> None:
        column = columns.get(field_name, field_name)
        out.problems.append((column, raw.get(field_name, ""), reason))

    text = {k: v.strip() for k, v in raw.items() if v and v.strip()}
    for key in [k for k, v in text.items() if "\x00" in v]:
        bad(key, Reason.of(N_("contains the NUL character, which no text may hold")))
        del text[key]
    values: dict[str, Any] = {}
    name = _name(text)
    if name:
        values["name"] = name
    if "kind" in text:
        kind = _KINDS.get(text["kind"].lower())
        if kind is None:
            bad("kind", Reason.of(N_("write person or company (个人 / 公司)")))
        else:
            values["kind"] = kind
    if "gender" in text:
        gender = _GENDERS.get(text["gender"].lower())
        if gender is None:
            bad("gender", Reason.of(N_("write male or female (男 / 女)")))
        else:
            values["gender"] = gender
    phone = text.get("mobile") or text.get("phone")
    if phone:
        values["phone"] = phone
    for plain in _PLAIN:
        if plain in text:
            values[plain] = text[plain]
    if "country" in text:
        values["country"] = COUNTRIES.get(text["country"].lower(), text["country"])
    if "birthday" in text:
        try:
            values["birthday"] = parse_date(text["birthday"])
        except ValueError as error:
            bad("birthday", Reason.of_error(error))
    if "created_at" in text:
        try:
            out.created_at = parse_moment(text["created_at"])
        except ValueError as error:
            bad("created_at", Reason.of_error(error))
    out.company_name = text.get("company_name")
    out.owner = text.get("owner_email")
    try:
        checked = CustomerCreate.model_validate(values)
    except ValidationError as error:
        for problem in error.errors():
            where = str(problem["loc"][0]) if problem["loc"] else "name"
            source = "mobile" if where == "phone" and "mobile" in text else where
            reason = Reason.of_validation(problem)
            if where == "name" and "name" not in text:
                source = "first_name" if "first_name" in columns else "name"
                reason = Reason.of(N_("is empty: every customer needs a name"))
            bad(source, reason)
        return out
    out.values = checked.model_dump(exclude_unset=True)
    return out


_CUSTOMERS = cast(Table, Customer.__table__)
NEW_COLUMNS: Final = tuple(c.key for c in _CUSTOMERS.columns if c.key != "id")


@cache
def row_values(dialect: str) -> Callable[[dict[str, Any]], list[Any]]:
    """Turns a new customer's columns into the NEW_COLUMNS values ``dialect``'s driver takes."""
    return row_converter(_CUSTOMERS, NEW_COLUMNS, dialect)


def new_customer(
    values: dict[str, Any], created: datetime | None, latin: str | None, now: datetime
) -> dict[str, Any]:
    """A new customer's columns: the defaults, then ``values``; every NEW_COLUMNS key."""
    row: dict[str, Any] = dict.fromkeys(NEW_COLUMNS)
    row.update(kind=CustomerKind.PERSON, lifecycle_stage="lead", custom_fields={},
               marketing_opt_out=False, created_at=created or now, updated_at=now)  # fmt: skip
    row.update(values)
    row["kind"] = CustomerKind(row["kind"])
    person = row["kind"] is CustomerKind.PERSON
    row["name_latin"] = latin or row["name_latin"] or names.latin(row["name"], person=person)
    return row


def check_rows(
    batch: list[tuple[int, dict[str, str]]], mapping: dict[str, str], dialect: str
) -> list[tuple[int, Converted]]:
    """Each row of ``batch`` (header → cell) converted by ``mapping`` (field → header); a
    good row also as the values of a new customer for ``dialect``'s driver.

    Needs no database, so an import can run it in another process while it writes.
    """
    now = datetime.now(UTC)
    template = [
        _plain(v) for v in row_values(dialect)(new_customer({"name": "-"}, None, None, now))
    ]
    place = _places(dialect)
    latin_at, created_at = place["name_latin"][0], place["created_at"]
    out = []
    for number, cells in batch:
        raw = {name: cells.get(header, "") for name, header in mapping.items()}
        converted = convert(raw, mapping)
        if not converted.problems:
            values = converted.values
            converted.latin = values.get("name_latin") or names.latin(
                values["name"], person=values.get("kind", "person") == "person"
            )
            row = template.copy()
            for key, value in values.items():
                at, to_driver = place[key]
                row[at] = to_driver(value) if to_driver else value
            row[latin_at] = converted.latin
            if converted.created_at:
                row[created_at[0]] = created_at[1](converted.created_at)  # type: ignore[misc]
            converted.row = row
        out.append((number, converted))
    return out


@cache
def _places(dialect: str) -> dict[str, tuple[int, Callable[[Any], Any] | None]]:
    """Each column's place in NEW_COLUMNS and what turns its value into the driver's
    (enums become their plain text: the SQLite driver binds a str subclass slowly)."""
    convert = converters(_CUSTOMERS, NEW_COLUMNS, dialect)
    out: dict[str, tuple[int, Callable[[Any], Any] | None]] = {}
    for at, (name, function) in enumerate(zip(NEW_COLUMNS, convert, strict=True)):
        enum = isinstance(_CUSTOMERS.c[name].type, Enum)
        out[name] = (at, function or (_plain if enum else None))
    return out


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, PyEnum) else value
