"""The CSRF token of a browser session: made once, sent back with every change."""

from __future__ import annotations

import secrets
from typing import Final

from starlette.requests import Request

CSRF_FIELD: Final = "csrf_token"


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (the sign-in form needs one too)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


class LazyToken:
    """The session's CSRF token, made only when a page writes it into a form.

    A page without forms (an error page for a stranger) then sets no session cookie.
    """

    def __init__(self, request: Request) -> None:
        self._request = request

    def __str__(self) -> str:
        return csrf_token(self._request)
