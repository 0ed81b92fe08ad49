"""Settings for admins: sales quotas per user or team and period."""

from __future__ import annotations

from contextlib import suppress

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.api.deps import SessionDep
from rapport.config import get_settings
from rapport.quotas import service
from rapport.quotas.models import QuotaMetric
from rapport.quotas.schemas import QuotaCreate
from rapport.templating import render
from rapport.users.models import Team
from rapport.web import choices
from rapport.web.deps import AdminUser, PageActor, check_csrf
from rapport.web.forms import FieldErrors, attempt, parse

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def _page(
    request: Request, session: Session, errors: FieldErrors | None = None, status: int = 200
) -> HTMLResponse:
    teams = [(t.id, t.name) for t in session.scalars(select(Team).order_by(Team.name))]
    context = {
        "quotas": service.list_recent(session=session),
        "people": choices.users(session),
        "user_names": choices.user_names(session),
        "teams": teams,
        "team_names": dict(teams),
        "metrics": [m.value for m in QuotaMetric],
        "errors": errors or {},
        "currency": get_settings().default_currency,
    }
    return render(request, "settings/quotas.html", context, status_code=status)


@router.get("/settings/quotas", response_class=HTMLResponse)
def quotas_page(request: Request, session: SessionDep, admin: AdminUser) -> HTMLResponse:
    """The quotas, latest periods first, and a form for a new one."""
    return _page(request, session)


@router.post("/settings/quotas", response_class=HTMLResponse)
async def create_quota(
    request: Request, session: SessionDep, admin: AdminUser, actor: PageActor
) -> Response:
    """A new quota; a revenue target is typed in major units (yuan) and kept in minor."""
    form = dict(await request.form())
    target = str(form.get("target") or "").replace(",", "").strip()
    if form.get("metric", "revenue") == "revenue" and target:
        with suppress(ValueError):  # what is not a number: validation names the field
            form["target"] = str(round(float(target) * 100))
    data, errors = parse(request, QuotaCreate, form)
    if data is not None:
        errors = attempt(
            request, session, lambda: service.create(session=session, actor=actor, data=data)
        )
        if not errors:
            return RedirectResponse("/settings/quotas", status_code=303)
    return _page(request, session, errors, status=422)


@router.post("/settings/quotas/{quota_id}/delete")
def delete_quota(
    session: SessionDep, admin: AdminUser, actor: PageActor, quota_id: int
) -> Response:
    """Remove a quota."""
    service.delete(session=session, actor=actor, record_id=quota_id)
    return RedirectResponse("/settings/quotas", status_code=303)
