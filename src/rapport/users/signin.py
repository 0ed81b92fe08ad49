"""Signing a browser in and out, shared by the API's /auth routes and the sign-in page.

Signing in checks the password under the sign-in rate limits, starts a server-side
session and puts only its id, a fresh CSRF token and the user's language in the signed
cookie. The old cookie's contents are dropped, so a session id planted before sign-in
is never reused (session fixation).
"""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session
from starlette.requests import Request

from rapport.errors import Unauthenticated
from rapport.ratelimit import Limiter
from rapport.users import service, sessions
from rapport.users.models import User


def sign_in(*, request: Request, session: Session, email: str, password: str) -> User:
    """The user, now signed in on this browser; Unauthenticated or TooManyRequests if not."""
    limits: Limiter = request.app.state.limiter
    account = email.strip().lower()
    address = request.client.host if request.client else "unknown"
    limits.attempt_login(account, address)
    user = service.authenticate(session=session, email=email, password=password)
    if user is None:
        raise Unauthenticated("wrong email or password, or the account is deactivated")
    limits.signed_in(account, address)
    started = sessions.start(
        session=session,
        user=user,
        user_agent=request.headers.get("User-Agent"),
        address=request.client.host if request.client else None,
    )
    request.session.clear()
    request.session.update(
        {"sid": started.id, "csrf": secrets.token_urlsafe(24), "locale": user.locale}
    )
    return user


def sign_out(*, request: Request, session: Session) -> None:
    """End this browser's session, on the server too (a copied cookie stops working)."""
    sid = request.session.get("sid")
    if isinstance(sid, str):
        sessions.end(session=session, session_id=sid)
    request.session.clear()
