"""The filters every analytics page has: period, owner, channel and segment.

The period is the span the analysis looks at (its start and end days, or the as-of day
for a snapshot analysis). Owner, channel and segment narrow the customers: each table
keeps the rows of those customers only, except that the owner filter takes the deals of
that owner (a deal's owner is who sells it). A segment is a saved segment (its current
members) or an RFM segment of the newest scoring run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import ibis
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from rapport.analytics.source import Source
from rapport.scores.models import CustomerScore, ScoringRun
from rapport.segments.models import Segment, SegmentMembership

DEFAULT_DAYS = 365


@dataclass(frozen=True)
class ReportFilters:
    """What a page's filter bar says."""

    start: date
    end: date
    owner_id: int | None = None
    channel: str | None = None
    segment: str | None = None  # "saved:<id>" or "rfm:<segment code>"

    @property
    def narrows(self) -> bool:
        """Whether the customers are narrowed at all."""
        return bool(self.owner_id or self.channel or self.segment)

    def previous(self) -> ReportFilters:
        """The same filters over the span just before this one, as long."""
        days = (self.end - self.start).days + 1
        return ReportFilters(self.start - timedelta(days=days), self.start - timedelta(days=1),
                             self.owner_id, self.channel, self.segment)  # fmt: skip

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for links and downloads)."""
        values = {"start": self.start.isoformat(), "end": self.end.isoformat(),
                  "owner": str(self.owner_id or ""), "channel": self.channel or "",
                  "segment": self.segment or ""}  # fmt: skip
        return {k: v for k, v in values.items() if v}


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def parse(query: QueryParams, today: date, days: int = DEFAULT_DAYS) -> ReportFilters:
    """The filters in a page's query string; what cannot be read takes its default (the
    ``days`` up to ``today``)."""
    end = _day(query.get("end")) or today
    start = _day(query.get("start")) or end - timedelta(days=days - 1)
    if start > end:
        start, end = end, start
    owner = query.get("owner", "")
    segment = query.get("segment") or None
    if segment and not segment.startswith(("saved:", "rfm:")):
        segment = None
    return ReportFilters(start, end, int(owner) if owner.isdigit() else None,
                         query.get("channel") or None, segment)  # fmt: skip


def segment_members(session: Session, segment: str) -> list[int]:
    """The ids of the customers in a filter's segment, now."""
    kind, _, code = segment.partition(":")
    if kind == "saved" and code.isdigit():
        stmt = select(SegmentMembership.customer_id).where(
            SegmentMembership.segment_id == int(code), SegmentMembership.left_at.is_(None)
        )
    else:
        newest = select(func.max(ScoringRun.id)).scalar_subquery()
        stmt = select(CustomerScore.customer_id).where(
            CustomerScore.run_id == newest, CustomerScore.rfm_segment == code
        )
    return list(session.scalars(stmt))


def segments(session: Session) -> list[tuple[str, str]]:
    """The saved segments as (filter value, name)."""
    stmt = select(Segment.id, Segment.name).where(Segment.deleted_at.is_(None))
    return [(f"saved:{row.id}", row.name) for row in session.execute(stmt.order_by(Segment.name))]


def narrow(source: Source, filters: ReportFilters, members: list[int] | None) -> Source:
    """``source`` seen through the filters' customers (itself when they narrow nothing)."""
    if not filters.narrows:
        return source
    kept = (
        ibis.memtable({"id": members or [-1]}, schema={"id": "int64"}) if filters.segment else None
    )

    def customers(table: Any, *, by_owner: bool = True) -> Any:
        holds = ibis.literal(True)
        if filters.owner_id and by_owner:
            holds &= table.owner_id == filters.owner_id
        if filters.channel:
            holds &= table.channel == filters.channel
        if kept is not None:
            holds &= table.id.cast("int64").isin(kept.id)
        return holds

    def deals(table: Any) -> Any:
        holds = table.owner_id == filters.owner_id
        if filters.channel or kept is not None:
            mine = source.table("customers")
            holds &= table.customer_id.isin(mine.filter(customers(mine, by_owner=False)).id)
        return holds

    return source.narrowed(customers, deals if filters.owner_id else None)
