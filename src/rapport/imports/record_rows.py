"""Rows of an order, deal, interaction, ticket, answer or event file read into the API's
fields, with the references they name looked up and each problem tied to its column.

The result of one row (or, for orders, of the lines of one order) is a ``Plan``: the
values for the record type's ``…Create`` schema and the service that saves it, so an
imported record obeys exactly the API's rules. Times that only an import can set (when a
deal was created and closed, when a ticket was resolved) travel beside them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final

from rapport.config import get_settings
from rapport.i18n import N_
from rapport.imports import cells
from rapport.imports.customer_rows import parse_date, parse_moment
from rapport.imports.lookups import CUSTOMER_KEYS, LookupError_, Lookups
from rapport.imports.reasons import Reason

Problem = tuple[int, str, str, Reason]  # row, import field, value, reason

# Import field → the API field it fills (when the name differs).
API_FIELD: Final = {
    "owner": "owner_id", "user": "user_id", "assignee": "assignee_id",
    "product": "product_id", "order": "order_id", "campaign": "campaign_id",
    "survey": "survey_id", "stage": "stage_id", "pipeline": "pipeline_id",
    "unit_price": "unit_price_minor", "discount": "discount_minor", "amount": "amount_minor",
}  # fmt: skip
IMPORT_FIELD: Final = {api: name for name, api in API_FIELD.items()}
_MOMENTS: Final = frozenset({
    "ordered_at", "occurred_at", "opened_at", "first_response_at", "responded_at",
    "refunded_at", "created_at", "resolved_at", "closed_at",
})  # fmt: skip
_TEXTS: Final = frozenset({
    "number", "external_id", "channel", "subject", "body", "description", "category",
    "comment", "outcome", "page", "session_id", "anonymous_id", "name", "lost_reason",
})  # fmt: skip
_HINTS: Final = {
    "order_status": (cells.ORDER_STATUS, N_("write paid, pending, refunded or cancelled")),
    "ticket_status": (cells.TICKET_STATUS, N_("write open, pending, resolved or closed")),
    "priority": (cells.TICKET_PRIORITY, N_("write low, normal, high or urgent")),
    "kind": (cells.INTERACTION_KIND,
             N_("write call, email, meeting, visit, chat, sms, wechat or note")),
    "direction": (cells.DIRECTION, N_("write inbound or outbound")),
}  # fmt: skip
# Read into ``Plan.later``: set after the service saved the record.
_LATER: Final = frozenset({"created_at", "resolved_at", "closed_at"})


@dataclass
class Plan:
    """One record to save: its rows, the API values, and where each value came from."""

    rows: list[int]
    values: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)  # API field → import field
    later: dict[str, Any] = field(default_factory=dict)

    def source(self, path: tuple[str | int, ...]) -> tuple[int, str]:
        """The row and import field behind an error at ``path`` (``items.2.quantity``)."""
        parts = [p for p in path if p != "body"]
        row = self.rows[0]
        if len(parts) >= 2 and parts[0] == "items" and isinstance(parts[1], int):
            row = self.rows[min(parts[1], len(self.rows) - 1)]
            parts = parts[2:]
        name = str(parts[-1]) if parts else "row"
        return row, self.sources.get(name, IMPORT_FIELD.get(name, name))


class RowReader:
    """Reads one row's cells (import field → text), keeping its problems."""

    def __init__(self, number: int, text: dict[str, str], problems: list[Problem]) -> None:
        self.number, self.text, self.problems = number, text, problems
        self.ok = True

    def fail(self, name: str, reason: Reason) -> None:
        self.problems.append((self.number, name, self.text.get(name, ""), reason))
        self.ok = False

    def read(self, name: str, parse: Callable[[str], Any]) -> Any:
        """``parse`` of the cell, or None when it is empty or cannot be read."""
        text = self.text.get(name)
        if text is None:
            return None
        try:
            return parse(text)
        except ValueError as error:  # a CellError, a LookupError_, or a library's
            self.fail(name, Reason.of_error(error))
            return None


def _duration(text: str) -> int:
    """Seconds, written as 95, 1:35 or 0:01:35."""
    if ":" in text:
        total = 0
        for part in text.strip().split(":"):
            total = total * 60 + cells.whole_number(part)
        return total
    return cells.whole_number(text)


def read_fields(
    reader: RowReader,
    lookups: Lookups,
    names: tuple[str, ...],
    *,
    status: str | None = None,
    customer_required: bool = True,
) -> Plan:
    """The plan for one row: every field in ``names`` that the row fills, read."""
    plan = Plan([reader.number], {})
    currency = reader.text.get("currency") or get_settings().default_currency
    readers: dict[str, Callable[[str], Any]] = {
        "owner": lookups.user, "user": lookups.user, "assignee": lookups.user,
        "product": lambda t: lookups.named(lookups.products, t, N_("no product with this SKU "
                                                                    "or name %(text)r")),
        "order": lambda t: lookups.named(lookups.orders, t, N_("no order with this number "
                                                                "%(text)r")),
        "campaign": lambda t: lookups.named(lookups.campaigns, t, N_("no campaign %(text)r")),
        "survey": lambda t: lookups.named(lookups.surveys, t, N_("no survey %(text)r")),
        "quantity": cells.whole_number, "score": cells.whole_number, "duration_seconds": _duration,
        "unit_price": lambda t: cells.amount_minor(t, currency),
        "discount": lambda t: cells.amount_minor(t, currency),
        "amount": lambda t: cells.amount_minor(t, currency),
        "currency": str.upper, "expected_close_on": parse_date,
    }  # fmt: skip
    for name in names:
        if name not in reader.text or name in CUSTOMER_KEYS or name in ("stage", "pipeline"):
            continue
        if name in _MOMENTS:
            value = reader.read(name, parse_moment)
        elif name in _TEXTS:
            value = reader.text[name]
        elif name in readers:
            value = reader.read(name, readers[name])
        else:
            words, hint = _HINTS[status if name == "status" and status else name]
            value = reader.read(name, partial(cells.choice, words=words, hint=hint))
        if value is None:
            continue
        target = API_FIELD.get(name, name)
        (plan.later if name in _LATER else plan.values)[target] = value
        plan.sources[target] = name
    names_customer = any(k in names for k in CUSTOMER_KEYS)
    if names_customer and (customer_required or any(reader.text.get(k) for k in CUSTOMER_KEYS)):
        try:
            key, plan.values["customer_id"] = lookups.customer(reader.text)
            plan.sources["customer_id"] = key
        except LookupError_ as error:
            first = next((k for k in CUSTOMER_KEYS if reader.text.get(k)), "customer_name")
            reader.fail(first, Reason.of_error(error))
    return plan


def as_start_of_day(moment: datetime | Any) -> datetime:
    """A date from a file as the moment its day began (UTC)."""
    if isinstance(moment, datetime):
        return moment
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
