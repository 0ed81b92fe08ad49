"""Personal API tokens: made once, shown once, stored only as a hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from rapport.access import Actor
from rapport.audit import service as audit
from rapport.audit.models import AuditAction
from rapport.db import utcnow
from rapport.errors import NotFound
from rapport.users.models import ApiToken, User

PREFIX = "rpt_"


def _digest(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is safe here (no guessing to slow down).
    return hashlib.sha256(token.encode()).hexdigest()


def create(*, session: Session, user: User, name: str, days: int | None) -> tuple[ApiToken, str]:
    """A new token of ``user``, valid ``days`` (None: until revoked), and its secret text."""
    secret = PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=days) if days else None
    token = ApiToken(user_id=user.id, name=name, token_hash=_digest(secret), expires_at=expires)
    session.add(token)
    session.flush()
    audit.record(
        session=session,
        actor=Actor.of(user),
        entity="api_token",
        entity_id=token.id,
        action=AuditAction.CREATE,
        changes={"name": (None, name), "expires_at": (None, expires)},
    )
    return token, secret


def list_of(*, session: Session, user: User) -> Sequence[ApiToken]:
    """The user's tokens that are neither revoked nor expired, newest first."""
    now = utcnow()
    stmt = select(ApiToken).where(
        ApiToken.user_id == user.id,
        ApiToken.revoked_at.is_(None),
        or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
    )
    return session.scalars(stmt.order_by(ApiToken.id.desc())).all()


def revoke(*, session: Session, user: User, token_id: int) -> None:
    """Revoke one of the user's tokens; NotFound if it is not theirs or already gone."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound("API token", token_id)
    token.revoked_at = utcnow()
    session.flush()
    audit.record(
        session=session,
        actor=Actor.of(user),
        entity="api_token",
        entity_id=token.id,
        action=AuditAction.DELETE,
        note="revoked",
    )


def revoke_all(*, session: Session, user_id: int, at: datetime) -> None:
    """Revoke every live token of a user (when the account is deactivated)."""
    stmt = select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    for token in session.scalars(stmt):
        token.revoked_at = at
    session.flush()


def owner(*, session: Session, secret: str) -> tuple[ApiToken, User] | None:
    """The live token with this secret text and its active user, if both are valid."""
    if not secret.startswith(PREFIX):
        return None
    now = utcnow()
    stmt = (
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(
            ApiToken.token_hash == _digest(secret),
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
            User.is_active.is_(True),
        )
    )
    found = session.execute(stmt).one_or_none()
    if found is None:
        return None
    token, user = found
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        token.last_used_at = now  # recorded coarsely, so reads do not write on every call
    return token, user
