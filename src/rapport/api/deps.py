"""What API routes depend on: a database session per request, and who is asking.

The session commits when the route function returns (before the response is sent) and
rolls back when it raises, so a request is all or nothing. A request is authenticated
by ``Authorization: Bearer <API token>`` or by the sign-in session cookie; a cookie
request that changes data must also send the session's CSRF token in ``X-CSRF-Token``.
Both count against the API rate limit.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterator
from typing import Annotated, Final

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from rapport.access import Actor
from rapport.audit.models import ChangeSource
from rapport.db import session_scope
from rapport.errors import Forbidden, Invalid, Unauthenticated
from rapport.ratelimit import Limiter
from rapport.users import sessions, tokens
from rapport.users.models import User

# \u0000 in JSON text, not preceded by an odd number of backslashes (an escaped "\u0000").
_ESCAPED_NUL: Final = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER: Final = "X-CSRF-Token"


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request: committed when the route returns, rolled back on error."""
    with session_scope(request.app.state.sessionmaker) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def limiter(request: Request) -> Limiter:
    """The app's rate limits."""
    found: Limiter = request.app.state.limiter
    return found


def _from_token(request: Request, session: Session, header: str) -> User:
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("use 'Authorization: Bearer <API token>'")
    found = tokens.owner(session=session, secret=secret.strip())
    if found is None:
        raise Unauthenticated("the API token is not valid: unknown, expired or revoked")
    token, user = found
    limiter(request).request(f"token:{token.id}")
    return user


def _from_cookie(request: Request, session: Session) -> User:
    data = request.session
    sid = data.get("sid")
    days = request.app.state.settings.session_days
    found = sessions.current(session=session, session_id=sid, days=days) if sid else None
    if found is None:
        request.session.clear()
        raise Unauthenticated("sign in first, or send an API token")
    _, user = found
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent, str(data.get("csrf", ""))):
            raise Forbidden(f"a signed-in change needs the {CSRF_HEADER} header of the session")
    limiter(request).request(f"user:{user.id}")
    return user


def current_user(request: Request, session: SessionDep) -> User:
    """The user behind the request's API token or session; Unauthenticated if none."""
    header = request.headers.get("Authorization")
    user = _from_token(request, session, header) if header else _from_cookie(request, session)
    request.state.user_id = user.id
    return user


CurrentUser = Annotated[User, Depends(current_user, scope="function")]


def current_actor(user: CurrentUser) -> Actor:
    """The actor the services see for this request."""
    return Actor.of(user, ChangeSource.API)


ActorDep = Annotated[Actor, Depends(current_actor, scope="function")]


async def refuse_nul_characters(request: Request) -> None:
    """Invalid when the body or query holds a NUL character, which no text field may store.

    PostgreSQL refuses NUL in text; refusing it here answers a clear 422 on every engine.
    """
    if "json" in request.headers.get("content-type", ""):  # uploads may hold any bytes
        body = await request.body()  # Starlette keeps it for the route
        if b"\x00" in body or _ESCAPED_NUL.search(body):
            raise Invalid.field(("body",), "text may not contain the NUL character (\\u0000)")
    if "%00" in request.url.query or "\x00" in request.url.path:
        raise Invalid.field(("query",), "text may not contain the NUL character (%00)")
