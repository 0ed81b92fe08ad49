"""Settings for admins: the index of settings, users (roles, teams, deactivation) and teams."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.api.deps import SessionDep
from rapport.appsettings import service as app_settings
from rapport.appsettings.service import EDITABLE, effective
from rapport.config import get_settings
from rapport.i18n import gettext_for
from rapport.templating import render
from rapport.users import service
from rapport.users.models import Role, Team, User
from rapport.users.schemas import TeamCreate, TeamUpdate, UserCreate, UserUpdate
from rapport.web.deps import AdminUser, PageActor, check_csrf
from rapport.web.forms import FieldErrors, attempt, parse

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def _index(
    request: Request, session: Session, errors: FieldErrors | None = None, status: int = 200
) -> HTMLResponse:
    settings = effective(session)
    base = get_settings()
    editable = [
        (name, getattr(settings, name), getattr(base, name), EDITABLE[name]) for name in EDITABLE
    ]
    fixed = [
        ("RAPPORT_TIME_ZONE", settings.time_zone),
        ("RAPPORT_DEFAULT_CURRENCY", settings.default_currency),
        ("RAPPORT_CLV_DISCOUNT_RATE", settings.clv_discount_rate),
    ]
    context = {"editable": editable, "fixed": fixed, "errors": errors or {}}
    return render(request, "settings/index.html", context, status_code=status)


@router.get("/settings", response_class=HTMLResponse)
def settings_index(request: Request, session: SessionDep, admin: AdminUser) -> HTMLResponse:
    """What an admin can set up, and the thresholds the analyses use."""
    return _index(request, session)


@router.post("/settings", response_class=HTMLResponse)
async def save_thresholds(
    request: Request, session: SessionDep, admin: AdminUser, actor: PageActor
) -> Response:
    """Keep new lifecycle and churn thresholds and score horizons."""
    form = await request.form()
    values: dict[str, int] = {}
    errors: FieldErrors = {}
    for name in EDITABLE:
        text = str(form.get(name) or "").strip()
        if text:
            try:
                values[name] = int(text)
            except ValueError:
                errors[name] = gettext_for(request)("Enter a whole number.")
    if not errors:
        errors = attempt(
            request,
            session,
            lambda: app_settings.update(session=session, actor=actor, values=values),
        )
    if errors:
        return _index(request, session, errors, status=422)
    request.app.state.analytics.expire()  # figures are computed again with the new values
    return RedirectResponse("/settings?saved=1", status_code=303)


def _people(
    request: Request,
    session: Session,
    errors: FieldErrors | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    users = list(session.scalars(select(User).order_by(User.is_active.desc(), User.name)))
    teams = list(session.scalars(select(Team).order_by(Team.name)))
    context = {
        "people": users,
        "teams": teams,
        "team_options": [(t.id, t.name) for t in teams],
        "roles": [r.value for r in Role],
        "errors": errors or {},
        "values": values or {},
    }
    return render(request, "settings/users.html", context, status_code=status)


@router.get("/settings/users", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, admin: AdminUser) -> HTMLResponse:
    """Every user, with their role and team, and a form for a new one."""
    return _people(request, session)


@router.post("/settings/users", response_class=HTMLResponse)
async def create_user(
    request: Request, session: SessionDep, admin: AdminUser, actor: PageActor
) -> Response:
    """Add a user who can sign in at once with the password given."""
    form = await request.form()
    data, errors = parse(request, UserCreate, form)
    if data is not None:
        errors = attempt(
            request, session, lambda: service.create_user(session=session, actor=actor, data=data)
        )
        if not errors:
            return RedirectResponse("/settings/users", status_code=303)
    return _people(request, session, errors, dict(form), status=422)


@router.post("/settings/users/{user_id}", response_class=HTMLResponse)
async def update_user(
    request: Request, session: SessionDep, admin: AdminUser, actor: PageActor, user_id: int
) -> Response:
    """Change a user's role, team or language, deactivate them, or set a new password."""
    form = await request.form()
    data, errors = parse(request, UserUpdate, form)
    if data is not None:
        errors = attempt(
            request,
            session,
            lambda: service.update_user(session=session, actor=actor, record_id=user_id, data=data),
        )
        if not errors:
            return RedirectResponse("/settings/users", status_code=303)
    return _people(request, session, {f"{user_id}-{k}": v for k, v in errors.items()}, status=422)


def _teams(
    request: Request, session: Session, errors: FieldErrors | None = None, status: int = 200
) -> HTMLResponse:
    teams = list(session.scalars(select(Team).order_by(Team.name)))
    members: dict[int, int] = {}
    for team_id in session.scalars(select(User.team_id).where(User.is_active.is_(True))):
        if team_id is not None:
            members[team_id] = members.get(team_id, 0) + 1
    context = {"teams": teams, "members": members, "errors": errors or {}}
    return render(request, "settings/teams.html", context, status_code=status)


@router.get("/settings/teams", response_class=HTMLResponse)
def teams_page(request: Request, session: SessionDep, admin: AdminUser) -> HTMLResponse:
    """The teams and how many active people each has."""
    return _teams(request, session)


@router.post("/settings/teams", response_class=HTMLResponse)
async def create_team(
    request: Request, session: SessionDep, admin: AdminUser, actor: PageActor
) -> Response:
    """A new team."""
    data, errors = parse(request, TeamCreate, await request.form())
    if data is not None:
        errors = attempt(
            request, session, lambda: service.create_team(session=session, actor=actor, data=data)
        )
        if not errors:
            return RedirectResponse("/settings/teams", status_code=303)
    return _teams(request, session, errors, status=422)


@router.post("/settings/teams/{team_id}", response_class=HTMLResponse)
async def rename_team(
    request: Request, session: SessionDep, admin: AdminUser, actor: PageActor, team_id: int
) -> Response:
    """A team's new name."""
    data, errors = parse(request, TeamUpdate, await request.form())
    if data is not None:
        errors = attempt(
            request,
            session,
            lambda: service.update_team(session=session, actor=actor, record_id=team_id, data=data),
        )
        if not errors:
            return RedirectResponse("/settings/teams", status_code=303)
    return _teams(request, session, {f"{team_id}-{k}": v for k, v in errors.items()}, 422)
