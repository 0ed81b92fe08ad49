"""Errors on pages answer as pages: a sign-in redirect, or a page that says what went wrong.

The API keeps its JSON errors (``rapport.api.errors``); these handlers take over only for
paths outside ``/api/``. A request made by HTMX gets the redirect as ``HX-Redirect``, so
the whole page moves to the sign-in form instead of a fragment of it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from rapport.api import errors as api_errors
from rapport.errors import ServiceError
from rapport.i18n import gettext_for
from rapport.templating import render
from rapport.web.deps import SignInRequired
from rapport.web.messages import error_message

Handler = Callable[[Request, Exception], Awaitable[Response]]
_API_PREFIXES: Final = ("/api/", "/auth/", "/docs", "/openapi.json")


def is_api(request: Request) -> bool:
    """Whether ``request`` is for the JSON API (or its documentation), not a page."""
    return request.url.path.startswith(_API_PREFIXES)


def _title(request: Request, status: int) -> str:
    _ = gettext_for(request)
    titles = {
        400: _("The request was not understood"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Not allowed"),
        409: _("That clashes with what is stored"),
        422: _("Something in the request is not right"),
        429: _("Too many requests"),
    }
    return titles.get(status, _("Something went wrong"))


def error_page(request: Request, status: int, message: str) -> Response:
    """A page that says what went wrong, with the status."""
    context = {"status": status, "title": _title(request, status), "message": message}
    return render(request, "error.html", context, status_code=status)


def _sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    target = f"/login?next={quote(exc.next_path, safe='')}"
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _either(
    api_handler: Handler, page_handler: Callable[[Request, Exception], Response]
) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if is_api(request):
            return await api_handler(request, exc)
        return page_handler(request, exc)

    return handle


def _service_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    return error_page(request, exc.status, error_message(request, exc))


def _http_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = "" if exc.status_code == 404 else str(exc.detail)
    return error_page(request, exc.status_code, message)


def _validation_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc'])}: {error.get('msg', '')}"
        for error in exc.errors()[:3]
    )
    return error_page(request, 422, problems)


async def _sign_in_async(request: Request, exc: Exception) -> Response:
    return _sign_in(request, exc)


def install(app: FastAPI) -> None:
    """Make pages answer errors as pages; the API's own handlers stay for ``/api/``."""
    app.add_exception_handler(SignInRequired, _sign_in_async)
    app.add_exception_handler(ServiceError, _either(api_errors.service_error, _service_page))
    app.add_exception_handler(HTTPException, _either(api_errors.http_error, _http_page))
    app.add_exception_handler(
        RequestValidationError, _either(api_errors.validation_error, _validation_page)
    )
