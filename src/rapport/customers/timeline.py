"""One customer's history on one line: interactions, orders, deals, tickets, answers, events.

Each kind of record is read through the access rules, newest first, at most ``limit`` of
each, and the kinds are merged by time, so the newest ``limit`` entries are exact
whatever mix of kinds they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from rapport import records
from rapport.access import Actor
from rapport.deals import service as deal_service
from rapport.deals.models import Deal
from rapport.events import service as event_service
from rapport.events.models import Event
from rapport.interactions import service as interaction_service
from rapport.interactions.models import Interaction
from rapport.orders import service as order_service
from rapport.orders.models import Order
from rapport.surveys import service as survey_service
from rapport.surveys.models import SurveyResponse
from rapport.tickets import service as ticket_service
from rapport.tickets.models import Ticket


@dataclass(frozen=True)
class Entry:
    """One thing that happened: its kind (``interaction``, ``order`` …), time and record."""

    kind: str
    at: datetime
    record: Any


def _newest(
    session: Session,
    actor: Actor,
    kind: records.RecordType[Any],
    customer: ColumnElement[bool],
    at: Any,
    limit: int,
) -> list[Any]:
    stmt = records.select_visible(kind, actor).where(customer)
    return list(session.scalars(stmt.order_by(at.desc(), kind.key.desc()).limit(limit)))


def timeline(*, session: Session, actor: Actor, customer_id: int, limit: int = 50) -> list[Entry]:
    """The customer's newest ``limit`` entries that ``actor`` may see, newest first."""
    sources: list[tuple[str, records.RecordType[Any], ColumnElement[bool], Any, str]] = [
        ("interaction", interaction_service.RECORD, Interaction.customer_id == customer_id,
         Interaction.occurred_at, "occurred_at"),
        ("order", order_service.RECORD, Order.customer_id == customer_id, Order.ordered_at,
         "ordered_at"),
        ("deal", deal_service.RECORD, Deal.customer_id == customer_id, Deal.created_at,
         "created_at"),
        ("ticket", ticket_service.RECORD, Ticket.customer_id == customer_id, Ticket.opened_at,
         "opened_at"),
        ("answer", survey_service.RESPONSE_RECORD, SurveyResponse.customer_id == customer_id,
         SurveyResponse.responded_at, "responded_at"),
        ("event", event_service.RECORD, Event.customer_id == customer_id, Event.occurred_at,
         "occurred_at"),
    ]  # fmt: skip
    entries = [
        Entry(name, getattr(row, field), row)
        for name, kind, customer, at, field in sources
        for row in _newest(session, actor, kind, customer, at, limit)
    ]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]
