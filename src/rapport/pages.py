"""Pages that belong to no domain: the home page and the language switcher."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from rapport.i18n import LOCALE_COOKIE, as_locale
from rapport.templating import render

LOCALE_COOKIE_MAX_AGE: Final = 365 * 24 * 60 * 60

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """The welcome page: what Rapport is and what this version offers."""
    return render(request, "home.html")


@router.get("/language")
def choose_language(
    request: Request, lang: str, next_path: Annotated[str, Query(alias="next")] = "/"
) -> RedirectResponse:
    """A redirect back to ``next`` that remembers ``lang`` in a cookie; 400 if unknown."""
    locale = as_locale(lang)
    if locale is None:
        raise HTTPException(status_code=400, detail=f"unknown language {lang!r}")
    response = RedirectResponse(local_path_or_home(next_path), status_code=303)
    response.set_cookie(
        LOCALE_COOKIE,
        locale,
        max_age=LOCALE_COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
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
