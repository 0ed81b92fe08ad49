"""Engagement from behaviour events: sessions, time on page, the paths through a visit,
downloads (definitions in docs/metrics.md).

A session is the events sharing a ``session_id``, in order of ``occurred_at`` (then
``id``). A *page view* is a run of consecutive events of a session on one page (events
without a page are skipped when finding runs): it starts at the run's first event, and
its time on page lasts until the next view of the session starts. The last view of a
session has no next one, so its time is not measured (no event tells when the visitor
left). Everything per event and per session runs in the engine, with window functions
(``lag``/``lead`` over the session's events); only per-group, per-page and per-path
counts come back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal

import ibis

from rapport.analytics.common import (
    BREAKDOWNS,
    BadParameter,
    as_of_timestamp,
    optional_float,
    start_timestamp,
)
from rapport.analytics.source import Source

# ``by`` value that groups sessions by the channel of their first event with one.
SESSION_CHANNEL: Final = "session_channel"
PathKind = Literal["entry", "purchase", "drop_out"]


@dataclass(frozen=True)
class EngagementParams:
    """Events from ``start`` to ``end`` (inclusive; all when None), cut how."""

    start: date | None = None
    end: date | None = None
    by: str | None = None  # SESSION_CHANNEL or a customer field (sessions only)
    download_event: str = "download"  # the event name counted as a download
    purchase_events: tuple[str, ...] = ("payment",)  # event names that make a purchase
    path_length: int = 3  # pages in a path
    top: int = 20  # the most common pages, and paths of each kind


@dataclass(frozen=True)
class SessionRow:
    """Sessions of one group and what happened in them."""

    group: str  # "(anonymous)": sessions without a known customer, with a customer ``by``
    sessions: int
    anonymous_sessions: int  # no event of the session names a customer
    customers: int  # distinct known customers with a session
    sessions_per_customer: float | None  # sessions of known customers / customers
    mean_seconds: float | None  # session length: last event − first event
    median_seconds: float | None
    pages_per_session: float  # page views / sessions
    single_page_sessions: int  # sessions with exactly one page view
    mean_page_seconds: float | None  # time on page of the views that have one
    median_page_seconds: float | None
    purchase_sessions: int  # sessions with a purchase event
    downloads: int  # events named ``download_event``
    download_sessions: int  # sessions with at least one


@dataclass(frozen=True)
class PageRow:
    """One page: how often it was viewed, left from, and for how long."""

    page: str
    views: int
    exits: int  # views that were the last of their session
    exit_rate: float  # exits / views, %
    timed_views: int  # views with a measured time (all but exits)
    mean_seconds: float | None
    median_seconds: float | None


@dataclass(frozen=True)
class PathRow:
    """A sequence of pages and how many sessions of its kind took it."""

    kind: PathKind  # entry: first pages; purchase: last pages up to the purchase;
    # drop_out: last pages of a session without a purchase
    pages: list[str]  # in the order viewed
    sessions: int
    share: float  # % of the sessions of that kind with at least one page view


def engagement(source: Source, params: EngagementParams) -> list[SessionRow]:
    """Session counts, lengths, pages, time on page and downloads per group."""
    _check(params)
    events = _events(source, params)
    views = _views(events)
    sessions = _sessions(events, params)
    per_session = views.group_by("session_id").aggregate(views=ibis._.count())
    sessions = sessions.left_join(per_session, "session_id").select(
        sessions, views=per_session.views.fill_null(0))  # fmt: skip
    sessions = group_sessions(source, sessions, params.by)
    seconds = sessions.last_at.delta(sessions.first_at, unit="millisecond") / 1000
    stats = sessions.group_by("group").aggregate(
        sessions=ibis._.count(),
        anonymous_sessions=sessions.customer_id.isnull().sum(),
        customers=sessions.customer_id.nunique(),
        mean_seconds=seconds.mean(),
        median_seconds=seconds.median(),
        views=sessions.views.sum(),
        single_page_sessions=(sessions.views == 1).sum(),
        purchase_sessions=sessions.purchase_at.notnull().sum(),
        downloads=sessions.downloads.sum(),
        download_sessions=(sessions.downloads > 0).sum(),
    )
    timed = views.inner_join(sessions.select("session_id", "group"), "session_id")
    page_times = timed.group_by("group").aggregate(
        mean_page_seconds=timed.seconds.mean(), median_page_seconds=timed.seconds.median()
    )
    joined = stats.left_join(page_times, "group").select(
        stats, "mean_page_seconds", "median_page_seconds")  # fmt: skip
    out = []
    for r in source.to_arrow(joined.order_by("group")).to_pylist():
        n, anonymous = int(r["sessions"]), int(r["anonymous_sessions"])
        customers = int(r["customers"])
        out.append(SessionRow(
            str(r["group"]), n, anonymous, customers,
            (n - anonymous) / customers if customers else None,
            optional_float(r["mean_seconds"]), optional_float(r["median_seconds"]),
            int(r["views"]) / n, int(r["single_page_sessions"]),
            optional_float(r["mean_page_seconds"]), optional_float(r["median_page_seconds"]),
            int(r["purchase_sessions"]), int(r["downloads"]), int(r["download_sessions"]),
        ))  # fmt: skip
    return out


def pages(source: Source, params: EngagementParams) -> list[PageRow]:
    """The ``top`` most viewed pages, most views first, with exits and time on page."""
    _check(params)
    views = _views(_events(source, params))
    counts = views.group_by("page").aggregate(
        views=ibis._.count(),
        exits=(views.from_end == 0).sum(),
        timed_views=views.seconds.count(),
        mean_seconds=views.seconds.mean(),
        median_seconds=views.seconds.median(),
    )
    top = counts.order_by([ibis.desc("views"), "page"]).limit(params.top)
    out = []
    for r in source.to_arrow(top).to_pylist():
        views_, exits = int(r["views"]), int(r["exits"])
        out.append(PageRow(r["page"], views_, exits, 100 * exits / views_, int(r["timed_views"]),
                           optional_float(r["mean_seconds"]),
                           optional_float(r["median_seconds"])))  # fmt: skip
    return out


def paths(source: Source, params: EngagementParams) -> list[PathRow]:
    """The ``top`` most common paths of each kind: entry (the first ``path_length`` pages
    of a session), purchase (the last ones up to the view in which the session's first
    purchase event happened) and drop_out (the last ones of a session without one)."""
    _check(params)
    events = _events(source, params)
    views = _views(events)
    bought = _sessions(events, params).select("session_id", "purchase_at")
    views = views.inner_join(bought, "session_id")
    before = views.filter(views.purchase_at.notnull() & (views.occurred_at <= views.purchase_at))
    back = ibis.window(group_by="session_id",
                       order_by=[ibis.desc("occurred_at"), ibis.desc("id")])  # fmt: skip
    before = before.mutate(from_end=ibis.row_number().over(back))
    # One query for the three kinds, so the engine works out the page views once.
    tops = [
        _common_paths("entry", views, "number", params),
        _common_paths("purchase", before, "from_end", params),
        _common_paths("drop_out", views.filter(views.purchase_at.isnull()), "from_end", params),
    ]
    k = params.path_length
    kinds = ["entry", "purchase", "drop_out"]
    rows = source.to_arrow(ibis.union(*tops, distinct=False)).to_pylist()
    out = []
    for r in sorted(rows, key=lambda r: (kinds.index(r["kind"]), r["place"])):
        seen = [r[f"p{i}"] for i in range(k) if r[f"p{i}"] is not None]
        order = seen if r["kind"] == "entry" else seen[::-1]
        sessions = int(r["sessions"])
        out.append(PathRow(r["kind"], order, sessions, 100 * sessions / int(r["total"])))
    return out


def _common_paths(kind: PathKind, views: Any, position: str, params: EngagementParams) -> Any:
    """The ``top`` sequences of the pages at ``position`` 0 … path_length − 1 (counted
    from the end when ``position`` is ``from_end``) with their sessions, most first."""
    k = params.path_length
    picked = views.filter(views[position] < k)
    steps = {f"p{i}": picked.page.max(where=picked[position] == i) for i in range(k)}
    per_session = picked.group_by("session_id").aggregate(**steps)
    counts = per_session.group_by(list(steps)).aggregate(sessions=ibis._.count())
    counts = counts.mutate(total=counts.sessions.sum().over(ibis.window()))
    # ties: by the pages (the last first, for paths counted from the end), shorter first
    ties = [ibis.asc(step, nulls_first=True) for step in steps]
    ranked = counts.mutate(
        place=ibis.row_number().over(order_by=[ibis.desc("sessions"), *ties]),
        kind=ibis.literal(kind),
    )
    return ranked.filter(ranked.place < params.top)


def _events(source: Source, params: EngagementParams) -> Any:
    events = source.table("events")
    if params.start:
        events = events.filter(events.occurred_at >= start_timestamp(params.start))
    if params.end:
        events = events.filter(events.occurred_at < as_of_timestamp(params.end))
    return events


def _views(events: Any) -> Any:
    """The page views of ``events``: session_id, id, page, occurred_at (its start),
    ``seconds`` on the page (NULL for a session's last view), ``number`` (0 for the
    session's first view) and ``from_end`` (0 for its last)."""
    ahead = ibis.window(group_by="session_id", order_by=["occurred_at", "id"])
    back = ibis.window(group_by="session_id", order_by=[ibis.desc("occurred_at"), ibis.desc("id")])
    paged = events.filter(events.page.notnull()).select("session_id", "id", "page", "occurred_at")
    paged = paged.mutate(previous=paged.page.lag().over(ahead))
    views = paged.filter(paged.previous.isnull() | (paged.previous != paged.page))
    views = views.mutate(next_at=views.occurred_at.lead().over(ahead),
                         number=ibis.row_number().over(ahead),
                         from_end=ibis.row_number().over(back))  # fmt: skip
    seconds = views.next_at.delta(views.occurred_at, unit="millisecond") / 1000
    return views.select("session_id", "id", "page", "occurred_at", "number", "from_end",
                        seconds=seconds)  # fmt: skip


def _sessions(events: Any, params: EngagementParams) -> Any:
    """One row per session: its first and last event, customer, channel, downloads and
    the moment of its first purchase event (NULL without one)."""
    is_purchase = events.name.isin(list(params.purchase_events))
    return events.group_by("session_id").aggregate(
        first_at=events.occurred_at.min(),
        last_at=events.occurred_at.max(),
        customer_id=events.customer_id.max(),
        channel=events.channel.argmin(events.occurred_at, where=events.channel.notnull()),
        downloads=(events.name == params.download_event).sum(),
        purchase_at=events.occurred_at.min(where=is_purchase),
    )


def group_sessions(source: Source, sessions: Any, by: str | None) -> Any:
    """``sessions`` (with ``customer_id`` and ``channel``, the channel of their first
    event that has one) with a ``group`` column for ``by``: their own channel, or a
    field of their customer (``(anonymous)`` without one). The web funnel's too."""
    if by is None:
        return sessions.mutate(group=ibis.literal("all"))
    if by == SESSION_CHANNEL:
        return sessions.mutate(group=sessions.channel.fill_null("(none)"))
    if by not in BREAKDOWNS:
        choices = ", ".join((SESSION_CHANNEL, *BREAKDOWNS))
        raise BadParameter("by", f"break down by one of {choices}")
    customers = source.table("customers").select(known_id="id", field=by)
    joined = sessions.left_join(customers, sessions.customer_id == customers.known_id)
    group = joined.customer_id.isnull().ifelse(
        "(anonymous)", joined.field.cast("string").fill_null("(none)"))  # fmt: skip
    return joined.mutate(group=group).drop("known_id", "field")


def _check(params: EngagementParams) -> None:
    if params.start and params.end and params.start > params.end:
        raise BadParameter("start", "must not be after end")
    if not params.purchase_events:
        raise BadParameter("purchase_events", "name at least one event")
    if not 1 <= params.path_length <= 10:
        raise BadParameter("path_length", "give a number of pages from 1 to 10")
    if params.top < 1:
        raise BadParameter("top", "give a number of at least 1")
