"""What HTML pages depend on: the signed-in user (or a trip to the sign-in page) and CSRF.

A page answers only a signed-in user; anyone else is sent to ``/login`` and brought back
afterwards. Every form that changes something carries the session's CSRF token (a hidden
``csrf_token`` field, or the ``X-CSRF-Token`` header that HTMX sends for every request),
and a change without it is refused before the route runs.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from rapport.access import Actor
from rapport.api.deps import CSRF_HEADER, SAFE_METHODS, SessionDep
from rapport.audit.models import ChangeSource
from rapport.errors import Forbidden
from rapport.i18n import gettext_for
from rapport.templating import current_path
from rapport.users import sessions
from rapport.users.models import Role, User
from rapport.web.csrf import CSRF_FIELD


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a page, as the layout shows them (read before the session ends,
    so that an error page rendered after a rollback can still show it)."""

    id: int
    name: str
    role: Role


class SignInRequired(Exception):
    """The page needs a signed-in user; the answer is a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


async def check_csrf(request: Request) -> None:
    """Forbidden for a change (POST …) that does not carry the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()  # Starlette keeps the parsed form for the route
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else ""
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        raise Forbidden(
            gettext_for(request)(
                "The form is out of date or did not come from this site: reload the page."
            )
        )


def page_user(request: Request, session: SessionDep) -> User:
    """The signed-in user; SignInRequired (a redirect to /login) when there is none."""
    sid = request.session.get("sid")
    days = request.app.state.settings.session_days
    found = sessions.current(session=session, session_id=sid, days=days) if sid else None
    if found is None:
        request.session.pop("sid", None)
        raise SignInRequired(current_path(request))
    _, user = found
    request.state.user = Viewer(id=user.id, name=user.name, role=user.role)
    return user


PageUser = Annotated[User, Depends(page_user, scope="function")]


def page_actor(user: PageUser) -> Actor:
    """The actor the services see for a page: the user, audited as a change in the UI."""
    return Actor.of(user, ChangeSource.UI)


PageActor = Annotated[Actor, Depends(page_actor, scope="function")]


def admin_user(request: Request, user: PageUser) -> User:
    """The signed-in user if an admin; Forbidden otherwise."""
    if user.role is not Role.ADMIN:
        raise Forbidden(gettext_for(request)("Only admins may open the settings."))
    return user


AdminUser = Annotated[User, Depends(admin_user, scope="function")]
