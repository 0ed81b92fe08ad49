"""The sign-in page, signing out, and one's own profile: name, language, password, tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from rapport.api.deps import SessionDep
from rapport.errors import Invalid, TooManyRequests, Unauthenticated
from rapport.i18n import gettext_for
from rapport.pages import local_path_or_home
from rapport.templating import render
from rapport.users import service, signin, tokens
from rapport.users.schemas import ProfileUpdate, TokenCreate
from rapport.web.deps import PageActor, PageUser, check_csrf
from rapport.web.forms import FieldErrors, invalid_errors, parse

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next_path: Annotated[str, Query(alias="next")] = "/") -> Response:
    """The sign-in form."""
    target = local_path_or_home(next_path)
    return render(request, "users/login.html", {"next": target, "email": "", "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next_path: Annotated[str, Form(alias="next")] = "/",
) -> Response:
    """Sign in and go where the user was headed; the form again, with why, if refused."""
    _ = gettext_for(request)
    target = local_path_or_home(next_path)
    try:
        if not email.strip() or not password:
            raise Unauthenticated("missing")
        signin.sign_in(request=request, session=session, email=email, password=password)
    except TooManyRequests as exc:
        error = _("Too many failed sign-ins. Try again in %(seconds)d seconds.") % {
            "seconds": exc.retry_after
        }
        context = {"next": target, "email": email, "error": error}
        return render(request, "users/login.html", context, status_code=429)
    except Unauthenticated:
        error = _("Wrong email or password, or the account is deactivated.")
        context = {"next": target, "email": email, "error": error}
        return render(request, "users/login.html", context, status_code=401)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> RedirectResponse:
    """Sign out of this browser and go to the sign-in page."""
    signin.sign_out(request=request, session=session)
    return RedirectResponse("/login", status_code=303)


def _profile(
    request: Request,
    session: SessionDep,
    user: PageUser,
    *,
    errors: FieldErrors | None = None,
    notice: str | None = None,
    new_secret: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "me": user,
        "errors": errors or {},
        "notice": notice,
        "new_secret": new_secret,
        "tokens": tokens.list_of(session=session, user=user),
    }
    return render(request, "users/profile.html", context, status_code=status_code)


@router.get("/profile", response_class=HTMLResponse)
def profile(request: Request, session: SessionDep, user: PageUser) -> HTMLResponse:
    """One's own name, language, password and API tokens."""
    return _profile(request, session, user)


@router.post("/profile", response_class=HTMLResponse)
async def update_profile(
    request: Request, session: SessionDep, user: PageUser, actor: PageActor
) -> Response:
    """Change one's name, language or password; the form again with what is wrong."""
    _ = gettext_for(request)
    form = await request.form()
    data, errors = parse(request, ProfileUpdate, form)
    if data is None:
        return _profile(request, session, user, errors=errors, status_code=422)
    sid = request.session.get("sid")
    try:
        service.update_profile(
            session=session,
            actor=actor,
            user=user,
            data=data,
            keep_session=sid if isinstance(sid, str) else None,
        )
    except Invalid as exc:
        session.rollback()
        return _profile(
            request, session, user, errors=invalid_errors(request, exc), status_code=422
        )
    request.session["locale"] = user.locale
    notice = _("Password changed. Your other sessions are signed out.") if data.password else None
    return _profile(request, session, user, notice=notice or _("Profile saved."))


@router.post("/profile/tokens", response_class=HTMLResponse)
async def create_token(request: Request, session: SessionDep, user: PageUser) -> Response:
    """Make an API token and show its secret, once."""
    form = await request.form()
    data, errors = parse(request, TokenCreate, form)
    if data is None:
        return _profile(request, session, user, errors=errors, status_code=422)
    _token, secret = tokens.create(session=session, user=user, name=data.name, days=data.days)
    return _profile(request, session, user, new_secret=secret)


@router.post("/profile/tokens/{token_id}/revoke")
def revoke_token(session: SessionDep, user: PageUser, token_id: int) -> RedirectResponse:
    """Revoke one of one's API tokens: it stops working at once."""
    tokens.revoke(session=session, user=user, token_id=token_id)
    return RedirectResponse("/profile", status_code=303)
