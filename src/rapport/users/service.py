"""Queries and rules about users."""

from __future__ import annotations

from argon2 import PasswordHasher
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.users.models import Role, User

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8
LOCALES = ("en", "zh_CN")


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message names the field."""


def get_by_email(*, session: Session, email: str) -> User | None:
    """The user with this email (compared case-insensitively), if any."""
    stmt = select(User).where(func.lower(User.email) == email.strip().lower())
    return session.scalars(stmt).one_or_none()


def create(
    *, session: Session, email: str, name: str, role: Role, locale: str, password: str
) -> User:
    """A new, active user with an argon2 hash of ``password``."""
    try:
        normalised = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise UserError(f"email: {error}") from None
    if not name.strip():
        raise UserError("name: must not be empty")
    if locale not in LOCALES:
        raise UserError(f"locale: must be one of {', '.join(LOCALES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password: must be at least {MIN_PASSWORD_LENGTH} characters")
    if get_by_email(session=session, email=normalised) is not None:
        raise UserError(f"email: a user with {normalised} already exists")
    user = User(
        email=normalised,
        name=name.strip(),
        role=role,
        locale=locale,
        password_hash=_hasher.hash(password),
    )
    session.add(user)
    session.flush()
    return user


def verify_password(user: User, password: str) -> bool:
    """Whether ``password`` is the user's password."""
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except Exception:
        return False
