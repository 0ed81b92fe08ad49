"""How pages write figures and times: money from minor units, shares, dates in the local zone.

The filters are installed in every language's template environment. Numbers use the
grouping both languages read (``12,345``); times are stored in UTC and shown in the
configured zone (``RAPPORT_TIME_ZONE``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from rapport.config import get_settings


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local(moment: datetime) -> datetime:
    """``moment`` (UTC, naive or aware) in the configured time zone."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(_zone(get_settings().time_zone))


def format_date(value: date | datetime | None) -> str:
    """``2026-11-24``; a time is first moved to the local zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    return value.isoformat()


def format_datetime(value: datetime | None) -> str:
    """``2026-11-24 14:05`` in the local zone."""
    if value is None:
        return ""
    return local(value).strftime("%Y-%m-%d %H:%M")


def format_number(value: float | int | None, digits: int = 0) -> str:
    """``12,345`` or, with ``digits``, ``12,345.68``; an empty value is a dash."""
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def format_money(
    value: float | int | None, currency: str | None = None, *, minor: bool = False
) -> str:
    """``¥12,345.60`` / ``CNY 12,345.60``: major units, or minor units with ``minor``."""
    if value is None:
        return "—"
    amount = value / 100 if minor else value
    symbol = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}.get(currency or "")
    text = f"{amount:,.2f}"
    if symbol is not None:
        return f"-{symbol}{text[1:]}" if amount < 0 else f"{symbol}{text}"
    return f"{currency} {text}" if currency else text


def format_percent(value: float | None, digits: int = 0) -> str:
    """A share (0.42) as ``42 %``; an empty value is a dash."""
    if value is None:
        return "—"
    return f"{100 * value:.{digits}f} %"


FILTERS = {
    "date": format_date,
    "datetime": format_datetime,
    "number": format_number,
    "money": format_money,
    "percent": format_percent,
}
