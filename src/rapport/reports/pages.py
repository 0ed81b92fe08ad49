"""Analytics pages: one page per analysis with its filters, charts, tables and downloads."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Hashable
from datetime import date, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from openpyxl import Workbook
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from rapport.access import Actor
from rapport.analytics.common import BadParameter, NotEnoughData
from rapport.analytics.rfm import SEGMENTS
from rapport.analytics.source import MissingTable, Source
from rapport.api.deps import SessionDep
from rapport.appsettings.service import EDITABLE, effective
from rapport.config import Settings
from rapport.db import session_scope
from rapport.errors import NotFound
from rapport.i18n import gettext_for, select_locale
from rapport.reports import dashboard, scored
from rapport.reports import filters as report_filters
from rapport.reports.cache import AnalyticsCache
from rapport.reports.catalog import REPORTS, Inputs
from rapport.reports.figures import Figure, chart_json, finite
from rapport.reports.filters import ReportFilters
from rapport.templating import render
from rapport.web import choices
from rapport.web.deps import PageActor, check_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def menu() -> list[tuple[str, str, str]]:
    """Every analytics page as (slug, title, summary), in the menu's order (untranslated)."""
    pages = [(r.slug, r.title, r.summary) for r in REPORTS.values()]
    pages += [(slug, title, scored.SUMMARIES[slug]) for slug, title in scored.SCORED.items()]
    return pages


def report_work(
    slug: str, filters: ReportFilters, members: list[int] | None, settings: Settings
) -> Callable[[Source], Any]:
    """What computing the analysis ``slug`` with ``filters`` does to a snapshot (its
    result, or the reason it has none)."""
    report = REPORTS[slug]

    def work(source: Source) -> Any:
        narrowed = report_filters.narrow(source, filters, members)
        try:
            return report.compute(Inputs(narrowed, filters, settings))
        except (NotEnoughData, BadParameter, MissingTable) as exc:
            return exc

    return work


def dashboard_work(
    filters: ReportFilters, members: list[int] | None, settings: Settings
) -> Callable[[Source], Any]:
    """What computing the dashboard with ``filters`` does to a snapshot."""

    def work(source: Source) -> Any:
        narrowed = report_filters.narrow(source, filters, members)
        return dashboard.headlines(Inputs(narrowed, filters, settings))

    return work


def thresholds(settings: Settings) -> tuple[int, ...]:
    """The settings a result depends on, for its cache key (a change computes afresh)."""
    return tuple(getattr(settings, name) for name in sorted(EDITABLE))


def default_works(
    today: date, settings: Settings
) -> list[tuple[Hashable, Callable[[Source], Any]]]:
    """The dashboard and every analysis as they first open (no filters chosen), keyed as
    their pages key them: what warming the cache up computes."""
    empty = QueryParams("")
    limits = thresholds(settings)
    works: list[tuple[Hashable, Callable[[Source], Any]]] = []
    dashboard_filters = report_filters.parse(empty, today, days=30)
    works.append(
        (
            ("dashboard", dashboard_filters, limits),
            dashboard_work(dashboard_filters, None, settings),
        )
    )
    filters = report_filters.parse(empty, today)
    works += [
        ((slug, filters, limits), report_work(slug, filters, None, settings)) for slug in REPORTS
    ]
    return works


def figures_of(
    request: Request, session: Session, actor: Actor, slug: str, filters: ReportFilters
) -> tuple[list[Figure], datetime | None, str | None]:
    """The page's figures, when its data was read, and why there are none (if so)."""
    _ = gettext_for(request)
    members = report_filters.segment_members(session, filters.segment) if filters.segment else None
    if slug in scored.SCORED:
        make = scored.clv_figures if slug == "clv" else scored.cluster_figures
        run = scored.newest_run(session)
        locale = select_locale(request, request.app.state.settings)

        def read_scores(_source: Source) -> list[Figure]:
            # Kept with the snapshot, per scoring run and language: a new run is read afresh.
            with session_scope(request.app.state.sessionmaker) as reading:
                return make(reading, actor, run, filters, members, _)

        key = (slug, filters, run.id if run else None, locale)
        found, _read = request.app.state.analytics.compute(actor, key, read_scores)
        why = None if found else _("No scores yet: they come from the scoring run (rapport score).")
        return found, run.finished_at if run else None, why
    report = REPORTS.get(slug)
    if report is None:
        raise NotFound("analytics page", slug)
    cache: AnalyticsCache = request.app.state.analytics
    settings = effective(session)
    work = report_work(slug, filters, members, settings)
    data, read_at = cache.compute(actor, (slug, filters, thresholds(settings)), work)
    if isinstance(data, Exception):
        return [], read_at, _("Not enough data for this analysis with these filters.")
    found = [finite(figure) for figure in report.present(data, _, filters)]
    return found, read_at, None if found else _("Nothing to show with these filters.")


def _context(request: Request, session: Session, filters: ReportFilters) -> dict[str, Any]:
    return {
        "filters": filters,
        "owners": choices.users(session),
        "channels": choices.channels(session),
        "segments": report_filters.segments(session),
        "rfm_segments": [name for name, _r, _fm in SEGMENTS],
        "menu": menu(),
    }


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, session: SessionDep, actor: PageActor) -> HTMLResponse:
    """The headline numbers of the period (the last 30 days unless chosen)."""
    filters = report_filters.parse(request.query_params, date.today(), days=30)
    members = report_filters.segment_members(session, filters.segment) if filters.segment else None
    cache: AnalyticsCache = request.app.state.analytics
    settings = effective(session)
    work = dashboard_work(filters, members, settings)
    data, read_at = cache.compute(actor, ("dashboard", filters, thresholds(settings)), work)
    context = {
        **_context(request, session, filters),
        "data": data,
        "read_at": read_at,
        "previous": filters.previous(),
        "currency": settings.default_currency,
    }
    return render(request, "reports/dashboard.html", context)


@router.get("/analytics", response_class=HTMLResponse)
def analytics_index(request: Request, session: SessionDep, actor: PageActor) -> HTMLResponse:
    """Every analytics page, with what it answers."""
    return render(request, "reports/index.html", {"menu": menu()})


@router.get("/analytics/{slug}", response_class=HTMLResponse)
def analytics_page(
    request: Request, session: SessionDep, actor: PageActor, slug: str
) -> HTMLResponse:
    """One analysis drawn with the filters of the query string."""
    filters = report_filters.parse(request.query_params, date.today())
    figures, read_at, why = figures_of(request, session, actor, slug, filters)
    title = next(t for s, t, _s in menu() if s == slug)
    context = {
        **_context(request, session, filters),
        "slug": slug,
        "title": title,
        "figures": figures,
        "read_at": read_at,
        "why": why,
        "chart_json": chart_json,
    }
    return render(request, "reports/page.html", context)


@router.get("/analytics/{slug}/data")
def analytics_data(
    request: Request,
    session: SessionDep,
    actor: PageActor,
    slug: str,
    figure: Annotated[str, Query(max_length=40)],
    file_format: Annotated[str, Query(alias="format", pattern="^(csv|xlsx)$")] = "csv",
) -> Response:
    """A figure's table as CSV (UTF-8 with a byte-order mark, for spreadsheets) or XLSX."""
    filters = report_filters.parse(request.query_params, date.today())
    figures, _read, _why = figures_of(request, session, actor, slug, filters)
    found = next((f for f in figures if f.key == figure), None)
    if found is None:
        raise NotFound("figure", figure)
    name = f"rapport-{slug}-{figure}-{filters.start}-{filters.end}.{file_format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if file_format == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet(figure[:31])
        sheet.append(found.table.columns)
        for row in found.table.rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return Response(out.getvalue(), media_type=XLSX, headers=headers)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(found.table.columns)
    writer.writerows(found.table.rows)
    return Response(
        "\ufeff" + text.getvalue(), media_type="text/csv; charset=utf-8", headers=headers
    )
