"""Pages that belong to no domain: the home page and the language switcher."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from rapport.config import Locale
from rapport.i18n import LOCALE_COOKIE, as_locale
from rapport.templating import render
from rapport.web.deps import PageUser, check_csrf

LOCALE_COOKIE_MAX_AGE: Final = 365 * 24 * 60 * 60

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    """The welcome page for strangers; a signed-in user goes on to the dashboard."""
    if "sid" in request.session:
        return RedirectResponse("/dashboard", status_code=303)
    return render(request, "home.html")


def _switch(request: Request, lang: str, next_path: str) -> tuple[Locale, RedirectResponse]:
    locale = as_locale(lang)
    if locale is None:
        raise HTTPException(status_code=400, detail=f"unknown language {lang!r}")
    if "sid" in request.session:
        request.session["locale"] = locale
    response = RedirectResponse(local_path_or_home(next_path), status_code=303)
    response.set_cookie(
        LOCALE_COOKIE,
        locale,
        max_age=LOCALE_COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return locale, response


@router.get("/language")
def choose_language(
    request: Request, lang: str, next_path: Annotated[str, Query(alias="next")] = "/"
) -> RedirectResponse:
    """A redirect back to ``next`` that remembers ``lang`` in this browser; 400 if unknown."""
    return _switch(request, lang, next_path)[1]


@router.post("/language", dependencies=[Depends(check_csrf)])
def save_language(
    request: Request,
    user: PageUser,
    lang: Annotated[str, Form()],
    next_path: Annotated[str, Form(alias="next")] = "/",
) -> RedirectResponse:
    """Switch language and keep it on the user's profile, so it follows them everywhere."""
    locale, response = _switch(request, lang, next_path)
    user.locale = locale
    return response


def local_path_or_home(target: str) -> str:
    """``target`` if it is a path on this site, else ``"/"``.

    Browsers read ``//host`` and ``/\\host`` as other sites, and drop tabs and newlines
    from URLs, so those are refused as well as anything not starting with ``/``.
    """
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(character) < 0x20 or ord(character) == 0x7F for character in target):
        return "/"
    return target
