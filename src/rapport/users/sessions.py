"""Sign-in sessions kept on the server: started at sign-in, ended at sign-out or sooner."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rapport.db import utcnow
from rapport.users.models import User, UserSession

# last_seen_at is written at most this often, so reading pages does not write each time.
_TOUCH_EVERY = timedelta(minutes=5)


def start(
    *, session: Session, user: User, user_agent: str | None, address: str | None
) -> UserSession:
    """A new session of ``user``, with a random id for the cookie."""
    row = UserSession(
        id=secrets.token_urlsafe(32),
        user_id=user.id,
        user_agent=(user_agent or "")[:300] or None,
        address=address,
    )
    session.add(row)
    session.flush()
    return row


def current(*, session: Session, session_id: str, days: int) -> tuple[UserSession, User] | None:
    """The live session with this id and its active user, if it has not ended or expired."""
    now = utcnow()
    stmt = (
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(
            UserSession.id == session_id,
            UserSession.ended_at.is_(None),
            UserSession.created_at > now - timedelta(days=days),
            User.is_active.is_(True),
        )
    )
    found = session.execute(stmt).one_or_none()
    if found is None:
        return None
    row, user = found
    if now - row.last_seen_at > _TOUCH_EVERY:
        row.last_seen_at = now
    return row, user


def end(*, session: Session, session_id: str) -> None:
    """End one session (signing out)."""
    session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_all(*, session: Session, user_id: int, keep: str | None = None) -> None:
    """End every session of a user, except ``keep`` (the one asking, after a new password)."""
    stmt = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep)
    session.execute(stmt.values(ended_at=utcnow()))
