"""What several analyses share: periods, breakdowns by a customer field, result tables."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Final, Literal

import numpy as np

from rapport.analytics.source import Source

_ONE_DAY: Final = timedelta(days=1)
Period = Literal["day", "week", "month", "quarter", "year"]
_UNITS: Final = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}
# Customer fields a result may be broken down by (any other column is refused by name).
BREAKDOWNS: Final = (
    "kind", "gender", "country", "province", "city", "channel", "campaign_id", "owner_id",
    "lifecycle_stage", "industry", "language",
)  # fmt: skip


class BadParameter(ValueError):
    """An analysis parameter that cannot be used; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class NotEnoughData(ValueError):
    """The data holds too little for a model to be fitted (too few buyers, one class …)."""


def check_period(period: str) -> None:
    """Raise ``BadParameter`` unless ``period`` is one of ``Period``'s."""
    if period not in _UNITS:
        raise BadParameter("period", f"choose one of {', '.join(_UNITS)}")


def truncate(column: Any, period: Period) -> Any:
    """``column`` (a timestamp) cut to the start of its period, as a date."""
    check_period(period)
    return column.truncate(_UNITS[period]).date()


def with_breakdown(source: Source, table: Any, by: str | None) -> Any:
    """``table`` (with a ``customer_id``) with a ``group`` column: the customer's ``by``
    field as text, or the same value for every row when ``by`` is None."""
    import ibis

    if by is None:
        return table.mutate(group=ibis.literal("all"))
    if by not in BREAKDOWNS:
        raise BadParameter("by", f"break down by one of {', '.join(BREAKDOWNS)}")
    customers = source.table("customers").select(customer_id="id", group=by)
    joined = table.inner_join(customers, "customer_id")
    return joined.mutate(group=joined.group.cast("string").fill_null("(none)"))


def start_timestamp(day: date) -> datetime:
    """Midnight starting ``day`` (naive, on the analytics clock): data of ``day`` is not
    before it."""
    return datetime(day.year, day.month, day.day)


def as_of_timestamp(day: date) -> datetime:
    """The first moment after ``day`` (naive UTC): data up to ``day`` inclusive is before it."""
    return datetime(day.year, day.month, day.day) + _ONE_DAY


def paid_orders(source: Source, before: datetime, currency: str | None = None) -> Any:
    """The orders that count as purchases (status ``paid``) placed before ``before``, in
    ``currency`` when one is given."""
    orders = source.table("orders")
    paid = orders.filter((orders.status == "paid") & (orders.ordered_at < before))
    return paid if currency is None else paid.filter(paid.currency == currency)


def period_start(day: date, period: Period) -> date:
    """The first day of ``day``'s period (weeks from Monday)."""
    check_period(period)
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def next_period(first: date, period: Period) -> date:
    """The first day of the period after the one starting on ``first``."""
    if period in ("day", "week"):
        return first + timedelta(days=1 if period == "day" else 7)
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def as_date(value: Any) -> date:
    """A date from what an engine gives back for one (a date, a datetime or its text)."""
    if type(value) is date:
        return value
    return value.date() if isinstance(value, datetime) else date.fromisoformat(str(value))


def optional_float(value: Any) -> float | None:
    """A figure from an engine as a float, or None where there is none."""
    return None if value is None else float(value)


def positions(
    ids: np.ndarray[Any, np.dtype[np.int64]], wanted: np.ndarray[Any, np.dtype[np.int64]]
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], np.ndarray[Any, np.dtype[np.bool_]]]:
    """Where each of ``wanted`` sits in the sorted, non-empty ``ids``, and whether it is
    there (where it is not, the position is a neighbour's)."""
    where = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1).astype(np.int64)
    return where, ids[where] == wanted
